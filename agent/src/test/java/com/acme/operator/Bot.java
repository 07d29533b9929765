package com.acme.operator;

import org.agenthypervisor.api.Agent;

/** A model-driven bot: granted ring 1 at trust 0.9, so it runs at ring 2 and may not open the vault. */
@Agent("bot")
public class Bot {
    public String reach() {
        return new Vault().open();
    }

    public String chat() {
        return "hello";
    }
}
