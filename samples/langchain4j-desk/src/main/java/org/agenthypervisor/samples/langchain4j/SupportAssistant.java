package org.agenthypervisor.samples.langchain4j;

import dev.langchain4j.service.TokenStream;

/** The customer-facing assistant (the policy gives it ring 3). */
public interface SupportAssistant {
    String chat(String message);

    TokenStream stream(String message);
}
