package org.agenthypervisor.samples.langchain4j.agentic;

import dev.langchain4j.agent.tool.Tool;

/** The tools of the two agents. */
public class LedgerTools {
    @Tool("Credits a customer")
    public String credit(String customer) {
        return "credited " + customer;
    }

    @Tool("Withdraws for a customer")
    public String withdraw(String customer) {
        return "withdrawn for " + customer;
    }
}
