package org.agenthypervisor.bench.liability;

import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.liability.Chain;
import org.agenthypervisor.core.liability.LiabilityEngine;
import org.agenthypervisor.core.liability.Slashing;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Slashing a chain of ten agents: {@link #slashChainOf10} is a whole anomaly through the engine
 * ({@code reportAnomaly} by an eleventh agent holding a payload vouched by ten others at distances
 * 1..10): plan, one trust-ledger record made durable, ten {@code Principals.setTrust} (each
 * recomputes the effective ring), eleven audit records, the flight events and one log line.
 * {@link #planChainOf10} is the arithmetic alone.
 *
 * <p>The ledger forces each anomaly's record to the device before the scores change (SPEC: durable
 * before effect), so on a real disk the figure is dominated by one fsync; {@code storage=tmpfs}
 * (/dev/shm) shows the hypervisor's own cost. Scores reach the floor after a few iterations; the
 * work per anomaly is the same whether or not a score still moves.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1)
public class SlashBench {
    private static final List<String> NAMES = java.util.stream.IntStream.range(0, 16).mapToObj(i -> "agent" + i).toList();

    @State(Scope.Thread)
    public static class Anomalies {
        /** tmpfs: /dev/shm (fsync nearly free); disk: java.io.tmpdir. */
        @Param({"tmpfs", "disk"})
        public String storage;

        /** log: the real audit log; none: no audit trail (the engine's own cost). */
        @Param({"none", "log"})
        public String audit;

        LiabilityFixture fixture;
        LiabilityEngine engine;
        Context reporter;
        Chain chain;
        Principals principals;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            StringBuilder agents = new StringBuilder("agents:\n");
            for (int i = 0; i <= 10; i++) {
                agents.append("  agent").append(i).append(":\n    ring: 2\n");
            }
            fixture = new LiabilityFixture(agents + "audit:\n  durability: none\n", audit, storage);
            principals = fixture.runtime.principals();
            engine = fixture.runtime.liability();
            Chain c = Chain.EMPTY;
            for (int i = 10; i >= 1; i--) {
                c = c.handedBy(principals.agent("agent" + i).index(), "v" + i);
            }
            chain = c;
            Principal holder = principals.agent("agent0");
            reporter = Context.of(holder).withChain(chain);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            fixture.close();
        }
    }

    /** The arithmetic alone: a chain of ten at distances 1..10, scores 0.9. */
    @State(Scope.Thread)
    public static class Plans {
        Chain chain;
        Slashing.Params params = new Slashing.Params(0.5, 0.05, 0.5, 0);
        double[] trust = new double[16];

        @Setup(Level.Trial)
        public void setUp() {
            Chain c = Chain.EMPTY;
            for (int i = 10; i >= 1; i--) {
                c = c.handedBy(i, "v" + i);
            }
            chain = c;
            java.util.Arrays.fill(trust, 0.9);
        }
    }

    @Benchmark
    public void slashChainOf10(Anomalies a) {
        a.engine.reportAnomaly(a.reporter, "benchmark", 0.5);
    }

    @Benchmark
    public List<Slashing.Slash> planChainOf10(Plans p) {
        return Slashing.plan(-1, 0, p.chain, -1, 0, p.params, i -> p.trust[i], NAMES::get);
    }
}
