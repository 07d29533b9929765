/**
 * Spring AI, matched by name: every tool call the {@code DefaultToolCallingManager} dispatches
 * ({@code @Tool} methods and any {@code ToolCallback}, MCP callbacks included) is checked before
 * the callback runs, in the calling agent's context.
 */
package org.agenthypervisor.agent.integration.springai;
