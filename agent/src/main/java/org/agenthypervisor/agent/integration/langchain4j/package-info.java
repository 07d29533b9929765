/**
 * LangChain4j (AI services, tools, langchain4j-agentic), matched by name: AI services run as the
 * agent bound to their interface, tool calls are checked at {@code ToolService.executeWithErrorHandling}
 * (outside the framework's error-to-text catch, so {@code abort} can leave the AI-service call),
 * sub-agent invocations are hand-offs, scope writes are session deltas, and LangChain4j's own
 * compensation is suspended inside a hypervisor saga.
 */
package org.agenthypervisor.agent.integration.langchain4j;
