package org.agenthypervisor.core.store;

import org.agenthypervisor.shaded.fake.FakeDriver;

import java.util.function.BooleanSupplier;

/** The hypervisor's own code (a store) calling a library the agent ships. */
public final class DriverCaller {
    private DriverCaller() {
    }

    public static boolean open(BooleanSupplier jdkCall) {
        return FakeDriver.connect(jdkCall);
    }
}
