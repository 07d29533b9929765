package org.agenthypervisor.samples.langchain4j.agentic;

import dev.langchain4j.agentic.Agent;
import dev.langchain4j.service.UserMessage;
import dev.langchain4j.service.V;

/** The second agent of the sequence (named "withdraw"): it reads what "credit" wrote. */
public interface Withdrawer {
    @UserMessage("Withdraw for {{customer}} after {{credited}}")
    @Agent(name = "withdraw", outputKey = "withdrawn")
    String withdraw(@V("customer") String customer, @V("credited") String credited);
}
