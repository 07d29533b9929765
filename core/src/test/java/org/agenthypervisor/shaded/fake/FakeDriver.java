package org.agenthypervisor.shaded.fake;

import java.util.function.BooleanSupplier;

/** Stands for a library the agent ships (the PostgreSQL driver) reaching the JDK for its caller. */
public final class FakeDriver {
    private FakeDriver() {
    }

    public static boolean connect(BooleanSupplier jdkCall) {
        return jdkCall.getAsBoolean();
    }
}
