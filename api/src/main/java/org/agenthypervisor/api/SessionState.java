package org.agenthypervisor.api;

import java.util.Set;

/**
 * The state a {@link Session} shares between its agents, so they pass keys instead of copying
 * context to each other. Every key has a version that starts at 0 (absent) and grows by one with
 * each write; {@link #compareAndSet} lets agents update a key without losing a concurrent write.
 *
 * <p>Values are shared by reference: store immutable values (strings, numbers, records, lists and
 * maps made with {@code List.of}/{@code Map.of}). With the agent attached every write is audited as
 * a delta, keys can be ring-protected by the policy, and a closed session refuses writes with
 * {@link IllegalStateException}.
 */
public interface SessionState {
    /** The value of {@code key}, or {@code null} when absent. */
    Object get(String key);

    /**
     * Writes {@code value} (not {@code null}) under {@code key} whatever its version.
     *
     * @return the key's new version
     */
    long put(String key, Object value);

    /** The key's current version; 0 when it was never written. */
    long version(String key);

    /**
     * Writes {@code value} only if the key is still at {@code expectedVersion}.
     *
     * @return {@code true} if written; {@code false} if another write came first (stale version)
     */
    boolean compareAndSet(String key, long expectedVersion, Object value);

    /** The keys that have a value. */
    Set<String> keys();
}
