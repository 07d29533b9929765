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
 * The host submitting to a {@code ThreadPoolExecutor}: since a worker must tell a task that came
 * through {@code execute} from one put straight into the queue, the host's tasks are wrapped too
 * (one small allocation). Same set-up as {@link PropagationBenchmark}, without the agent context.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@State(Scope.Thread)
public class HostPropagationBenchmark {
    private ThreadPoolExecutor executor;
    private Blackhole blackhole;
    private final Runnable task = () -> blackhole.consume(Thread.currentThread());

    @Setup(Level.Trial)
    public void setUp(Blackhole blackhole) {
        this.blackhole = blackhole;
        executor = new ThreadPoolExecutor(1, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), (r, e) -> r.run());
        executor.shutdown();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        executor.shutdownNow();
    }

    @Benchmark
    @Fork(value = 3, jvmArgsAppend = RingCheckBenchmark.AGENT)
    public void hostExecuteUnderAgent() {
        executor.execute(task);
    }

    @Benchmark
    @Fork(3)
    public void hostExecuteWithoutAgent() {
        executor.execute(task);
    }
}
