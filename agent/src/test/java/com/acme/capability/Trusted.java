package com.acme.capability;

/** A ring-3 agent that the policy grants one host, one directory to read, one to write, processes and native code. */
public final class Trusted {
    public String run(String action, String mode) throws Exception {
        return Dispatch.run(mode, () -> Actions.perform(action));
    }
}
