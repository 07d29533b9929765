/**
 * A refund desk built with Spring AI: two service classes make {@code ChatClient} calls with the same
 * tools, one of them through a streamed {@code Flux} that the caller subscribes to, and an
 * MCP-style {@code ToolCallback} without a Java method. The model is scripted and offline. The code
 * knows nothing of the hypervisor: {@code policy.yaml} binds the service classes to agents.
 */
package org.agenthypervisor.samples.springai;
