package com.acme.escape;

import org.agenthypervisor.api.Agent;
import org.agenthypervisor.api.Hypervisor;
import org.agenthypervisor.api.Ring;

import java.util.concurrent.atomic.AtomicInteger;

/** A ring-0 agent with a privileged method whose body the intruder must never make run. */
@Agent("vault")
public class Vault {
    /** How many times the body of {@link #drop} actually ran. */
    public static final AtomicInteger DROPPED = new AtomicInteger();

    @Ring(0)
    public String drop() {
        DROPPED.incrementAndGet();
        return "dropped";
    }

    @Ring(0)
    public static String dropStatic() {
        DROPPED.incrementAndGet();
        return "dropped";
    }

    /** A private helper with no ring of its own: it runs as the vault, so it may drop. */
    private String secretDrop() {
        return drop();
    }

    /** Returns whatever it is given: a hand-off whose return value the hypervisor encodes. */
    public Object echo(Object value) {
        return value;
    }

    /** The vault's own method reference to a private method, run later by a host thread: legitimate. */
    public Runnable ownPrivateTask(StringBuilder out) {
        return () -> out.append(privateWork());
    }

    public Runnable ownMethodRef(java.util.List<String> out) {
        return this::recordWho;
    }

    private void recordWho() {
        EscapeApp.SEEN.add(Hypervisor.currentAgent());
    }

    private String privateWork() {
        return Hypervisor.currentAgent();
    }
}
