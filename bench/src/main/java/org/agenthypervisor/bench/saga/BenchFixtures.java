package org.agenthypervisor.bench.saga;

import org.agenthypervisor.api.Compensate;
import org.agenthypervisor.api.Saga;
import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.gate.Gate;
import org.agenthypervisor.core.gate.GateListener;
import org.agenthypervisor.core.gate.GateRuntime;
import org.agenthypervisor.core.gate.SiteBinding;
import org.agenthypervisor.core.governance.AnnotationInfo;
import org.agenthypervisor.core.governance.ClassInfo;
import org.agenthypervisor.core.governance.ClassPlan;
import org.agenthypervisor.core.governance.MethodInfo;
import org.agenthypervisor.core.liability.LiabilityEngine;
import org.agenthypervisor.core.observe.Counters;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.PolicyParser;
import org.agenthypervisor.core.rings.RingDenial;
import org.agenthypervisor.core.saga.SagaEngine;

import java.lang.annotation.Annotation;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A hypervisor without the agent for the engine benchmark: a real gate with the fixture classes
 * registered from their reflection data; {@link #site} gives the site id the woven advice would pass.
 */
final class BenchFixtures {
    /** A compensable step. */
    public static class Account {
        @Compensate("credit")
        public void debit(String account, long amount) {
        }

        public void credit(String account, long amount) {
        }
    }

    /** A saga boundary. */
    public static class Transfer {
        @Saga("transfer")
        public void run() {
        }
    }

    final GateRuntime gate;
    final SagaEngine sagas;
    private final Map<String, Integer> sites = new LinkedHashMap<>();

    BenchFixtures(Path dataDir, String durability) throws Exception {
        Policy policy = PolicyParser.parse("version: 1\nsaga:\n  durability: " + durability + "\n", "bench.yaml");
        Principals principals = new Principals(policy);
        gate = new GateRuntime(policy, principals, new GateListener() {
            @Override
            public void ringViolation(RingDenial denial, boolean enforced, SiteBinding binding) {
            }

            @Override
            public void internalError(SiteBinding binding, Throwable error, boolean denied) {
                throw new IllegalStateException("internal error in the benchmark's gate", error);
            }
        });
        sagas = new SagaEngine(policy, principals, AuditTrail.NONE, new Counters(), dataDir,
                new LiabilityEngine(policy, principals, AuditTrail.NONE, new Counters(), dataDir), gate.hostContext());
        gate.addParticipant(sagas);
        org.agenthypervisor.core.context.Propagation.install(gate.hostContext());
        gate.activate();
        for (Class<?> type : new Class<?>[] {Account.class, Transfer.class}) {
            ClassInfo info = classInfo(type);
            ClassPlan plan = gate.plan(info);
            int[] ids = gate.register(info, plan, 1);
            for (int i = 0; i < ids.length; i++) {
                sites.put(type.getSimpleName() + "#" + plan.methods().get(i).name(), ids[i]);
            }
        }
    }

    int site(String name) {
        return sites.get(name);
    }

    /** The advice's entry: the token for {@link Gate#exit}. */
    static Object enter(int site, Class<?> type, Object self, Object[] args) {
        Object token = Gate.enter(site);
        return token == Gate.DETAILS ? Gate.enterWithDetails(site, type, self, args) : token;
    }

    private static ClassInfo classInfo(Class<?> type) {
        List<MethodInfo> methods = new ArrayList<>();
        for (Method m : type.getDeclaredMethods()) {
            String desc = MethodType.methodType(m.getReturnType(), m.getParameterTypes()).toMethodDescriptorString();
            methods.add(new MethodInfo(m.getName(), desc, m.getModifiers(), annotations(m.getDeclaredAnnotations())));
        }
        return new ClassInfo(type.getName(), null, type.getModifiers(), annotations(type.getDeclaredAnnotations()), methods);
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
}
