package com.acme.operator;

import org.agenthypervisor.api.Agent;
import org.agenthypervisor.api.Session;

import java.io.IOException;

/** A model-driven bot: granted ring 1 at trust 0.9, so it runs at ring 2 and may not open the vault. */
@Agent("bot")
public class Bot {
    public String reach() {
        return new Vault().open();
    }

    public String chat() {
        return "hello";
    }

    /**
     * A long task on a session it shares with the host: a note, then, after the test's go-ahead (an
     * operator may quarantine the bot meanwhile), another write and a read.
     */
    public String longTask(Session session) throws IOException {
        session.state().put("before", "1");
        OperatorApp.pause("READY " + ProcessHandle.current().pid());
        // No lambdas: a lambda's body is a method of this class, refused at its entry like any other.
        String write;
        try {
            write = "allowed:" + session.state().put("after", "2");
        } catch (SecurityException refused) {
            write = "denied:" + refused.getClass().getSimpleName() + ":" + refused.getMessage();
        }
        String read;
        try {
            read = "allowed:" + session.state().get("before");
        } catch (SecurityException refused) {
            read = "denied:" + refused.getClass().getSimpleName() + ":" + refused.getMessage();
        }
        return "write=" + write + " read=" + read;
    }
}
