package org.agenthypervisor.bench.ratelimit;

import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.ContextCell;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.gate.Gate;
import org.agenthypervisor.core.gate.GateListener;
import org.agenthypervisor.core.gate.GateRuntime;
import org.agenthypervisor.core.gate.SiteBinding;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.PolicyParser;
import org.agenthypervisor.core.ratelimit.RateLimits;
import org.agenthypervisor.core.ratelimit.TokenBucket;
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

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The ring check's allowed path ({@code Gate.check}, what the woven advice of a method with a ring
 * requirement calls) for a ring-3 agent with no rate limit and with a limit it never reaches
 * (10^9 calls a second), and the host; plus the token bucket alone. In-process, without the javaagent:
 * since issue 9 a benchmark thread cannot enter an agent's context under the real agent (see
 * RingCheckBenchmark), so the gate is built here from core, the way the runtime builds it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
public class RateLimitBenchmark {
    static final String POLICY = """
            version: 1
            dataDir: target/bench-data
            agents:
              plain:
                ring: 3
              limited:
                ring: 3
                rate:
                  calls: {rate: 1000000000/s, burst: 1000000}
            """;

    @State(Scope.Benchmark)
    public static class Hypervisor {
        Principals principals;

        @Setup
        public void start() throws Exception {
            Policy policy = PolicyParser.parse(POLICY, "bench");
            principals = new Principals(policy);
            GateRuntime gate = new GateRuntime(policy, principals, new GateListener() {
                @Override
                public void ringViolation(RingDenial denial, boolean enforced, SiteBinding binding) {
                    throw new IllegalStateException("the benchmark must stay on the allowed path: " + denial);
                }

                @Override
                public void internalError(SiteBinding binding, Throwable error, boolean denied) {
                    throw new IllegalStateException(error);
                }
            });
            gate.activate();
            principals.useRateLimits(new RateLimits(policy, new AuditTrail() {
                @Override
                public void record(String type, Map<String, Object> fields) {
                    throw new IllegalStateException("the limit must not be reached: " + fields);
                }

                @Override
                public void flush() {
                }

                @Override
                public void close() {
                }
            }));
            if (principals.agent("limited").rateLimits() == null || principals.agent("plain").rateLimits() != null) {
                throw new IllegalStateException("the policy's limits were not applied");
            }
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
    public static class AsLimited {
        @Setup(Level.Iteration)
        public void enter(Hypervisor h) {
            ContextCell.obtain(Context.of(h.principals.host())).set(Context.of(h.principals.agent("limited")));
        }
    }

    @State(Scope.Thread)
    public static class Bucket {
        final TokenBucket bucket = new TokenBucket(1e9, 1_000_000);
    }

    @Benchmark
    public void checkNoLimit(Hypervisor h, AsPlain as) {
        Gate.check(0, 3);
    }

    @Benchmark
    public void checkLimitNotReached(Hypervisor h, AsLimited as) {
        Gate.check(0, 3);
    }

    @Benchmark
    public boolean bucketAlone(Bucket b) {
        return b.bucket.tryAcquire();
    }

    @Benchmark
    public long nanoTime() {
        return System.nanoTime();
    }
}
