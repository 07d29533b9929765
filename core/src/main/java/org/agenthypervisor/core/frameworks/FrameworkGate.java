package org.agenthypervisor.core.frameworks;

import org.agenthypervisor.api.RingViolationException;
import org.agenthypervisor.api.Session;
import org.agenthypervisor.bridge.ToolDenied;
import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.ContextCell;
import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.gate.Gate;
import org.agenthypervisor.core.gate.GateListener;
import org.agenthypervisor.core.gate.GateRuntime;
import org.agenthypervisor.core.gate.Site;
import org.agenthypervisor.core.gate.SiteBinding;
import org.agenthypervisor.core.governance.ClassInfo;
import org.agenthypervisor.core.governance.Descriptors;
import org.agenthypervisor.core.governance.GovernancePlanner;
import org.agenthypervisor.core.governance.MethodInfo;
import org.agenthypervisor.core.governance.MethodPlan;
import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.rings.RingDenial;
import org.agenthypervisor.core.rings.Rings;
import org.agenthypervisor.core.session.SessionManager;

import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The hypervisor's side of every framework integration (one per JVM, {@link #active()}):
 *
 * <ul>
 *   <li><b>tool calls</b> ({@link #enterTool}): the calling context's ring against the tool's
 *   requirement, before the tool body runs; a call made outside every agent runs as
 *   {@link Principals#unidentified()}, never as the host; a denial is reported like a ring violation
 *   and then either becomes a {@link ToolDenied} (the model reads its text) or throws;</li>
 *   <li><b>AI services</b> ({@link #enterService}): the interface's methods are gate sites that run
 *   as the agent the policy binds to the interface;</li>
 *   <li><b>agentic agents</b> ({@link #enterAgentic}): each sub-agent invocation is a gate site of
 *   the agent bound to its name, entered from the invoking agent (see the method);</li>
 *   <li><b>agentic scopes</b> ({@link #scopeWrite}): one shared session per scope;</li>
 *   <li><b>captured contexts</b> ({@link #capture}): a stream built by an agent runs as that agent
 *   whoever subscribes to it.</li>
 * </ul>
 */
public final class FrameworkGate {
    private static final Log LOG = Log.get("frameworks");
    private static volatile FrameworkGate active;

    private final GateRuntime gate;
    private final Principals principals;
    private final GateListener listener;
    private final AuditTrail audit;
    private final SessionManager sessions;
    private volatile Function<Class<?>, ClassInfo> scanner = NoScanner.INSTANCE;
    private volatile Policy policy;
    private volatile Map<Object, ToolRule> toolRules = new ConcurrentHashMap<>();

    private final ClassValue<Map<String, Integer>> serviceSites = new ClassValue<>() {
        @Override
        protected Map<String, Integer> computeValue(Class<?> iface) {
            ClassInfo info = scanner.apply(iface);
            if (info == null) {
                return Map.of();
            }
            return gate.registerProxied(info, System.identityHashCode(iface.getClassLoader()));
        }
    };
    private final Map<String, Integer> agenticSites = new ConcurrentHashMap<>();
    private final Map<Object, ScopeState> scopes = Collections.synchronizedMap(new WeakHashMap<>());
    private final Map<Object, Context> captured = Collections.synchronizedMap(new WeakHashMap<>());
    private volatile boolean anyCaptured;
    /** Sessions opened for agentic scopes during the outermost workflow call on this thread. */
    private final ThreadLocal<List<Session>> workflowSessions = new ThreadLocal<>();

    public FrameworkGate(GateRuntime gate, Principals principals, GateListener listener, AuditTrail audit,
                         SessionManager sessions, Policy policy) {
        this.gate = gate;
        this.principals = principals;
        this.listener = listener;
        this.audit = audit;
        this.sessions = sessions;
        this.policy = policy;
    }

    /** The framework gate of the running hypervisor, or null. */
    public static FrameworkGate active() {
        return active;
    }

    public void activate() {
        active = this;
    }

    /**
     * The scanner until {@link #useScanner}: none. A class, not a lambda: each lambda costs ~0.5 ms to
     * link at start-up (issue 11).
     */
    private static final class NoScanner implements Function<Class<?>, ClassInfo> {
        static final NoScanner INSTANCE = new NoScanner();

        @Override
        public ClassInfo apply(Class<?> type) {
            return null;
        }
    }

    /** How the integrations read a class's annotations and methods (from its bytes, without loading). */
    public void useScanner(Function<Class<?>, ClassInfo> scanner) {
        this.scanner = scanner;
    }

    /** A new policy version: requirements are recomputed on the next call. */
    public void apply(Policy next) {
        this.policy = next;
        this.toolRules = new ConcurrentHashMap<>();
    }

    public Policy policy() {
        return policy;
    }

    // ------------------------------------------------------------------------------------ tools

    /**
     * Entry of a tool call a framework dispatches.
     *
     * @param framework "langchain4j" or "spring-ai", for the audit record
     * @param tool      the name the model sees
     * @param declaring the tool method's class, or null for a tool without a Java method
     * @param method    the tool method, or null
     * @return null (allowed, nothing to undo), a token for {@link #exitTool} (allowed, the call runs
     *         as {@code unidentified}), or a {@link ToolDenied} (denied: the body must not run)
     * @throws RingViolationException when denied and the policy says {@code onDenial: abort}
     */
    public Object enterTool(String framework, String tool, Class<?> declaring, Method method) {
        return enterTool(framework, tool, declaring, method, null);
    }

    /** Approval-required tools wait for an approver (issue 15); null until the runtime sets it. */
    private volatile org.agenthypervisor.core.approval.Approvals approvals;

    public void setApprovals(org.agenthypervisor.core.approval.Approvals approvals) {
        this.approvals = approvals;
    }

    /**
     * {@link #enterTool(String, String, Class, Method)} with the arguments the model sent (its JSON, or
     * null when the framework does not say), shown to an approver when a rule says
     * {@code approval: required}.
     */
    public Object enterTool(String framework, String tool, Class<?> declaring, Method method, String arguments) {
        try {
            ContextCell cell = ContextCell.peek();
            Context caller = cell == null ? gate.hostContext() : cell.get();
            Context runAs = caller.isHost() ? caller.as(principals.unidentified(), null) : caller;
            ToolRule rule = rule(tool, declaring, method);
            Principal ringSource = runAs.ringSource();
            if (ringSource.effectiveRing() == Rings.QUARANTINED && gate.quarantines() != null) {
                RuntimeException refusal = gate.quarantines().refusal(ringSource, ringSource, "tool '" + tool + "'");
                if (refusal != null) {
                    throw refusal;
                }
            }
            if (rule.ring != Rings.UNCHECKED && ringSource.effectiveRing() > rule.ring && !elevated(ringSource, rule, tool, true)) {
                ToolDenied denied = deny(framework, tool, rule, runAs);
                if (denied != null) {
                    return denied;
                }
            }
            org.agenthypervisor.core.ratelimit.AgentLimits limits = ringSource.rateLimits();
            if (limits != null && !limits.admit(org.agenthypervisor.core.ratelimit.AgentLimits.Kind.TOOLS,
                    ringSource.effectiveRing())) {
                limits.overLimit(org.agenthypervisor.core.ratelimit.AgentLimits.Kind.TOOLS, ringSource.effectiveRing(),
                        "tool '" + tool + "'");
            }
            boolean approved = false;
            if (rule.approval != null) {
                ToolDenied refused = awaitApproval(tool, rule, runAs, arguments);
                if (refused != null) {
                    return refused;
                }
                approved = rule.method != null;
                if (approved) {
                    org.agenthypervisor.core.approval.Approvals.approvedAtDispatch(rule.method);
                }
            }
            if (runAs == caller && !approved) {
                return null;
            }
            ContextCell target = cell != null ? cell : ContextCell.obtain(gate.hostContext());
            target.set(runAs);
            return new Restore(target, caller, approved);
        } catch (SecurityException decided) {
            throw decided;
        } catch (Throwable internal) {
            return internalError(tool, internal);
        }
    }

    /** Exit of a tool call whose entry returned a token (not a {@link ToolDenied}). */
    public void exitTool(Object token) {
        if (token instanceof Restore) {
            ((Restore) token).restore();
        }
    }

    /**
     * Whether the current context may call the tool (for {@code frameworks.offerDeniedTools: false}).
     */
    public boolean mayCall(String tool, Class<?> declaring, Method method) {
        try {
            ContextCell cell = ContextCell.peek();
            Context caller = cell == null ? gate.hostContext() : cell.get();
            Principal ringSource = caller.isHost() ? principals.unidentified() : caller.ringSource();
            ToolRule rule = rule(tool, declaring, method);
            return rule.ring == Rings.UNCHECKED || ringSource.effectiveRing() <= rule.ring
                    || elevated(ringSource, rule, tool, false);
        } catch (Throwable internal) {
            return false;
        }
    }

    /** Whether an operator's elevation lets {@code who} call a tool its effective ring may not (issue 15). */
    private boolean elevated(Principal who, ToolRule rule, String tool, boolean use) {
        org.agenthypervisor.core.elevation.Elevations el = gate.elevations();
        return el != null && who.elevation() != null && el.permitsTool(who, rule.ring, tool, use);
    }

    /** Whether tools the current agent may not call are still offered to the model. */
    public boolean offerDeniedTools() {
        return policy.frameworks().offerDeniedTools();
    }

    private ToolDenied deny(String framework, String tool, ToolRule rule, Context runAs) {
        Principal who = runAs.principal();
        Principal ring = runAs.ringSource();
        Policy p = policy;
        RingDenial denial = new RingDenial(who.id(), ring.effectiveRing(), ring.grantedRing(), who.trust(), rule.ring,
                rule.display, rule.source, ring != who, p.trust());
        boolean enforced = p.mode() == Policy.Mode.ENFORCE;
        listener.toolDenied(denial, enforced, rule.binding, tool, framework);
        if (!enforced) {
            return null;
        }
        Policy.AgentSpec spec = p.agents().get(who.id());
        Policy.OnDenial onDenial = spec != null && spec.onDenial() != null ? spec.onDenial() : p.frameworks().onDenial();
        if (onDenial == Policy.OnDenial.ABORT) {
            throw denial.toException();
        }
        return new ToolDenied("denied: the tool '" + tool + "' requires ring " + rule.ring + "; agent '" + who.id()
                + "' may not call it", denial.toException());
    }

    /**
     * Waits for the approval a rule asks for; null when approved. Denied, timed out or without an
     * approvals service (fail closed): thrown under {@code onDenial: abort}, else told to the model.
     */
    private ToolDenied awaitApproval(String tool, ToolRule rule, Context runAs, String arguments) {
        org.agenthypervisor.core.approval.Approvals a = approvals;
        Principal who = runAs.principal();
        org.agenthypervisor.api.ApprovalDeniedException denied;
        if (a == null) {
            denied = new org.agenthypervisor.api.ApprovalDeniedException("tool '" + tool + "' needs approval ("
                    + rule.approval + ") and this JVM has no approvals service; the call did not run", "none", who.id(),
                    rule.display, false);
        } else {
            try {
                a.await(who.id(), rule.display, "tool", new Object[] {arguments == null ? "" : arguments},
                        org.agenthypervisor.core.liability.Chain.of(runAs.isHost() ? null : runAs.chain()).parents());
                return null;
            } catch (org.agenthypervisor.api.ApprovalDeniedException refused) {
                denied = refused;
            }
        }
        Policy p = policy;
        Policy.AgentSpec spec = p.agents().get(who.id());
        Policy.OnDenial onDenial = spec != null && spec.onDenial() != null ? spec.onDenial() : p.frameworks().onDenial();
        if (onDenial == Policy.OnDenial.ABORT) {
            throw denied;
        }
        return new ToolDenied("denied: the tool '" + tool + "' was not approved"
                + (denied.timedOut() ? " in time" : "") + "; it did not run", denied);
    }

    /** A tool call the integration could not read: denied (fail closed) unless the policy allows. */
    public Object internalError(String tool, Throwable error) {
        LOG.error("internal error in the check of tool '" + tool + "'", error);
        if (policy.onInternalError() == Policy.OnInternalError.ALLOW) {
            return null;
        }
        throw new RingViolationException("internal error in the hypervisor's check of tool '" + tool
                + "'; the call is denied (fail closed; the policy can say onInternalError: allow)", "unknown", -1, -1,
                -1, "tool " + tool, "internal error", error);
    }

    /** The requirement of a tool under the current policy, computed once per tool and policy. */
    private ToolRule rule(String tool, Class<?> declaring, Method method) {
        Object key = method != null ? new MethodTool(method, tool) : tool;
        Map<Object, ToolRule> cache = toolRules;
        ToolRule rule = cache.get(key);
        if (rule == null) {
            rule = computeRule(tool, declaring, method);
            cache.put(key, rule);
        }
        return rule;
    }

    private ToolRule computeRule(String tool, Class<?> declaring, Method method) {
        ClassInfo cls = null;
        MethodInfo m = null;
        String display = "tool '" + tool + "'";
        if (method != null) {
            Class<?> owner = declaring != null ? declaring : method.getDeclaringClass();
            cls = scanner.apply(owner);
            String descriptor = MethodType.methodType(method.getReturnType(), method.getParameterTypes())
                    .toMethodDescriptorString();
            if (cls != null) {
                for (MethodInfo candidate : cls.methods()) {
                    if (candidate.name().equals(method.getName()) && candidate.descriptor().equals(descriptor)) {
                        m = candidate;
                        break;
                    }
                }
            }
            display = "tool '" + tool + "' (" + Descriptors.display(owner.getName(), method.getName(), descriptor) + ")";
        }
        Object[] requirement = GovernancePlanner.toolRequirement(m == null ? null : cls, m, tool, policy);
        int ring = requirement == null ? Rings.UNCHECKED : (Integer) requirement[0];
        String source = requirement == null ? null : (String) requirement[1];
        Site site = new Site(-1, cls, m, MethodPlan.Kind.CHECK, display, 0);
        SiteBinding binding = new SiteBinding(site, ring, source, null, false, false, null, null, false, false);
        String javaMethod = method == null ? null : Descriptors.display(
                (declaring != null ? declaring : method.getDeclaringClass()).getName(), method.getName(),
                MethodType.methodType(method.getReturnType(), method.getParameterTypes()).toMethodDescriptorString());
        return new ToolRule(ring, source, display, binding, GovernancePlanner.toolApproval(m == null ? null : cls, m, tool,
                policy), javaMethod);
    }

    /**
     * {@code approval}: the rule that asks for approval, described, or null; {@code method}: the tool's
     * Java method as its woven site names it, or null.
     */
    private record ToolRule(int ring, String source, String display, SiteBinding binding, String approval,
                            String method) {
    }

    private record MethodTool(Method method, String tool) {
    }

    // ------------------------------------------------------------------------------ AI services

    /**
     * Entry of an AI-service method (the framework's proxy handler): runs as the agent bound to the
     * interface, a hand-off when another agent calls it, a saga boundary when the policy says so.
     *
     * @return the token for {@link #exit}, or null
     */
    public Object enterService(Class<?> iface, Method method, Object proxy, Object[] arguments) {
        Integer site = serviceSites.get(iface).get(method.getName() + MethodType.methodType(method.getReturnType(),
                method.getParameterTypes()).toMethodDescriptorString());
        if (site == null) {
            return null;
        }
        Object token = Gate.enter(site);
        if (token == Gate.DETAILS) {
            token = Gate.enterWithDetails(site, iface, proxy, arguments);
        }
        return token;
    }

    /** Exit of {@link #enterService}. */
    public void exit(Object token, Object returned, Throwable thrown) {
        if (token != null) {
            Gate.exit(token, returned, thrown);
        }
    }

    /** Whether the current task is inside a hypervisor saga (framework compensation is suspended). */
    public boolean inSaga() {
        ContextCell cell = ContextCell.peek();
        return cell != null && cell.get() != null && cell.get().saga() != null;
    }

    // ---------------------------------------------------------------------------------- agentic

    /**
     * Entry of a langchain4j-agentic sub-agent invocation. It is entered from the invoking agent:
     * the current agent when there is one (a bound workflow or supervisor), otherwise the agent that
     * last ran in the same scope (it wrote the state this agent reads), otherwise the host (then it
     * is only a context switch). Every invocation is audited ({@code agentic.invocation}), which
     * records each choice a supervisor or planner makes.
     */
    public Object enterAgentic(Object scope, String name, String agentId, String parent, Map<String, Object> arguments,
                               Object agent) {
        ContextCell cell = ContextCell.obtain(gate.hostContext());
        Context before = cell.get();
        ScopeState state = scope == null ? null : scopes.computeIfAbsent(scope, s -> new ScopeState());
        Context caller = before;
        if (before.isHost() && state != null && state.last != null) {
            caller = state.last.withSaga(before.saga()).withSession(before.session());
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("agentName", name);
        fields.put("agentId", agentId);
        fields.put("parent", parent);
        fields.put("invokedBy", caller.principal().id());
        fields.put("arguments", arguments == null ? List.of() : List.copyOf(new java.util.TreeSet<>(arguments.keySet())));
        audit.record("agentic.invocation", fields);
        int site = agenticSites.computeIfAbsent(name, gate::registerAgentic);
        cell.set(caller);
        try {
            Object token = Gate.enter(site);
            if (token == Gate.DETAILS) {
                token = Gate.enterWithDetails(site, agent == null ? Object.class : agent.getClass(), agent,
                        new Object[] {arguments == null ? Map.of() : arguments});
            }
            return new AgenticToken(cell, before, token, state);
        } catch (RuntimeException | Error refused) {
            cell.set(before);
            throw refused;
        }
    }

    /** Exit of {@link #enterAgentic}. */
    public void exitAgentic(Object token, Object returned, Throwable thrown) {
        if (!(token instanceof AgenticToken)) {
            return;
        }
        AgenticToken t = (AgenticToken) token;
        try {
            Context ran = t.cell.get();
            if (t.gateToken != null && t.state != null && ran != null && !ran.isHost()) {
                t.state.last = ran.withSaga(null).withSession(null).withStep(null);
            }
            if (t.gateToken != null) {
                Gate.exit(t.gateToken, returned, thrown);
            }
        } finally {
            t.cell.set(t.before);
        }
    }

    /**
     * A write to an agentic scope: a delta of the scope's session (opened on the first write), by
     * the current agent, checked against the policy's ring-protected keys.
     */
    public void scopeWrite(Object scope, Object memoryId, String key, Object value) {
        if (scope == null || key == null || value == null || key.startsWith("__")) {
            return; // "__" keys are the framework's own bookkeeping (planner state), not shared state
        }
        ScopeState state = scopes.computeIfAbsent(scope, s -> new ScopeState());
        Session session;
        synchronized (state) {
            session = state.session;
            if (session == null || isClosed(session)) {
                ContextCell cell = ContextCell.obtain(gate.hostContext());
                Context before = cell.get();
                session = sessions.open(before.withSession(null), "agentic-scope:" + memoryId);
                cell.set(before);
                state.session = session;
                List<Session> opened = workflowSessions.get();
                if (opened != null) {
                    opened.add(session);
                }
            }
        }
        ContextCell cell = ContextCell.obtain(gate.hostContext());
        Context before = cell.get();
        // The workflow writes an agent's output after the agent returned: that write is the agent's.
        Context writer = before.isHost() && state.last != null ? state.last : before;
        cell.set(writer.withSession(session));
        try {
            if (!writer.isHost()) {
                try {
                    sessions.admit(session, writer.principal());
                } catch (org.agenthypervisor.api.SessionRefusedException refused) {
                    if (writer == before) {
                        throw refused; // the agent itself writes shared state: refused like any session write
                    }
                    // The workflow records the output of an agent that already ran: recorded (the
                    // refusal is audited), not undone; trust is enforced at the next hand-off.
                }
            }
            session.state().put(key, value);
        } finally {
            cell.set(before);
        }
    }

    private static boolean isClosed(Session session) {
        return SessionManager.isClosed(session);
    }

    /** A workflow call starts; returns whether it is the outermost on this thread. */
    public boolean enterWorkflow() {
        if (workflowSessions.get() != null) {
            return false;
        }
        workflowSessions.set(new ArrayList<>());
        return true;
    }

    /** The outermost workflow call ended: the sessions of the scopes it wrote are closed (roots committed). */
    public void exitWorkflow(boolean outermost) {
        if (!outermost) {
            return;
        }
        List<Session> opened = workflowSessions.get();
        workflowSessions.remove();
        if (opened == null) {
            return;
        }
        for (Session session : opened) {
            try {
                session.close();
            } catch (RuntimeException failure) {
                LOG.warn("could not close the session of an agentic scope: " + failure);
            }
        }
    }

    private static final class ScopeState {
        volatile Context last;
        Session session;
    }

    private record AgenticToken(ContextCell cell, Context before, Object gateToken, ScopeState state) {
    }

    // ------------------------------------------------------------------------- captured contexts

    /**
     * Remembers the current context for {@code owner} (a stream being assembled), unless it is the
     * plain host context.
     */
    public void capture(Object owner) {
        ContextCell cell = ContextCell.peek();
        if (cell == null || owner == null) {
            return;
        }
        Context context = cell.get();
        if (context == null || context.carriesNothing()) {
            return;
        }
        anyCaptured = true;
        captured.put(owner, context);
    }

    /** Switches into the context captured for {@code owner}, if any; returns the token for {@link #restore}. */
    public Object enterCaptured(Object owner) {
        if (!anyCaptured || owner == null) {
            return null;
        }
        Context context = captured.get(owner);
        if (context == null) {
            return null;
        }
        ContextCell cell = ContextCell.obtain(gate.hostContext());
        Context before = cell.get();
        if (Objects.equals(before, context)) {
            return null;
        }
        cell.set(context);
        return new Restore(cell, before, false);
    }

    /** Undoes {@link #enterCaptured}. */
    public void restore(Object token) {
        if (token instanceof Restore) {
            ((Restore) token).restore();
        }
    }

    /** Undone at the tool's exit: the context switch, and an approval the tool method did not spend. */
    private record Restore(ContextCell cell, Context before, boolean approved) {
        void restore() {
            cell.set(before);
            if (approved) {
                org.agenthypervisor.core.approval.Approvals.approvedAtDispatch(null);
            }
        }
    }
}
