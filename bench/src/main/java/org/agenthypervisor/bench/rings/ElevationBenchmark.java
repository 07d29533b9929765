package org.agenthypervisor.bench.rings;

import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.ContextCell;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.elevation.Elevations;
import org.agenthypervisor.core.gate.Gate;
import org.agenthypervisor.core.gate.GateListener;
import org.agenthypervisor.core.gate.GateRuntime;
import org.agenthypervisor.core.gate.SiteBinding;
import org.agenthypervisor.core.governance.ClassInfo;
import org.agenthypervisor.core.governance.ClassPlan;
import org.agenthypervisor.core.governance.MethodInfo;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.PolicyParser;
import org.agenthypervisor.core.rings.RingDenial;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Issue 15: the ring check ({@code Gate.check}) with and during an elevation. A ring-3 agent with no
 * elevation calling a ring-3 method (the allowed path as before); an elevated ring-3 agent calling a
 * ring-3 method (its allowed path during an elevation: unchanged, the grant is not read); and the
 * elevated agent calling a ring-1 method the grant allows, with no {@code --only} and with one
 * ({@code ClassGlob#methodGlob}), which goes through the slow path that asks the grant. In-process,
 * the gate built from core as the runtime builds it (see RateLimitBenchmark for why).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
public class ElevationBenchmark {
    static final String POLICY = """
            version: 1
            dataDir: target/bench-data
            agents:
              plain: {ring: 3}
              elevated: {ring: 3}
              scoped: {ring: 3}
            rules:
              - methods: "com.bench.Vault#open"
                ring: 1
            """;

    @State(Scope.Benchmark)
    public static class Hypervisor {
        Principals principals;
        int vault;

        @Setup
        public void start() throws Exception {
            Policy policy = PolicyParser.parse(POLICY, "bench");
            principals = new Principals(policy);
            GateRuntime gate = new GateRuntime(policy, principals, new GateListener() {
                @Override
                public void ringViolation(RingDenial denial, boolean enforced, SiteBinding binding) {
                    throw new IllegalStateException("the benchmark must not be denied: " + denial);
                }

                @Override
                public void internalError(SiteBinding binding, Throwable error, boolean denied) {
                    throw new IllegalStateException(error);
                }
            });
            gate.activate();
            ClassInfo info = new ClassInfo("com.bench.Vault", null, Modifier.PUBLIC, List.of(),
                    List.of(new MethodInfo("open", "()V", Modifier.PUBLIC, List.of())));
            ClassPlan plan = gate.plan(info);
            vault = gate.register(info, plan, 0)[0];
            Elevations elevations = new Elevations(principals, new AuditTrail() {
                @Override
                public void record(String type, Map<String, Object> fields) {
                }

                @Override
                public void flush() {
                }

                @Override
                public void close() {
                }
            }, System::currentTimeMillis, () -> policy, false);
            gate.setElevations(elevations);
            elevations.elevate("elevated", 1, 3_600_000, "benchmark", null, "bench");
            elevations.elevate("scoped", 1, 3_600_000, "benchmark", "com.bench.Vault#open", "bench");
        }
    }

    @State(Scope.Thread)
    public static class AsPlain {
        @Setup(Level.Iteration)
        public void enter(Hypervisor h) {
            ContextCell.obtain(Context.of(h.principals.host())).set(Context.of(h.principals.agent("plain")));
        }
    }

    @State(Scope.Thread)
    public static class AsElevated {
        @Setup(Level.Iteration)
        public void enter(Hypervisor h) {
            ContextCell.obtain(Context.of(h.principals.host())).set(Context.of(h.principals.agent("elevated")));
        }
    }

    @State(Scope.Thread)
    public static class AsScoped {
        @Setup(Level.Iteration)
        public void enter(Hypervisor h) {
            ContextCell.obtain(Context.of(h.principals.host())).set(Context.of(h.principals.agent("scoped")));
        }
    }

    /** No elevation, a ring-3 method: the allowed path as before issue 15's elevation. */
    @Benchmark
    public void noElevation(Hypervisor h, AsPlain as) {
        Gate.check(0, 3);
    }

    /** During an elevation, a call the agent's own ring allows: the grant is not read. */
    @Benchmark
    public void duringElevationOwnRing(Hypervisor h, AsElevated as) {
        Gate.check(0, 3);
    }

    /** During an elevation, the ring-1 call it allows (every method). */
    @Benchmark
    public void elevatedCall(Hypervisor h, AsElevated as) {
        Gate.check(h.vault, Gate.LOOK_UP);
    }

    /** During an elevation with --only com.bench.Vault#open, the ring-1 call it allows. */
    @Benchmark
    public void elevatedCallOnly(Hypervisor h, AsScoped as) {
        Gate.check(h.vault, Gate.LOOK_UP);
    }
}
