package org.agenthypervisor.bench.rings;

import org.agenthypervisor.api.RingViolationException;
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

import java.util.concurrent.TimeUnit;

/**
 * The denied path: a ring-3 agent calling a {@code @Ring(0)} method, over and over. Includes
 * building the exception, the audit record (queued), the rate-limited log line and the anomaly.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 3, jvmArgsAppend = RingCheckBenchmark.AGENT)
@State(Scope.Thread)
public class DeniedCallBenchmark {
    private final Target target = new Target();

    @Setup(Level.Iteration) // each JMH iteration is a pool task that starts in the host's context
    public void enter() {
        if (!Contexts.runAs("bench-user")) {
            throw new IllegalStateException("run with the agent attached");
        }
    }

    @Benchmark
    public Object denied() {
        try {
            return target.kernel(1);
        } catch (RingViolationException expected) {
            return expected;
        }
    }
}
