package org.agenthypervisor.bridge;

/**
 * The static entry points the advice woven into governed methods and constructors calls (see the
 * hypervisor's {@code core.gate.Gate} for what each does). The constant ring of a call site, and
 * {@link #LOOK_UP}, are compiled into the woven code.
 */
public final class Gate {
    /** Passed as the required ring when the advice must look it up (it comes from a reloadable rule). */
    public static final int LOOK_UP = -1;

    static final Impl IMPL = Bridges.pending() == null ? null : Bridges.pending().gate();

    /** Returned by {@link #enter} when the advice must call {@link #enterWithDetails}. */
    public static final Object DETAILS = IMPL == null ? new Object() : IMPL.details();

    private Gate() {
    }

    /** What the hypervisor implements. */
    public interface Impl {
        Object details();

        void check(int site, int requiredRing);

        Object enter(int site, long key);

        Object enterConstructor(int site, long key);

        void exitConstructor(Object token);

        Object enterWithDetails(int site, long key, Class<?> type, Object self, Object[] arguments);

        void exit(Object token, Object returned, Throwable thrown);
    }

    public static void check(int site, int requiredRing) {
        IMPL.check(site, requiredRing);
    }

    /** @param key the site's secret, written into the woven code with its id: without it, no entry */
    public static Object enter(int site, long key) {
        return IMPL.enter(site, key);
    }

    public static Object enterConstructor(int site, long key) {
        return IMPL.enterConstructor(site, key);
    }

    public static void exitConstructor(Object token) {
        IMPL.exitConstructor(token);
    }

    public static Object enterWithDetails(int site, long key, Class<?> type, Object self, Object[] arguments) {
        return IMPL.enterWithDetails(site, key, type, self, arguments);
    }

    public static void exit(Object token, Object returned, Throwable thrown) {
        IMPL.exit(token, returned, thrown);
    }
}
