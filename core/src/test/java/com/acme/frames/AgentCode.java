package com.acme.frames;

import org.agenthypervisor.shaded.fake.FakeDriver;

import java.util.function.BooleanSupplier;

/** An agent's own code calling a library the agent ships. */
public final class AgentCode {
    private AgentCode() {
    }

    public static boolean callsDriver(BooleanSupplier jdkCall) {
        return FakeDriver.connect(jdkCall);
    }
}
