package org.agenthypervisor.bridge;

/** What the advice woven into {@code Lookup.defineHiddenClass} calls: the bytes to define, governed or unchanged. */
public final class HiddenClasses {
    static final Impl IMPL = Bridges.pending() == null ? null : Bridges.pending().hiddenClasses();

    private HiddenClasses() {
    }

    /** What the hypervisor implements. */
    public interface Impl {
        byte[] weave(Class<?> lookupClass, byte[] bytes);
    }

    public static byte[] weave(Class<?> lookupClass, byte[] bytes) {
        return IMPL.weave(lookupClass, bytes);
    }
}
