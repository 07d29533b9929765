package org.agenthypervisor.api;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * The session the facade hands out when the agent is not attached: the same shared-state semantics
 * in memory, with nothing audited or enforced, so application code runs unchanged without the agent.
 */
final class LocalSession implements Session, SessionState {
    private static final ThreadLocal<LocalSession> CURRENT = new InheritableThreadLocal<>();

    private final String id = UUID.randomUUID().toString();
    private final String name;
    private final LocalSession outer;
    private final Map<String, Object> values = new HashMap<>();
    private final Map<String, Long> versions = new HashMap<>();
    private boolean closed;

    private LocalSession(String name, LocalSession outer) {
        this.name = name;
        this.outer = outer;
    }

    static Session open(String name) {
        LocalSession session = new LocalSession(Objects.requireNonNull(name, "name"), CURRENT.get());
        CURRENT.set(session);
        return session;
    }

    static Session current() {
        LocalSession session = CURRENT.get();
        return session == null || session.isClosed() ? null : session;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public SessionState state() {
        return this;
    }

    @Override
    public Set<String> participants() {
        return Collections.emptySet();
    }

    @Override
    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        if (CURRENT.get() == this) {
            CURRENT.set(outer);
        }
    }

    @Override
    public synchronized Object get(String key) {
        return values.get(Objects.requireNonNull(key, "key"));
    }

    @Override
    public synchronized long put(String key, Object value) {
        checkWritable(key, value);
        long version = versions.getOrDefault(key, 0L) + 1;
        values.put(key, value);
        versions.put(key, version);
        return version;
    }

    @Override
    public synchronized long version(String key) {
        return versions.getOrDefault(Objects.requireNonNull(key, "key"), 0L);
    }

    @Override
    public synchronized boolean compareAndSet(String key, long expectedVersion, Object value) {
        checkWritable(key, value);
        if (versions.getOrDefault(key, 0L) != expectedVersion) {
            return false;
        }
        put(key, value);
        return true;
    }

    @Override
    public synchronized Set<String> keys() {
        return Set.copyOf(values.keySet());
    }

    private void checkWritable(String key, Object value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (closed) {
            throw new IllegalStateException("session '" + name + "' (" + id + ") is closed and refuses writes");
        }
    }
}
