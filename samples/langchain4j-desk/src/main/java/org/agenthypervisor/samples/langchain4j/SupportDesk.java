package org.agenthypervisor.samples.langchain4j;

/**
 * Plain application code of the support team (the policy binds this class to the same agent as
 * the support assistant): it escalates to the ops assistant, and it can reach the tools directly.
 */
public class SupportDesk {
    /** Hands a case to the ops assistant: a hand-off from support to ops. */
    public String escalate(OpsAssistant ops, String message) {
        return ops.chat(message);
    }

    /** Calls the tool without a model in between. */
    public String cleanUpDirectly(RefundTools tools) {
        return tools.deleteAllRefunds();
    }
}
