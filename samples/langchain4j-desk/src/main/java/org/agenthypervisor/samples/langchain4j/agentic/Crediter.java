package org.agenthypervisor.samples.langchain4j.agentic;

import dev.langchain4j.agentic.Agent;
import dev.langchain4j.service.UserMessage;
import dev.langchain4j.service.V;

/** The first agent of the sequence (named "credit"). */
public interface Crediter {
    @UserMessage("Credit the refund of {{customer}}")
    @Agent(name = "credit", outputKey = "credited")
    String credit(@V("customer") String customer);
}
