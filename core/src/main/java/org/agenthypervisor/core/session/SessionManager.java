package org.agenthypervisor.core.session;

import org.agenthypervisor.api.Session;
import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.gate.Call;
import org.agenthypervisor.core.gate.CallParticipant;
import org.agenthypervisor.core.observe.Counters;
import org.agenthypervisor.core.policy.Policy;

/**
 * Shared sessions (SPEC §5): agents called inside a session join it on their first call.
 * Registered between liability and sagas among the gate's participants.
 */
public class SessionManager implements CallParticipant, AutoCloseable {
    protected final Principals principals;
    protected final AuditTrail audit;
    protected final Counters counters;
    protected volatile Policy policy;

    public SessionManager(Policy policy, Principals principals, AuditTrail audit, Counters counters) {
        this.policy = policy;
        this.principals = principals;
        this.audit = audit;
        this.counters = counters;
    }

    @Override
    public Object enter(Call call) {
        return null;
    }

    @Override
    public void exit(Call call, Object state, Object returned, Throwable thrown) {
    }

    /** Opens a session bound to the current context (the calling thread's). */
    public Session open(Context context, String name) {
        throw new UnsupportedOperationException("shared sessions are not available yet");
    }

    /** The session of a context, or null. */
    public Session current(Context context) {
        return null;
    }

    public void applyPolicy(Policy next) {
        this.policy = next;
    }

    @Override
    public void close() {
    }
}
