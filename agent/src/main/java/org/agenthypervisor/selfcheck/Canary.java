package org.agenthypervisor.selfcheck;

import org.agenthypervisor.api.Ring;

/**
 * Two guarded methods: one anyone may call, one only ring 0 may call. The self-check defines this
 * class in a throwaway loader and calls them through {@link #applyAsInt} on the instance the class
 * hands its loader as it initialises: no reflective call (on JDK 18 and later the first
 * {@code Method.invoke} of each method spins method-handle classes, a few milliseconds of a start).
 */
public final class Canary implements java.util.function.IntUnaryOperator {
    static {
        if (Canary.class.getClassLoader() instanceof java.util.function.Consumer<?> loader) {
            @SuppressWarnings("unchecked")
            java.util.function.Consumer<Object> handOff = (java.util.function.Consumer<Object>) loader;
            handOff.accept(new Canary());
        }
    }

    private Canary() {
    }

    @Ring(3)
    public static int open() {
        return 1;
    }

    @Ring(0)
    public static int kernelOnly() {
        return 2;
    }

    /** {@code 0}: {@link #open()}; anything else: {@link #kernelOnly()}. */
    @Override
    public int applyAsInt(int which) {
        return which == 0 ? open() : kernelOnly();
    }
}
