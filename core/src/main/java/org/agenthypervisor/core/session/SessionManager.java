package org.agenthypervisor.core.session;

import org.agenthypervisor.api.Session;
import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.ContextCell;
import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.gate.Call;
import org.agenthypervisor.core.gate.CallParticipant;
import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.observe.Counters;
import org.agenthypervisor.core.policy.Policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Shared sessions (SPEC §5): agents called inside a session join it on their first call.
 * Registered between liability and sagas among the gate's participants.
 *
 * <p>A session lives in the {@link Context#session()} slot of the context that opened it, so it follows
 * the task wherever the context goes: into the agents it calls ({@link Context#as} keeps the slot) and
 * into executors, threads and fork/join tasks (context propagation). On each call that crosses into an
 * agent, the caller's session (if open) admits the callee: it joins on its first call, audited as
 * {@code session.joined}, or is refused with a {@link org.agenthypervisor.api.SessionRefusedException}
 * when its trust is below the session's {@code minTrust} or the session is full.
 *
 * <p>The join limits are resolved from the policy when the session opens ({@code sessions.named}, first
 * matching entry, else {@code sessions.minTrust} and {@code sessions.maxParticipants}); key protections
 * ({@code sessions.keys}) are read from the current policy on every access, so a reload applies to them
 * at once.
 */
public class SessionManager implements CallParticipant, AutoCloseable {
    private static final Log LOG = Log.get("session");

    protected final Principals principals;
    protected final AuditTrail audit;
    protected final Counters counters;
    protected volatile Policy policy;
    /** Whether the audit trail signs tree heads (false for tools' and tests' trails). */
    final boolean signs;
    private final Set<ManagedSession> open = ConcurrentHashMap.newKeySet();

    /** Refuses quarantined agents' access to session state; null until the runtime sets it. */
    volatile org.agenthypervisor.core.quarantine.Quarantines quarantines;

    public void setQuarantines(org.agenthypervisor.core.quarantine.Quarantines quarantines) {
        this.quarantines = quarantines;
    }

    public SessionManager(Policy policy, Principals principals, AuditTrail audit, Counters counters) {
        this.policy = policy;
        this.principals = principals;
        this.audit = audit;
        this.counters = counters;
        this.signs = audit.signsTreeHeads();
    }

    @Override
    public Object enter(Call call) {
        Object slot = call.caller().session();
        if (slot instanceof ManagedSession && call.crossesAgents()) {
            Principal callee = call.owner();
            if (callee != null && !callee.isHost()) {
                ((ManagedSession) slot).admit(callee);
            }
        }
        return null;
    }

    @Override
    public void exit(Call call, Object state, Object returned, Throwable thrown) {
    }

    /**
     * Opens a session bound to the calling thread's context ({@code context} is that context): the
     * session goes into its session slot until it is closed. An agent that opens a session joins it
     * at once (and may be refused like any other).
     */
    public Session open(Context context, String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a session needs a non-blank name");
        }
        ManagedSession.Limits limits = limits(name);
        ContextCell cell = ContextCell.obtain(context);
        Context before = cell.get();
        ManagedSession session = new ManagedSession(this, UUID.randomUUID().toString(), name, limits, before.session());
        Principal opener = before.principal();
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("session", session.id());
        fields.put("name", name);
        fields.put("openedBy", opener.id());
        fields.put("minTrust", limits.minTrust());
        fields.put("maxParticipants", limits.maxParticipants());
        audit.record("session.opened", fields);
        counters.sessionsOpened.increment();
        if (!opener.isHost()) {
            session.admit(opener);
        }
        open.add(session);
        cell.set(before.withSession(session));
        return session;
    }

    /**
     * Admits {@code agent} into {@code session} as its first governed call inside the session would
     * (for engines, tools and benchmarks; the gate does this by itself).
     *
     * @throws org.agenthypervisor.api.SessionRefusedException if its trust is below the session's
     *     minimum or the session is full
     * @throws IllegalArgumentException if the session is not one of this manager's
     */
    public void admit(Session session, Principal agent) {
        if (!(session instanceof ManagedSession)) {
            throw new IllegalArgumentException("not a session of the hypervisor: " + session);
        }
        if (!agent.isHost()) {
            ((ManagedSession) session).admit(agent);
        }
    }

    /** The join limits for a session of this name under the current policy. */
    ManagedSession.Limits limits(String name) {
        Policy.SessionSettings s = policy.sessions();
        List<Policy.NamedSession> named = s.named();
        for (int i = 0; i < named.size(); i++) {
            Policy.NamedSession n = named.get(i);
            if (n.name().matches(name)) {
                String prefix = "sessions.named[" + i + "]";
                return new ManagedSession.Limits(n.minTrust(), prefix + ".minTrust", n.maxParticipants(),
                        prefix + ".maxParticipants");
            }
        }
        return new ManagedSession.Limits(s.minTrust(), "sessions.minTrust", s.maxParticipants(), "sessions.maxParticipants");
    }

    /** Whether a session of this manager was closed (it then refuses writes). */
    public static boolean isClosed(Session session) {
        return session instanceof ManagedSession && ((ManagedSession) session).isClosed();
    }

    /** The open session of a context, or null. */
    public Session current(Context context) {
        Object slot = context.session();
        return slot instanceof ManagedSession && !((ManagedSession) slot).isClosed() ? (Session) slot : null;
    }

    void closed(ManagedSession session) {
        open.remove(session);
    }

    void warnUnsigned(ManagedSession session) {
        LOG.error("session '" + session.name() + "' (" + session.id() + ") closed with delta root " + session.committedRoot()
                + ", but no tree head could be signed for it (see earlier audit log errors)");
    }

    public void applyPolicy(Policy next) {
        this.policy = next;
    }

    /**
     * At shutdown: sessions still open are recorded as {@code session.left-open} with their deltas so
     * far (they are not committed: nobody closed them).
     */
    @Override
    public void close() {
        for (ManagedSession s : open) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("session", s.id());
            fields.put("name", s.name());
            fields.put("deltas", s.deltaCount());
            fields.put("rootSoFar", s.rootSoFar());
            audit.recordBestEffort("session.left-open", fields);
        }
        open.clear();
    }
}
