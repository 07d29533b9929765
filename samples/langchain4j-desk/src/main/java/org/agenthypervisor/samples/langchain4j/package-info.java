/**
 * A refund desk built with LangChain4j the way its users build one: AI services over one shared
 * tools object, a langchain4j-agentic sequence and a transfer saga, every model a scripted offline
 * {@link org.agenthypervisor.samples.langchain4j.ScriptedChatModel}. The code knows nothing of the
 * hypervisor: {@code policy.yaml} binds the AI services and agents and guards the tools.
 */
package org.agenthypervisor.samples.langchain4j;
