package org.agenthypervisor.core.session;

import org.agenthypervisor.api.RingViolationException;
import org.agenthypervisor.api.Session;
import org.agenthypervisor.api.SessionRefusedException;
import org.agenthypervisor.api.SessionState;
import org.agenthypervisor.core.audit.SessionDeltas;
import org.agenthypervisor.core.audit.TreeHead;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.ContextCell;
import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.encoding.PayloadEncoder;
import org.agenthypervisor.core.merkle.MerkleFrontier;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.rings.Rings;

import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A session of the hypervisor: thread-safe, shared by every context that carries it (its object sits in
 * {@link Context#session()}). Reads are lock-free; writes, joins and the close are serialised by the
 * session's monitor, so deltas get gap-free sequence numbers in the order they were applied and the
 * delta tree matches the order of the {@code session.delta} records in the audit log.
 */
final class ManagedSession implements Session, SessionState {
    private static final HexFormat HEX = HexFormat.of();

    /** A key's value, version and the digest of the value's canonical encoding. */
    private record Entry(Object value, long version, String digest) {
    }

    private final SessionManager manager;
    private final String id;
    private final String name;
    private final Limits limits;
    /** The session the opener's context held before (restored on close). */
    final Object previous;
    private final ConcurrentHashMap<String, Entry> values = new ConcurrentHashMap<>();
    private final MerkleFrontier deltas = new MerkleFrontier();
    private volatile Set<String> participants = Set.of();
    private volatile boolean closed;
    private long sequence;
    private volatile String committedRoot;

    /** The join limits, resolved from the policy when the session opened. */
    record Limits(double minTrust, String minTrustKey, int maxParticipants, String maxParticipantsKey) {
    }

    ManagedSession(SessionManager manager, String id, String name, Limits limits, Object previous) {
        this.manager = manager;
        this.id = id;
        this.name = name;
        this.limits = limits;
        this.previous = previous;
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
        return participants;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    /** The Merkle root (hex) of the deltas committed at close, or null while open. */
    String committedRoot() {
        return committedRoot;
    }

    Limits limits() {
        return limits;
    }

    // ---------------------------------------------------------------- joining

    /**
     * An agent is called inside the session: it joins on its first call; a participant whose trust has
     * fallen below the minimum since is turned away too. Closed sessions take no one in.
     */
    void admit(Principal agent) {
        Set<String> now = participants;
        if (closed) {
            return;
        }
        if (now.contains(agent.id())) {
            if (agent.trust() < limits.minTrust()) {
                refuse(agent, limits.minTrustKey(), "its trust " + trust(agent.trust()) + " fell below the session's minimum "
                        + trust(limits.minTrust()) + " (" + limits.minTrustKey() + ") after it joined", "trust");
            }
            return;
        }
        synchronized (this) {
            if (closed || participants.contains(agent.id())) {
                return;
            }
            double trust = agent.trust();
            if (trust < limits.minTrust()) {
                refuse(agent, limits.minTrustKey(), "its trust " + trust(trust) + " is below the session's minimum "
                        + trust(limits.minTrust()) + " (" + limits.minTrustKey() + ")", "trust");
            }
            if (participants.size() >= limits.maxParticipants()) {
                refuse(agent, limits.maxParticipantsKey(), "the session is full: it already has " + participants.size()
                        + " participant(s) " + participants + ", the maximum (" + limits.maxParticipantsKey() + ": "
                        + limits.maxParticipants() + ")", "full");
            }
            Set<String> grown = new LinkedHashSet<>(participants);
            grown.add(agent.id());
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("session", id);
            fields.put("name", name);
            fields.put("agent", agent.id());
            fields.put("trust", agent.trust());
            fields.put("participants", grown.size());
            // Audited before it takes effect: a refusal (the audit log cannot write) admits no one.
            manager.audit.record("session.joined", fields);
            participants = Collections.unmodifiableSet(grown);
        }
    }

    private void refuse(Principal agent, String policyKey, String why, String reason) {
        String message = "agent '" + agent.id() + "' (trust " + trust(agent.trust()) + ") may not take part in session '"
                + name + "' (" + id + "): " + why + "; the call did not run. To allow it, raise the agent's trust or change "
                + policyKey + " in the policy";
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("session", id);
        fields.put("name", name);
        fields.put("agent", agent.id());
        fields.put("trust", agent.trust());
        fields.put("reason", reason);
        fields.put("requirement", policyKey);
        manager.audit.recordBestEffort("session.refused", fields);
        manager.counters.refusals.increment();
        throw new SessionRefusedException(message, id, name, agent.id(), agent.trust(), policyKey);
    }

    private static String trust(double t) {
        return String.format(Locale.ROOT, "%.2f", t);
    }

    // ---------------------------------------------------------------- state

    @Override
    public Object get(String key) {
        Objects.requireNonNull(key, "key");
        checkRing(key, false);
        Entry e = values.get(key);
        return e == null ? null : e.value();
    }

    @Override
    public long version(String key) {
        Objects.requireNonNull(key, "key");
        checkRing(key, false);
        Entry e = values.get(key);
        return e == null ? 0 : e.version();
    }

    @Override
    public Set<String> keys() {
        ContextCell cell = ContextCell.peek();
        Context context = cell == null ? null : cell.get();
        if (context != null) {
            refuseQuarantined(context.ringSource(), "*", false);
        }
        return Set.copyOf(values.keySet());
    }

    @Override
    public long put(String key, Object value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Principal who = checkRing(key, true);
        String digest = digest(value);
        synchronized (this) {
            checkOpen(key);
            Entry old = values.get(key);
            return write(who, key, old, value, digest);
        }
    }

    @Override
    public boolean compareAndSet(String key, long expectedVersion, Object value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Principal who = checkRing(key, true);
        String digest = digest(value);
        synchronized (this) {
            checkOpen(key);
            Entry old = values.get(key);
            long current = old == null ? 0 : old.version();
            if (current != expectedVersion) {
                return false;
            }
            write(who, key, old, value, digest);
            return true;
        }
    }

    /** Applies a write and audits its delta; caller holds the monitor. */
    private long write(Principal who, String key, Entry old, Object value, String digest) {
        long version = old == null ? 1 : old.version() + 1;
        long seq = sequence + 1;
        String oldDigest = old == null ? null : old.digest();
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("session", id);
        fields.put("sequence", seq);
        fields.put("agent", who.id());
        fields.put("key", key);
        fields.put("oldDigest", oldDigest);
        fields.put("newDigest", digest);
        fields.put("version", version);
        // Audited before it is applied: a refusal (the audit log cannot write) leaves the session unchanged.
        manager.audit.record(SessionDeltas.DELTA, fields);
        values.put(key, new Entry(value, version, digest));
        sequence = seq;
        deltas.appendRecord(SessionDeltas.deltaBytes(id, seq, who.id(), key, oldDigest, digest, version));
        manager.counters.deltas.increment();
        return version;
    }

    private static String digest(Object value) {
        return HEX.formatHex(PayloadEncoder.encode(value).sha256());
    }

    private void checkOpen(String key) {
        if (closed) {
            throw new IllegalStateException("session '" + name + "' (" + id + ") is closed and refuses writes (key '" + key
                    + "'); its deltas were committed with root " + committedRoot);
        }
    }

    /**
     * Checks the calling context's effective ring against the first {@code sessions.keys} entry that
     * matches the key; returns who is acting.
     */
    /**
     * A quarantined agent never changes shared state, and reads it only where the policy says
     * {@code sessions.readsWhileQuarantined: true}: it is stopped, not demoted.
     */
    private void refuseQuarantined(Principal source, String key, boolean write) {
        if (source.quarantine() != null && manager.quarantines != null
                && (write || manager.policy.sessions() == null || !manager.policy.sessions().readsWhileQuarantined())) {
            RuntimeException refused = manager.quarantines.sessionRefusal(source, write ? "write" : "read", key, name);
            if (refused != null) {
                throw refused;
            }
        }
    }

    private Principal checkRing(String key, boolean write) {
        ContextCell cell = ContextCell.peek();
        Context context = cell == null ? null : cell.get();
        Principal who = context == null ? manager.principals.host() : context.principal();
        refuseQuarantined(context == null ? who : context.ringSource(), key, write);
        Policy.SessionSettings settings = manager.policy.sessions();
        if (settings == null || settings.keys().isEmpty()) {
            return who;
        }
        int index = 0;
        for (Policy.KeyProtection protection : settings.keys()) {
            if (protection.key().matches(key)) {
                int required = write ? protection.writeRing() : protection.readRing();
                Principal ring = context == null ? who : context.ringSource();
                if (ring.effectiveRing() > required) {
                    deny(who, ring, key, write, required, index, protection);
                }
                return who;
            }
            index++;
        }
        return who;
    }

    private void deny(Principal who, Principal ring, String key, boolean write, int required, int index,
                      Policy.KeyProtection protection) {
        String access = write ? "write" : "read";
        String entry = "sessions.keys[" + index + "]";
        String source = "policy " + entry + " (key: " + protection.key().pattern() + ", " + access + "Ring " + required + ")";
        String target = "session '" + name + "' key '" + key + "' (" + access + ")";
        String grant = who.isHost() ? "host.ring: " + required : "agents." + who.id() + ".ring: " + required;
        String message = (who.isHost() ? "the host" : "agent '" + who.id() + "'") + " (effective ring " + ring.effectiveRing()
                + ", granted ring " + ring.grantedRing() + (who.isHost() ? "" : ", trust " + trust(who.trust()))
                + ") may not " + access + " key '" + key + "' of session '" + name + "' (" + id + "): it requires "
                + Rings.describe(required) + " (" + source + "); to allow it, grant " + grant + " or change "
                + entry + "." + access + "Ring in the policy";
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("session", id);
        fields.put("agent", who.id());
        fields.put("key", key);
        fields.put("access", access);
        fields.put("effectiveRing", ring.effectiveRing());
        fields.put("requiredRing", required);
        fields.put("requirement", entry);
        manager.audit.recordBestEffort("session.key-denied", fields);
        manager.counters.denials.increment();
        throw new RingViolationException(message, who.id(), ring.effectiveRing(), ring.grantedRing(), required, target, source);
    }

    // ---------------------------------------------------------------- closing

    /**
     * Commits the Merkle root of the deltas: audits {@code session.closed} with the root and the count,
     * then has a tree head signed right away that covers that record and names the session and its root.
     * Later writes are refused. Closing twice does nothing.
     */
    @Override
    public void close() {
        Map<String, Object> subject;
        synchronized (this) {
            if (closed) {
                return;
            }
            String root = HEX.formatHex(deltas.root());
            committedRoot = root;
            closed = true;
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("session", id);
            fields.put("name", name);
            fields.put("root", root);
            fields.put("deltas", deltas.size());
            fields.put("participants", java.util.List.copyOf(participants));
            manager.audit.recordBestEffort("session.closed", fields);
            subject = new LinkedHashMap<>();
            subject.put("session", id);
            subject.put("name", name);
            subject.put("root", root);
            subject.put("deltas", deltas.size());
        }
        manager.closed(this);
        TreeHead head = manager.audit.signTreeHead("session.closed", subject);
        if (head == null && manager.signs) {
            manager.warnUnsigned(this);
        }
        ContextCell cell = ContextCell.peek();
        if (cell != null && cell.get() != null && cell.get().session() == this) {
            cell.set(cell.get().withSession(previous));
        }
    }

    /** Deltas so far (for the shutdown record of a session left open). */
    synchronized long deltaCount() {
        return deltas.size();
    }

    synchronized String rootSoFar() {
        return HEX.formatHex(deltas.root());
    }

    @Override
    public String toString() {
        return "Session[" + name + ", " + id + (closed ? ", closed" : "") + ", participants " + participants + "]";
    }
}
