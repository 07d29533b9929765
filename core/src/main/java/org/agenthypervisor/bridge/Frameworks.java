package org.agenthypervisor.bridge;

/**
 * What the advice woven into reactive frameworks (Reactor) calls: a publisher remembers the
 * context it was assembled in and its subscription runs in it. Each is a no-op while the
 * framework gate is inactive.
 */
public final class Frameworks {
    static final Impl IMPL = Bridges.pending() == null ? null : Bridges.pending().frameworks();

    private Frameworks() {
    }

    /** What the hypervisor implements. */
    public interface Impl {
        void capture(Object owner);

        Object enterCaptured(Object owner);

        void restore(Object token);
    }

    public static void capture(Object owner) {
        IMPL.capture(owner);
    }

    public static Object enterCaptured(Object owner) {
        return IMPL.enterCaptured(owner);
    }

    public static void restore(Object token) {
        IMPL.restore(token);
    }
}
