package com.acme.sagaunit;

import org.agenthypervisor.api.Compensate;

/** Has no no-argument constructor: recovery needs a factory. */
public class Vault {
    private final String name;

    public Vault(String name) {
        this.name = name;
    }

    @Compensate("unlock")
    public void lock(String box) {
        Bank.LOG.add(name + " lock " + box);
    }

    public void unlock(String box) {
        Bank.LOG.add(name + " unlock " + box);
    }

    /** Runs an arbitrary callback: the argument is not data, so the step cannot be recovered. */
    @Compensate("unwatch")
    public void watch(Runnable callback) {
        Bank.LOG.add(name + " watch");
    }

    public void unwatch(Runnable callback) {
        Bank.LOG.add(name + " unwatch");
    }
}
