/**
 * What the hypervisor decides for AI frameworks (LangChain4j, Spring AI), framework-neutral: tool
 * calls under rings with the policy's denial behaviour, AI services and agentic agents as agents,
 * agentic scopes as shared sessions, and contexts captured by objects (streams) to be restored
 * later. The framework integrations in the agent translate framework objects into these calls; no
 * framework class is named here.
 */
package org.agenthypervisor.core.frameworks;
