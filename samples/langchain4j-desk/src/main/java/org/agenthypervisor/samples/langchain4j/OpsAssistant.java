package org.agenthypervisor.samples.langchain4j;

import dev.langchain4j.service.TokenStream;

/** The operations assistant (the policy gives it ring 0). */
public interface OpsAssistant {
    String chat(String message);

    TokenStream stream(String message);
}
