/**
 * The agent's entry points: {@code premain} and {@code agentmain} (attach to a running JVM) and
 * {@code main} (the command line, from the same jar).
 */
package org.agenthypervisor.agent;
