package org.agenthypervisor.core.saga;

import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.ContextCell;
import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.context.Propagation;
import org.agenthypervisor.core.gate.Gate;
import org.agenthypervisor.core.gate.GateListener;
import org.agenthypervisor.core.gate.GateRuntime;
import org.agenthypervisor.core.gate.SiteBinding;
import org.agenthypervisor.core.governance.AnnotationInfo;
import org.agenthypervisor.core.governance.ClassInfo;
import org.agenthypervisor.core.governance.ClassPlan;
import org.agenthypervisor.core.governance.MethodInfo;
import org.agenthypervisor.core.governance.MethodPlan;
import org.agenthypervisor.core.liability.LiabilityEngine;
import org.agenthypervisor.core.observe.Counters;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.PolicyException;
import org.agenthypervisor.core.policy.PolicyParser;
import org.agenthypervisor.core.rings.RingDenial;

import java.lang.annotation.Annotation;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * A hypervisor without the agent for unit tests of the saga engine: a real {@link GateRuntime} with
 * classes registered from their reflection data, and {@link #call} doing what the woven advice does
 * around a method body.
 */
final class Harness implements AutoCloseable {
    final Policy policy;
    final Principals principals;
    final GateRuntime gate;
    final RecordingAudit audit = new RecordingAudit();
    final Counters counters = new Counters();
    final RecordingLiability liability;
    final SagaEngine sagas;
    final Path dataDir;
    private final Map<String, Integer> sites = new HashMap<>();

    Harness(Path dataDir, String policyYaml) {
        try {
            this.policy = PolicyParser.parse(policyYaml, "test.yaml");
        } catch (PolicyException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        this.dataDir = dataDir;
        this.principals = new Principals(policy);
        this.gate = new GateRuntime(policy, principals, new GateListener() {
            @Override
            public void ringViolation(RingDenial denial, boolean enforced, SiteBinding binding) {
                audit.record("ring.denied", Map.of("agent", denial.agent(), "method", denial.method()));
            }

            @Override
            public void internalError(SiteBinding binding, Throwable error, boolean denied) {
                audit.record("internal.error", Map.of("error", String.valueOf(error)));
            }
        });
        this.liability = new RecordingLiability(policy, principals, audit, counters, dataDir);
        this.sagas = new SagaEngine(policy, principals, audit, counters, dataDir, liability, gate.hostContext());
        gate.addParticipant(liability);
        gate.addParticipant(sagas);
        Propagation.install(gate.hostContext());
        gate.activate();
        ContextCell cell = ContextCell.peek();
        if (cell != null) {
            cell.set(gate.hostContext());
        }
    }

    static String policy(String durability) {
        return "version: 1\nsaga:\n  durability: " + durability + "\n  retries: 3\n  backoff: 1ms\n  maxBackoff: 4ms\n";
    }

    /** Registers classes as the transformer would. */
    Harness register(Class<?>... types) {
        for (Class<?> type : types) {
            ClassInfo info = classInfo(type);
            ClassPlan plan = gate.plan(info);
            int[] ids = gate.register(info, plan, 1);
            for (int i = 0; i < ids.length; i++) {
                MethodPlan m = plan.methods().get(i);
                sites.put(type.getName() + "#" + m.name() + m.descriptor(), ids[i]);
            }
        }
        return this;
    }

    /** What the woven advice does: enter, run the body, exit (with the thrown exception), rethrow. */
    <T> T call(Class<?> type, Object self, String method, Object[] args, Callable<T> body) throws Exception {
        Integer site = null;
        for (Map.Entry<String, Integer> e : sites.entrySet()) {
            if (e.getKey().startsWith(type.getName() + "#" + method + "(")) {
                site = e.getValue();
            }
        }
        if (site == null) {
            return body.call();
        }
        Object token = Gate.enter(site);
        if (token == Gate.DETAILS) {
            token = Gate.enterWithDetails(site, type, self, args);
        }
        T returned = null;
        Throwable thrown = null;
        try {
            returned = body.call();
        } catch (Throwable t) {
            thrown = t;
        }
        if (token != null) {
            Gate.exit(token, returned, thrown);
        }
        if (thrown instanceof Exception) {
            throw (Exception) thrown;
        }
        if (thrown != null) {
            throw (Error) thrown;
        }
        return returned;
    }

    /** Only the entry half of {@link #call}: the method "is running" (for simulating a crash). */
    Object enter(Class<?> type, Object self, String method, Object[] args) {
        Integer site = site(type, method);
        Object token = Gate.enter(site);
        return token == Gate.DETAILS ? Gate.enterWithDetails(site, type, self, args) : token;
    }

    /** Forgets the thread's context (what a crash does to it). */
    void resetContext() {
        ContextCell cell = ContextCell.peek();
        if (cell != null) {
            cell.set(gate.hostContext());
        }
    }

    private Integer site(Class<?> type, String method) {
        for (Map.Entry<String, Integer> e : sites.entrySet()) {
            if (e.getKey().startsWith(type.getName() + "#" + method + "(")) {
                return e.getValue();
            }
        }
        throw new IllegalArgumentException("no site for " + type.getName() + "#" + method);
    }

    Context current() {
        return Propagation.current(gate.hostContext());
    }

    @Override
    public void close() {
        sagas.close();
        // The liability engine holds the trust ledger's lock: a "restart" in the same JVM needs it back.
        liability.close();
    }

    // ---------------------------------------------------------------- reflection -> ClassInfo

    static ClassInfo classInfo(Class<?> type) {
        List<MethodInfo> methods = new ArrayList<>();
        for (Method m : type.getDeclaredMethods()) {
            String desc = MethodType.methodType(m.getReturnType(), m.getParameterTypes()).toMethodDescriptorString();
            methods.add(new MethodInfo(m.getName(), desc, m.getModifiers(), annotations(m.getDeclaredAnnotations())));
        }
        for (var c : type.getDeclaredConstructors()) {
            String desc = MethodType.methodType(void.class, c.getParameterTypes()).toMethodDescriptorString();
            methods.add(new MethodInfo("<init>", desc, c.getModifiers(), annotations(c.getDeclaredAnnotations())));
        }
        String superName = type.getSuperclass() == null || type.getSuperclass() == Object.class ? null
                : type.getSuperclass().getName();
        return new ClassInfo(type.getName(), superName, type.getModifiers(), annotations(type.getDeclaredAnnotations()),
                methods);
    }

    private static List<AnnotationInfo> annotations(Annotation[] annotations) {
        List<AnnotationInfo> out = new ArrayList<>();
        for (Annotation a : annotations) {
            Map<String, Object> values = new LinkedHashMap<>();
            for (Method element : a.annotationType().getDeclaredMethods()) {
                try {
                    values.put(element.getName(), element.invoke(a));
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
            out.add(new AnnotationInfo(a.annotationType().getName(), values));
        }
        return out;
    }

    // ---------------------------------------------------------------- recorders

    static final class RecordingAudit implements AuditTrail {
        final List<Map<String, Object>> records = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void record(String type, Map<String, Object> fields) {
            Map<String, Object> r = new LinkedHashMap<>(fields);
            r.put("type", type);
            records.add(r);
        }

        List<Map<String, Object>> ofType(String type) {
            synchronized (records) {
                return records.stream().filter(r -> type.equals(r.get("type"))).toList();
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    static final class RecordingLiability extends LiabilityEngine {
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());

        RecordingLiability(Policy policy, Principals principals, AuditTrail audit, Counters counters, Path dataDir) {
            super(policy, principals, audit, counters, dataDir);
        }

        @Override
        public void compensationFailed(Principal stepAgent, Object stepChain, String reason) {
            failures.add(stepAgent.id() + ": " + reason);
        }
    }
}
