package org.agenthypervisor.api.spi;

/**
 * Holds the one backend the agent installs. The first installation wins, so code running after the
 * agent's start cannot replace it: the backend sits in a {@code static final} field of a holder
 * class, set while that class initialises on the installing thread. These classes are on the
 * bootstrap class path, open to deep reflection, and a final static cannot be written by
 * reflection or method handles, so not even {@code setAccessible} re-points the facade.
 */
public final class Backends {
    private static final ThreadLocal<HypervisorBackend> PENDING = new ThreadLocal<>();

    private Backends() {
    }

    /** Initialised by the first {@link #install} (or the first {@link #current} before it, then empty for good). */
    private static final class Holder {
        static final HypervisorBackend BACKEND = PENDING.get();
    }

    /**
     * Installs the backend; called by the agent during its start.
     *
     * @throws IllegalStateException if a backend is already installed, or if the facade was used
     *                               before the agent installed one
     */
    public static synchronized void install(HypervisorBackend implementation) {
        if (implementation == null) {
            throw new NullPointerException("implementation");
        }
        PENDING.set(implementation);
        try {
            if (Holder.BACKEND != implementation) {
                throw new IllegalStateException(Holder.BACKEND == null
                        ? "the hypervisor facade was used before the agent installed its backend"
                        : "a hypervisor backend is already installed");
            }
        } finally {
            PENDING.remove();
        }
    }

    /** The installed backend, or {@code null} when the agent is not attached. */
    public static HypervisorBackend current() {
        return Holder.BACKEND;
    }
}
