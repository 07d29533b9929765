package com.acme.capability;

/** A ring-3 agent that the policy grants nothing. */
public final class Bot {
    public String run(String action, String mode) throws Exception {
        return Dispatch.run(mode, () -> Actions.perform(action));
    }
}
