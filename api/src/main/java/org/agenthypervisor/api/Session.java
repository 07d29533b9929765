package org.agenthypervisor.api;

import org.agenthypervisor.api.spi.HypervisorBackend;
import org.agenthypervisor.api.spi.Backends;

import java.util.Set;

/**
 * A shared session: a named unit of multi-agent work whose agents share {@link #state()} instead of
 * copying context. Open it with {@link Hypervisor#openSession(String)}, preferably in
 * try-with-resources. Agents called inside it join it on their first call (single sign-on).
 * Closing it commits the Merkle root of its deltas to the audit log; afterwards it refuses writes.
 */
public interface Session extends AutoCloseable {
    /** The session's unique id. */
    String id();

    /** The name it was opened with. */
    String name();

    /** The shared state. */
    SessionState state();

    /** The agents that have joined, in order of joining ({@code "host"} is never a participant). */
    Set<String> participants();

    /** Whether {@link #close()} was called. */
    boolean isClosed();

    /** Closes the session: commits its deltas and refuses later writes. Closing twice does nothing. */
    @Override
    void close();

    /** The session bound to the current context, or {@code null} when there is none. */
    static Session current() {
        HypervisorBackend backend = Backends.current();
        return backend != null ? backend.currentSession() : LocalSession.current();
    }
}
