package org.agenthypervisor.core.gate;

import org.agenthypervisor.api.RingViolationException;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.ContextCell;
import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.context.Principals;

/**
 * The static entry points the inlined advice calls. One of three shapes per method:
 *
 * <ul>
 *   <li>{@link #check(int, int)}: methods and constructors that only carry a ring requirement;</li>
 *   <li>{@link #enter(int)} (then {@link #enterWithDetails} when it says so) and {@link #exit}:
 *   methods of agents' classes, saga boundaries and compensable steps.</li>
 * </ul>
 *
 * The allowed path of {@link #check} is one thread-local read, two field reads (one volatile)
 * and an integer compare, plus the caller's rate-limit field and a null test (issue 15; with a
 * limit, a token bucket's clock read and compare-and-set); it allocates nothing, takes no lock and
 * logs nothing. Everything else (denials,
 * hand-offs, saga steps) happens in {@link GateRuntime}, off the hot path.
 *
 * <p>A failure inside the gate fails closed: the call is denied with a
 * {@link RingViolationException} that carries the internal error as its cause, unless the policy
 * says {@code onInternalError: allow}.
 */
public final class Gate {
    /** Returned by {@link #enter} when the advice must call {@link #enterWithDetails}. */
    public static final Object DETAILS = new Object();

    static volatile GateState state;
    static volatile GateRuntime runtime;

    private Gate() {
    }

    /** Passed as the required ring when the advice must look it up (it comes from a reloadable rule). */
    public static final int LOOK_UP = -1;

    /**
     * Per site, the secret the woven code passes with the site id (a random 64-bit constant written
     * into the woven bytecode, which no application code can read). The bridge's entries are public on
     * the bootstrap path: without the key, any code could enter another agent's site by its id and
     * run on as that agent. Copy-on-write, published before the woven class can run.
     */
    static volatile long[] keys = new long[0];

    /** Reports an entry into {@code site} without its key; returns what to throw (always refused). */
    static RuntimeException forgedEntry(int site) {
        GateRuntime r = runtime;
        RuntimeException refusal = r == null ? null : r.forgedEntry(site);
        return refusal != null ? refusal : new SecurityException("refused an entry into site " + site
                + " without its woven key: only the hypervisor's woven code enters a governed method");
    }

    /** Whether {@code key} is the woven key of {@code site}. */
    static boolean keyMatches(int site, long key) {
        long[] k = keys;
        return site >= 0 && site < k.length && k[site] == key && key != 0L;
    }

    /**
     * The ring check of a method or constructor that only carries a requirement.
     *
     * @param requiredRing the ring when an annotation fixes it (a bytecode constant), or
     *                     {@link #LOOK_UP} when a policy rule sets it and a reload may change it
     */
    public static void check(int site, int requiredRing) {
        try {
            ContextCell cell = ContextCell.peek();
            Principal caller = cell == null ? Principals.HOST : cell.ringSource();
            if (caller.effectiveRing() > (requiredRing >= 0 ? requiredRing : state.required[site])) {
                GateState st = state;
                runtime.denied(st, site, cell == null ? st.hostContext : cell.get());
            }
            org.agenthypervisor.core.ratelimit.AgentLimits limits = caller.rateLimits();
            if (limits != null && !limits.admitCall(caller.effectiveRing())) {
                runtime.rateLimited(limits, caller, site);
            }
        } catch (SecurityException decided) {
            throw decided;
        } catch (Throwable internal) {
            runtime.internalError(site, internal);
        }
    }

    /**
     * Entry of a governed method: the ring check, then either nothing more to do (same agent, the
     * common case: returns null), a context switch, or {@link #DETAILS}.
     */
    public static Object enter(int site) {
        try {
            ContextCell cell = ContextCell.peek();
            GateState st = state;
            Principal caller = cell == null ? Principals.HOST : cell.ringSource();
            if (caller.effectiveRing() > st.required[site]) {
                runtime.denied(st, site, cell == null ? st.hostContext : cell.get());
            }
            Context context = cell == null ? st.hostContext : cell.get();
            Principal owner = st.owner[site];
            // Rate limits count the calls an agent makes out of its own code, not into it.
            org.agenthypervisor.core.ratelimit.AgentLimits limits = caller.rateLimits();
            if (limits != null && owner != context.principal() && !limits.admitCall(caller.effectiveRing())) {
                runtime.rateLimited(limits, caller, site);
            }
            boolean crossing = owner != null && owner != context.principal();
            // A hand-off point needs the arguments only when another principal calls it: an agent
            // calling its own public methods pays a ring check and this test, nothing more.
            if (st.details[site] || (crossing && st.handoff[site])) {
                return DETAILS;
            }
            if (!crossing) {
                return null;
            }
            return runtime.switchInto(st, site, cell, context);
        } catch (SecurityException decided) {
            throw decided;
        } catch (Throwable internal) {
            runtime.internalError(site, internal);
            return null;
        }
    }

    /**
     * Entry of a constructor of an agent's class: the ring check, then a switch into the agent unless
     * the agent is more privileged than the caller. {@link #exitConstructor} undoes it on return and
     * when the code after the super call throws; the JVM forbids a handler around the super call
     * itself, so a switch left behind by a throwing super constructor or argument is never a gain in
     * privilege (the caller's enclosing governed frame restores its own context).
     */
    public static Object enterConstructor(int site) {
        try {
            ContextCell cell = ContextCell.peek();
            GateState st = state;
            Principal caller = cell == null ? Principals.HOST : cell.ringSource();
            if (caller.effectiveRing() > st.required[site]) {
                runtime.denied(st, site, cell == null ? st.hostContext : cell.get());
            }
            Context context = cell == null ? st.hostContext : cell.get();
            Principal owner = st.owner[site];
            org.agenthypervisor.core.ratelimit.AgentLimits limits = caller.rateLimits();
            if (limits != null && owner != context.principal() && !limits.admitCall(caller.effectiveRing())) {
                runtime.rateLimited(limits, caller, site);
            }
            if (owner == null || owner == context.principal() || owner.effectiveRing() < caller.effectiveRing()) {
                return null;
            }
            return runtime.switchInto(st, site, cell, context);
        } catch (SecurityException decided) {
            throw decided;
        } catch (Throwable internal) {
            runtime.internalError(site, internal);
            return null;
        }
    }

    /**
     * Exit of a constructor whose {@link #enterConstructor} returned a token: on every return and,
     * through the handler the weaver adds after the super call, when the constructor throws.
     */
    public static void exitConstructor(Object token) {
        if (token != null) {
            runtime.exit(token, null, null);
        }
    }

    /** Entry of a governed method that needs its instance and arguments; returns the exit token. */
    public static Object enterWithDetails(int site, Class<?> type, Object self, Object[] arguments) {
        try {
            return runtime.enterWithDetails(state, site, type, self, arguments);
        } catch (SecurityException | CallRefusedException decided) {
            throw decided;
        } catch (Throwable internal) {
            runtime.internalError(site, internal);
            return null;
        }
    }

    /** Exit of a governed method (normal or exceptional) whose entry returned a token. */
    public static void exit(Object token, Object returned, Throwable thrown) {
        runtime.exit(token, returned, thrown);
    }
}
