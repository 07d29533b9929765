package org.agenthypervisor.samples.langchain4j.bank;

/** The assistant that moves money (a saga boundary by the policy). */
public interface TransferAssistant {
    String transfer(String request);
}
