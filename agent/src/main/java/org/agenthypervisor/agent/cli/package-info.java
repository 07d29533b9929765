/**
 * The command line, from the same jar as the agent ({@code java -jar agent-hypervisor.jar}):
 * {@code policy check}, {@code audit verify|proof}, {@code saga list|show|recover},
 * {@code trust list|set}, {@code keys}. Exit codes: 0 ok, 1 a check or verification failed,
 * 2 usage or configuration error.
 */
package org.agenthypervisor.agent.cli;
