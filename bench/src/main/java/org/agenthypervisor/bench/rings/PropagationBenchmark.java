package org.agenthypervisor.bench.rings;

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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A task handed to a {@code ThreadPoolExecutor} by an agent: with the agent attached the task is
 * wrapped at {@code execute} and runs in the agent's context. The executor is shut down and its
 * rejection handler runs the task on the calling thread, so the measurement is the submission
 * path (advice, wrapping, context switch and restore) without a thread hand-over's noise.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@State(Scope.Thread)
public class PropagationBenchmark {
    private ThreadPoolExecutor executor;
    private Blackhole blackhole;
    private final Runnable task = () -> blackhole.consume(Thread.currentThread());

    @Setup(Level.Trial)
    public void setUp(Blackhole blackhole) {
        this.blackhole = blackhole;
        executor = new ThreadPoolExecutor(1, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), (r, e) -> r.run());
        executor.shutdown();
    }

    @Setup(Level.Iteration) // each JMH iteration is a pool task that starts in the host's context
    public void enter() {
        Contexts.runAs("bench-user");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        executor.shutdownNow();
    }

    @Benchmark
    @Fork(value = 3, jvmArgsAppend = RingCheckBenchmark.AGENT)
    public void executeUnderAgent() {
        executor.execute(task);
    }

    @Benchmark
    @Fork(3)
    public void executeWithoutAgent() {
        executor.execute(task);
    }
}
