package org.agenthypervisor.core.liability;

import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.ContextCell;
import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.gate.Gate;
import org.agenthypervisor.core.gate.GateListener;
import org.agenthypervisor.core.gate.GateRuntime;
import org.agenthypervisor.core.gate.SiteBinding;
import org.agenthypervisor.core.governance.ClassInfo;
import org.agenthypervisor.core.governance.ClassPlan;
import org.agenthypervisor.core.governance.MethodInfo;
import org.agenthypervisor.core.observe.Counters;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.PolicyParser;
import org.agenthypervisor.core.rings.RingDenial;

import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The real gate with a liability engine as its participant, and fake agent classes registered as
 * sites: {@code com.test.<Agent>#work(String)String}, {@code #log(String)V} and {@code #danger()}
 * (ring 0). Calls go through {@link Gate#enter}, {@link Gate#enterWithDetails} and {@link Gate#exit}
 * exactly as the woven advice makes them.
 */
final class GateHarness implements AutoCloseable {
    static final String WORK = "(Ljava/lang/String;)Ljava/lang/String;";
    static final String LOG = "(Ljava/lang/String;)V";

    final Policy policy;
    final Principals principals;
    final RecordingAudit audit = new RecordingAudit();
    final Counters counters = new Counters();
    final GateRuntime gate;
    final LiabilityEngine engine;
    final Path dataDir;
    /** The quarantines' clock (epoch milliseconds), moved by tests to expire a cooldown. */
    final java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(System.currentTimeMillis());
    final org.agenthypervisor.core.quarantine.Quarantines quarantines;
    /** Operators' elevations on the same clock; expiry is seen by the next check (no timer thread). */
    final org.agenthypervisor.core.elevation.Elevations elevations;
    /** Pending approvals of rules with approval: required (none in most tests' policies). */
    final org.agenthypervisor.core.approval.Approvals approvals;

    GateHarness(String policyYaml, Path dataDir) throws Exception {
        this.policy = PolicyParser.parse(policyYaml, "test.yaml");
        this.dataDir = dataDir;
        this.principals = new Principals(policy);
        this.gate = new GateRuntime(policy, principals, new GateListener() {
            @Override
            public void ringViolation(RingDenial denial, boolean enforced, SiteBinding binding) {
                if (enforced) {
                    engine().ringViolation(ContextCell.peek() == null ? gate().hostContext() : ContextCell.peek().get(),
                            denial, binding);
                }
            }

            @Override
            public void internalError(SiteBinding binding, Throwable error, boolean denied) {
                throw new AssertionError("internal error at " + (binding == null ? "?" : binding.method()), error);
            }
        });
        this.engine = new LiabilityEngine(policy, principals, audit, counters, dataDir);
        this.quarantines = new org.agenthypervisor.core.quarantine.Quarantines(principals, audit, clock::get);
        gate.setQuarantines(quarantines);
        this.elevations = new org.agenthypervisor.core.elevation.Elevations(principals, audit, clock::get, () -> policy,
                false);
        gate.setElevations(elevations);
        engine.setQuarantines(quarantines);
        // As the runtime orders them: approvals first, then liability.
        this.approvals = new org.agenthypervisor.core.approval.Approvals(audit, () -> policy, clock::get);
        gate.addParticipant(approvals);
        gate.addParticipant(engine);
        gate.activate();
    }

    private LiabilityEngine engine() {
        return engine;
    }

    private GateRuntime gate() {
        return gate;
    }

    /** Registers com.test.&lt;Cls&gt; (policy binds it to an agent) and returns its site ids by method name. */
    Map<String, Integer> register(String className) {
        List<MethodInfo> methods = List.of(
                new MethodInfo("work", WORK, Modifier.PUBLIC, List.of()),
                new MethodInfo("log", LOG, Modifier.PUBLIC, List.of()),
                new MethodInfo("danger", "()Ljava/lang/String;", Modifier.PUBLIC, List.of()));
        ClassInfo info = new ClassInfo(className, null, Modifier.PUBLIC, List.of(), methods);
        ClassPlan plan = gate.plan(info);
        int[] ids = gate.register(info, plan, 0);
        Map<String, Integer> out = new java.util.HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            out.put(plan.methods().get(i).name(), ids[i]);
        }
        return out;
    }

    Principal agent(String id) {
        return principals.agent(id);
    }

    /** Runs {@code body} as if agent {@code id} were running (the host called it). */
    static <T> T as(Principal p, Supplier<T> body) {
        ContextCell cell = ContextCell.obtain(Context.of(p));
        Context before = cell.get();
        cell.set(Context.of(p));
        try {
            return body.get();
        } finally {
            cell.set(before);
        }
    }

    /** A governed call of a site: enter, (details), body, exit - as the advice does it. */
    static <T> T call(int site, Object[] args, Supplier<T> body) {
        Object token = Gate.enter(site);
        if (token == Gate.DETAILS) {
            token = Gate.enterWithDetails(site, Object.class, null, args);
        }
        T result;
        try {
            result = body.get();
        } catch (RuntimeException | Error failure) {
            Gate.exit(token, null, failure);
            throw failure;
        }
        Gate.exit(token, result, null);
        return result;
    }

    static Context current() {
        ContextCell cell = ContextCell.peek();
        return cell == null ? null : cell.get();
    }

    static Chain chain() {
        Context c = current();
        return c == null ? Chain.EMPTY : Chain.of(c.chain());
    }

    @Override
    public void close() {
        engine.close();
        ContextCell cell = ContextCell.peek();
        if (cell != null) {
            cell.set(gate.hostContext());
        }
    }

    /** Audit records kept in memory. */
    static final class RecordingAudit implements AuditTrail {
        final List<Map.Entry<String, Map<String, Object>>> records = new CopyOnWriteArrayList<>();

        @Override
        public void record(String type, Map<String, Object> fields) {
            records.add(Map.entry(type, fields));
        }

        List<Map<String, Object>> ofType(String type) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (Map.Entry<String, Map<String, Object>> r : records) {
                if (r.getKey().equals(type)) {
                    out.add(r.getValue());
                }
            }
            return out;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
