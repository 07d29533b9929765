package org.agenthypervisor.api.spi;

/**
 * Holds the one backend the agent installs. The first installation wins, so code running after the
 * agent's start cannot replace it.
 */
public final class Backends {
    private static volatile HypervisorBackend backend;

    private Backends() {
    }

    /**
     * Installs the backend; called by the agent during its start.
     *
     * @throws IllegalStateException if a backend is already installed
     */
    public static synchronized void install(HypervisorBackend implementation) {
        if (implementation == null) {
            throw new NullPointerException("implementation");
        }
        if (backend != null) {
            throw new IllegalStateException("a hypervisor backend is already installed");
        }
        backend = implementation;
    }

    /** The installed backend, or {@code null} when the agent is not attached. */
    public static HypervisorBackend current() {
        return backend;
    }
}
