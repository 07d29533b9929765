package org.agenthypervisor.core.gate;

import org.agenthypervisor.api.RingViolationException;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.ContextCell;
import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.governance.ClassInfo;
import org.agenthypervisor.core.governance.ClassPlan;
import org.agenthypervisor.core.governance.GovernancePlanner;
import org.agenthypervisor.core.governance.MethodPlan;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.rings.RingDenial;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The gate's slow paths and its bookkeeping: registering instrumented sites, recomputing their
 * bindings for each policy version, denials, context switches and the exit of governed calls.
 * One instance per JVM, installed into {@link Gate}.
 */
public class GateRuntime {
    private final Principals principals;
    private final Context hostContext;
    private final GateListener listener;

    private final List<Site> sites = new ArrayList<>();
    private final Map<SiteKey, Site> siteByKey = new HashMap<>();
    /** Registered classes by (name, loader), with the plan their bytes were instrumented for. */
    private final Map<ClassKey, Instrumented> instrumented = new HashMap<>();
    /** The current binding of every site, by site id. */
    private SiteBinding[] bindings = new SiteBinding[0];
    /** Owners of classes seen so far by name, for anonymous classes of agents. */
    private final Map<String, String> ownerByClass = new ConcurrentHashMap<>();
    /** {@code ownerByClass::get}, made once: each lambda costs ~0.5 ms to link at start-up (issue 11). */
    private final Function<String, String> ownerOf = new OwnerLookup(ownerByClass);
    private Policy policy;
    private volatile CallParticipant[] participants = new CallParticipant[0];
    private final java.util.concurrent.atomic.AtomicLong selfCheckDenials = new java.util.concurrent.atomic.AtomicLong();

    public GateRuntime(Policy policy, Principals principals, GateListener listener) {
        this.policy = policy;
        this.principals = principals;
        this.hostContext = Context.of(principals.host());
        this.listener = listener;
        publish();
    }

    /** Adds a participant to every call that needs details; participants run in the order added. */
    public synchronized void addParticipant(CallParticipant participant) {
        CallParticipant[] grown = Arrays.copyOf(participants, participants.length + 1);
        grown[grown.length - 1] = participant;
        participants = grown;
    }

    /** Makes this the runtime the static {@link Gate} uses. */
    public void activate() {
        Gate.runtime = this;
        publish();
    }

    public Context hostContext() {
        return hostContext;
    }

    public synchronized Policy policy() {
        return policy;
    }

    /** The current binding of a site (for diagnostics and tests). */
    public SiteBinding binding(int site) {
        return Gate.state.bindings[site];
    }

    /** The agent bound to an already-seen class, for the planner's enclosing-class rule. */
    public Function<String, String> enclosingOwners() {
        return ownerOf;
    }

    private static final class OwnerLookup implements Function<String, String> {
        private final Map<String, String> ownerByClass;

        OwnerLookup(Map<String, String> ownerByClass) {
            this.ownerByClass = ownerByClass;
        }

        @Override
        public String apply(String className) {
            return ownerByClass.get(className);
        }
    }

    /** Plans a class under the current policy (what the transformer calls first). */
    public synchronized ClassPlan plan(ClassInfo info) {
        ClassPlan plan = GovernancePlanner.plan(info, policy, ownerOf);
        if (plan.owner() != null) {
            ownerByClass.put(info.name(), plan.owner());
        }
        return plan;
    }

    /**
     * Registers the governed methods of a class that is being instrumented as {@code plan} says,
     * and publishes their bindings before the class can run.
     *
     * @return the site id of each method of the plan, in the plan's order
     */
    public synchronized int[] register(ClassInfo info, ClassPlan plan, int loaderId) {
        int[] ids = new int[plan.methods().size()];
        Principal owner = plan.owner() == null ? null : principals.agent(plan.owner());
        SiteBinding[] grown = bindings;
        for (int i = 0; i < ids.length; i++) {
            MethodPlan m = plan.methods().get(i);
            SiteKey key = new SiteKey(info.name(), loaderId, m.name(), m.descriptor(), m.kind());
            Site site = siteByKey.get(key);
            if (site == null) {
                site = new Site(sites.size(), info, m.method(), m.kind(), m.display(), loaderId);
                sites.add(site);
                newKey(site.id());
                siteByKey.put(key, site);
                grown = Arrays.copyOf(grown, sites.size());
            }
            grown[site.id()] = SiteBinding.of(site, m, owner);
            ids[i] = site.id();
        }
        instrumented.put(new ClassKey(info.name(), loaderId), new Instrumented(info, plan));
        bindings = grown;
        Gate.state = new GateState(policy, principals.host(), hostContext, bindings);
        return ids;
    }

    /**
     * Registers the abstract methods of an interface that a framework implements with a proxy (a
     * LangChain4j AI service) as {@link MethodPlan.Kind#PROXIED} sites, whether or not the policy
     * binds it now: a reload that binds it later takes effect on the next call.
     *
     * @return the site id of each abstract method, by {@code name + descriptor}
     */
    public synchronized Map<String, Integer> registerProxied(ClassInfo iface, int loaderId) {
        Map<String, Integer> ids = new HashMap<>();
        SiteBinding[] grown = bindings;
        for (org.agenthypervisor.core.governance.MethodInfo m : iface.methods()) {
            if (!m.isAbstract() || m.isStatic()) {
                continue;
            }
            String display = org.agenthypervisor.core.governance.Descriptors.display(iface.name(), m.name(), m.descriptor());
            Site site = virtualSite(new SiteKey(iface.name(), loaderId, m.name(), m.descriptor(), MethodPlan.Kind.PROXIED),
                    iface, m, display, loaderId);
            grown = Arrays.copyOf(grown, sites.size());
            ids.put(m.name() + m.descriptor(), site.id());
        }
        bindings = grown;
        publish();
        return ids;
    }

    /** The method every langchain4j-agentic site stands for (an agent invoked with its named arguments). */
    public static final org.agenthypervisor.core.governance.MethodInfo AGENTIC_INVOKE =
            new org.agenthypervisor.core.governance.MethodInfo("invoke", "(Ljava/util/Map;)Ljava/lang/Object;", 0x0001,
                    List.of());

    /** Registers (once) the site of the langchain4j-agentic agent with this name. */
    public synchronized int registerAgentic(String agentName) {
        SiteKey key = new SiteKey(agentName, 0, AGENTIC_INVOKE.name(), AGENTIC_INVOKE.descriptor(), MethodPlan.Kind.AGENTIC);
        Site existing = siteByKey.get(key);
        if (existing != null) {
            return existing.id();
        }
        ClassInfo info = new ClassInfo(agentName, null, 0x0001, List.of(), List.of(AGENTIC_INVOKE));
        Site site = virtualSite(key, info, AGENTIC_INVOKE, "agentic agent '" + agentName + "'", 0);
        bindings = Arrays.copyOf(bindings, sites.size());
        publish();
        return site.id();
    }

    private Site virtualSite(SiteKey key, ClassInfo info, org.agenthypervisor.core.governance.MethodInfo m, String display,
                             int loaderId) {
        Site site = siteByKey.get(key);
        if (site == null) {
            site = new Site(sites.size(), info, m, key.kind(), display, loaderId);
            sites.add(site);
            newKey(site.id());
            siteByKey.put(key, site);
        }
        return site;
    }

    /** Gives a new site its secret (never 0, which marks "no key"); called with this object's lock held. */
    private void newKey(int id) {
        long[] grown = java.util.Arrays.copyOf(Gate.keys, Math.max(Gate.keys.length, id + 1));
        long k;
        do {
            k = org.agenthypervisor.core.crypto.Entropy.nextLong();
        } while (k == 0L);
        grown[id] = k;
        Gate.keys = grown;
    }

    /** The secret of {@code site}, for the weaver to write into the woven code. */
    public long key(int site) {
        return Gate.keys[site];
    }

    private static ClassPlan planFor(Site site, Policy policy, Function<String, String> owners) {
        switch (site.kind()) {
            case PROXIED:
                return GovernancePlanner.planAiService(site.classInfo(), policy);
            case AGENTIC:
                return GovernancePlanner.planAgentic(site.classInfo(), policy);
            default:
                return GovernancePlanner.plan(site.classInfo(), policy, owners);
        }
    }

    /** Forgets what a class was instrumented for (its retransformation left it unchanged). */
    public synchronized void unregister(String className, int loaderId) {
        if (instrumented.remove(new ClassKey(className, loaderId)) != null) {
            publish();
        }
    }

    /**
     * Switches to a new policy version atomically: principals first, then every site's binding, in
     * one volatile write.
     *
     * @return the names of instrumented classes whose instrumentation no longer fits the policy and
     *         must be retransformed (classes not instrumented before are the caller's business)
     */
    public synchronized Set<String> apply(Policy next) {
        this.policy = next;
        principals.apply(next);
        Set<String> changed = new LinkedHashSet<>();
        for (Map.Entry<ClassKey, Instrumented> entry : instrumented.entrySet()) {
            ClassPlan before = entry.getValue().plan();
            ClassInfo info = entry.getValue().info();
            ClassPlan after = GovernancePlanner.plan(info, next, ownerOf);
            if (!sameShape(before, after)) {
                changed.add(entry.getKey().name());
            }
        }
        publish();
        return changed;
    }

    private static boolean sameShape(ClassPlan a, ClassPlan b) {
        if (a.methods().size() != b.methods().size()) {
            return false;
        }
        for (MethodPlan m : a.methods()) {
            MethodPlan other = b.method(m.name(), m.descriptor());
            if (other == null || other.kind() != m.kind()) {
                return false;
            }
        }
        return true;
    }

    /** Rebuilds every site's binding from the current policy and publishes it. */
    private void publish() {
        Map<ClassKey, ClassPlan> current = new HashMap<>();
        SiteBinding[] rebuilt = new SiteBinding[sites.size()];
        for (Site site : sites) {
            ClassKey key = new ClassKey(site.kind().name() + ":" + site.classInfo().name(), site.loaderId());
            ClassPlan plan = current.get(key);
            if (plan == null) {
                plan = planFor(site, policy, ownerOf);
                current.put(key, plan);
            }
            MethodPlan m = plan.method(site.method().name(), site.method().descriptor());
            if (m == null || m.kind() != site.kind()) {
                rebuilt[site.id()] = SiteBinding.stale(site);
            } else {
                Principal owner = plan.owner() == null ? null : principals.agent(plan.owner());
                rebuilt[site.id()] = SiteBinding.of(site, m, owner);
            }
        }
        bindings = rebuilt;
        Gate.state = new GateState(policy, principals.host(), hostContext, bindings);
    }

    private volatile org.agenthypervisor.core.quarantine.Quarantines quarantines;

    /** Where a quarantined agent's calls are refused (set once by the runtime). */
    public void setQuarantines(org.agenthypervisor.core.quarantine.Quarantines quarantines) {
        this.quarantines = quarantines;
    }

    public org.agenthypervisor.core.quarantine.Quarantines quarantines() {
        return quarantines;
    }

    private volatile org.agenthypervisor.core.elevation.Elevations elevations;

    /** Where a call about to be denied asks for an operator's elevation (set once by the runtime). */
    public void setElevations(org.agenthypervisor.core.elevation.Elevations elevations) {
        this.elevations = elevations;
    }

    public org.agenthypervisor.core.elevation.Elevations elevations() {
        return elevations;
    }

    // ---------------------------------------------------------------- slow paths

    /** A ring check failed: report it, then throw unless the policy only audits. */
    void denied(GateState st, int site, Context context) {
        if (st.mode == Policy.Mode.OFF) {
            return;
        }
        SiteBinding binding = st.bindings[site];
        Principal ring = context.ringSource();
        Principal who = context.principal();
        if (ring.effectiveRing() == org.agenthypervisor.core.rings.Rings.QUARANTINED) {
            // An operator's (or the breaker's) decision, not the policy's: refused in audit mode too,
            // never slashed again. Expired: released now, and the call is checked as usual.
            org.agenthypervisor.core.quarantine.Quarantines q = quarantines;
            RuntimeException refusal = q == null ? new SecurityException("agent '" + ring.id() + "' is quarantined")
                    : q.refusal(ring, ring, binding.method());
            if (refusal != null) {
                throw refusal;
            }
            if (ring.effectiveRing() <= binding.requiredRing()) {
                return;
            }
        }
        if (who == principals.selfCheck()) {
            // The post-install self-check proving the advice landed: not a real denial.
            selfCheckDenials.incrementAndGet();
            if (st.mode == Policy.Mode.ENFORCE) {
                throw new RingViolationException("self-check", who.id(), 3, 3, binding.requiredRing(), binding.method(), "self-check");
            }
            return;
        }
        // An operator's elevation is asked only here, so it costs the allowed path nothing (issue 15).
        org.agenthypervisor.core.elevation.Elevations el = elevations;
        if (el != null && ring.elevation() != null && el.permitsMethod(ring, binding.requiredRing(),
                binding.site().classInfo().name(), binding.site().method().name(), binding.method())) {
            return;
        }
        RingDenial denial = new RingDenial(who.id(), ring.effectiveRing(), ring.grantedRing(), who.trust(),
                binding.requiredRing(), binding.method(), binding.requirementSource(), ring != who, st.policy.trust());
        boolean enforced = st.mode == Policy.Mode.ENFORCE;
        listener.ringViolation(denial, enforced, binding);
        if (enforced) {
            throw denial.toException();
        }
    }

    /**
     * Entering a quarantined agent's method from another principal (the host, or another agent's
     * hand-off) would run the quarantined agent's code: refused like its own calls (an expired
     * quarantine is released here and the call goes on).
     */
    private void refuseQuarantinedOwner(GateState st, SiteBinding binding, Context caller) {
        Principal owner = binding.owner();
        if (owner == null || owner.effectiveRing() != org.agenthypervisor.core.rings.Rings.QUARANTINED
                || st.mode == Policy.Mode.OFF) {
            return;
        }
        org.agenthypervisor.core.quarantine.Quarantines q = quarantines;
        RuntimeException refusal = q == null ? new SecurityException("agent '" + owner.id() + "' is quarantined")
                : q.refusal(owner, caller.principal(), binding.method());
        if (refusal != null) {
            throw refusal;
        }
    }

    /** A rate limit said no on the allowed path: wait or refuse as the limit says (see AgentLimits). */
    void rateLimited(org.agenthypervisor.core.ratelimit.AgentLimits limits, Principal caller, int site) {
        GateState st = Gate.state;
        limits.overLimit(org.agenthypervisor.core.ratelimit.AgentLimits.Kind.CALLS, caller.effectiveRing(),
                st.bindings[site].method());
    }

    /** Another principal reached a restricted method by reflection or a method handle (see {@link EntryCheck}). */
    private void refusedEntry(GateState st, SiteBinding binding, Context context) {
        if (st.mode == Policy.Mode.OFF) {
            return;
        }
        Principal ring = context.ringSource();
        Principal who = context.principal();
        RingDenial denial = new RingDenial(who.id(), ring.effectiveRing(), ring.grantedRing(), who.trust(),
                binding.owner().effectiveRing(), binding.method(), RingDenial.OWN_CODE_ONLY, false, st.policy.trust());
        boolean enforced = st.mode == Policy.Mode.ENFORCE;
        listener.ringViolation(denial, enforced, binding);
        if (enforced) {
            throw denial.toException();
        }
    }

    /**
     * Code called the gate's bridge with a site id but without the site's woven key: an attempt to
     * take on the site's agent without calling its method. Audited and slashed like a ring violation,
     * and refused in every mode (it is not a policy decision).
     */
    RuntimeException forgedEntry(int site) {
        GateState st = Gate.state;
        if (st == null || site < 0 || site >= st.bindings.length || st.bindings[site] == null) {
            return null;
        }
        SiteBinding binding = st.bindings[site];
        ContextCell cell = ContextCell.peek();
        Context context = cell == null ? st.hostContext : cell.get();
        Principal ring = context.ringSource();
        Principal who = context.principal();
        RingDenial denial = new RingDenial(who.id(), ring.effectiveRing(), ring.grantedRing(), who.trust(),
                binding.owner() == null ? 0 : binding.owner().effectiveRing(), binding.method(), RingDenial.FORGED_ENTRY,
                false, st.policy.trust());
        try {
            listener.ringViolation(denial, true, binding);
        } catch (RuntimeException reporting) {
            // Reporting must not turn the refusal into a different failure.
        }
        return denial.toException();
    }

    /** The gate failed: deny (fail closed) unless the policy allows. */
    void internalError(int site, Throwable error) {
        GateState st = Gate.state;
        SiteBinding binding = st != null && site >= 0 && site < st.bindings.length ? st.bindings[site] : null;
        boolean deny = st == null || !st.failOpen;
        try {
            listener.internalError(binding, error, deny);
        } catch (Throwable ignored) {
            // Reporting must not turn a decision into a different failure.
        }
        if (deny) {
            String method = binding == null ? "site " + site : binding.method();
            throw new RingViolationException("internal error in the hypervisor's check of " + method
                    + "; the call is denied (fail closed; the policy can say onInternalError: allow)",
                    "unknown", -1, -1, binding == null ? -1 : binding.requiredRing(), method, "internal error", error);
        }
    }

    /** Switches into the site's agent for a call that needs nothing else (not a hand-off). */
    Object switchInto(GateState st, int site, ContextCell cell, Context caller) {
        SiteBinding binding = st.bindings[site];
        refuseQuarantinedOwner(st, binding, caller);
        Context entered = caller.as(binding.owner(), caller.isHost() ? null : caller.chain());
        ContextCell target = cell != null ? cell : ContextCell.obtain(hostContext);
        target.set(entered);
        return new Frame(target, caller, binding);
    }

    /** Entry of a site that needs its instance and arguments: hand-offs, sagas, steps. */
    Object enterWithDetails(GateState st, int site, Class<?> type, Object self, Object[] arguments) {
        ContextCell cell = ContextCell.peek();
        Context caller = cell == null ? st.hostContext : cell.get();
        SiteBinding binding = st.bindings[site];
        Principal owner = binding.owner();
        boolean switches = owner != null && owner != caller.principal();
        if (switches && binding.restricted() && !EntryCheck.legitimate(type, binding.site().method().name())) {
            refusedEntry(st, binding, caller);
            if (st.mode == Policy.Mode.AUDIT) {
                // Would deny: the call runs, but never with the owner's privileges it was not entitled to.
                switches = false;
            }
        }
        if (switches) {
            refuseQuarantinedOwner(st, binding, caller);
            org.agenthypervisor.core.ratelimit.AgentLimits limits = caller.ringSource().rateLimits();
            if (limits != null && binding.handoff() && !caller.isHost() && st.mode != Policy.Mode.OFF) {
                int ring = caller.ringSource().effectiveRing();
                org.agenthypervisor.core.ratelimit.AgentLimits.Kind handoffs =
                        org.agenthypervisor.core.ratelimit.AgentLimits.Kind.HANDOFFS;
                if (!limits.admit(handoffs, ring)) {
                    limits.overLimit(handoffs, ring, "agent '" + owner.id() + "' (" + binding.method() + ")");
                }
            }
        }
        Context entered = switches ? caller.as(owner, caller.isHost() ? null : caller.chain()) : caller;
        CallParticipant[] ps = participants;
        Call call = new Call(binding, caller, entered, type, self, arguments == null ? new Object[0] : arguments,
                cell != null ? cell : ContextCell.obtain(hostContext), ps.length);
        int entered_ = 0;
        try {
            for (; entered_ < ps.length; entered_++) {
                call.states[entered_] = ps[entered_].enter(call);
            }
        } catch (RuntimeException | Error refused) {
            for (int i = entered_ - 1; i >= 0; i--) {
                try {
                    ps[i].exit(call, call.states[i], null, refused);
                } catch (Throwable ignored) {
                    // The refusal is what the caller must see.
                }
            }
            throw refused;
        }
        if (call.entered() == caller && ps.length == 0) {
            return null;
        }
        call.cell.set(call.entered());
        return call;
    }

    /** Exit of a call whose entry returned a token: participants in reverse, then the caller's context. */
    void exit(Object token, Object returned, Throwable thrown) {
        if (token instanceof Frame) {
            Frame frame = (Frame) token;
            frame.cell.set(frame.caller);
            return;
        }
        if (token instanceof Call) {
            Call call = (Call) token;
            CallParticipant[] ps = participants;
            for (int i = Math.min(ps.length, call.states.length) - 1; i >= 0; i--) {
                try {
                    ps[i].exit(call, call.states[i], returned, thrown);
                } catch (Throwable failure) {
                    listener.internalError(call.binding(), failure, false);
                }
            }
            call.cell.set(call.resumed());
        }
    }


    /** What the exit of a switched call needs. */
    static final class Frame {
        final ContextCell cell;
        final Context caller;
        final SiteBinding binding;

        Frame(ContextCell cell, Context caller, SiteBinding binding) {
            this.cell = cell;
            this.caller = caller;
            this.binding = binding;
        }
    }

    // equals and hashCode by hand: a record's generated ones link through invokedynamic, which costs
    // tens of milliseconds at the first call, and the first call is during the agent's start.
    private record SiteKey(String className, int loaderId, String name, String descriptor, MethodPlan.Kind kind) {
        @Override
        public boolean equals(Object other) {
            return other instanceof SiteKey k && loaderId == k.loaderId && kind == k.kind && className.equals(k.className)
                    && name.equals(k.name) && descriptor.equals(k.descriptor);
        }

        @Override
        public int hashCode() {
            return ((className.hashCode() * 31 + loaderId) * 31 + name.hashCode()) * 31 + descriptor.hashCode();
        }
    }

    private record ClassKey(String name, int loaderId) {
        @Override
        public boolean equals(Object other) {
            return other instanceof ClassKey k && loaderId == k.loaderId && name.equals(k.name);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + loaderId;
        }
    }

    private record Instrumented(ClassInfo info, ClassPlan plan) {
    }

    /** How many denials the self-check's principal got (it proves the gate is consulted). */
    public long selfCheckDenials() {
        return selfCheckDenials.get();
    }

    /** For tests: every registered site. */
    public synchronized List<Site> sites() {
        return List.copyOf(sites);
    }

    @Override
    public String toString() {
        return "GateRuntime[" + sites.size() + " sites, policy " + Objects.toString(policy.source()) + "]";
    }
}
