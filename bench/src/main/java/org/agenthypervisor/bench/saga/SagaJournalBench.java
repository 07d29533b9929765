package org.agenthypervisor.bench.saga;

import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.saga.SagaJournal;
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
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The cost of journaling a step, one thread, per durability mode: {@code step} is what the engine
 * writes for a step that returns (step.started, durable before the body, then step.done), and
 * {@code stepStarted} the durable intent record alone (the write that sits between a call and its
 * body). Compare {@code fsync} with {@link BareForceBench} from the same run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class SagaJournalBench {
    @Param({"none", "batch", "fsync"})
    public String durability;

    private Path dir;
    private SagaJournal journal;
    private long n;
    private final Object[] args = {"acct-42", 1250L};

    @Setup(Level.Iteration)
    public void open() throws IOException {
        dir = JournalDirs.fresh("saga-bench");
        journal = SagaJournal.open(dir, Policy.Durability.valueOf(durability.toUpperCase()));
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException {
        journal.close();
        JournalDirs.delete(dir);
    }

    @Benchmark
    public void step() throws IOException {
        String step = "s1." + (++n);
        Steps.started(journal, "s1", step, args);
        Steps.done(journal, "s1", step, null);
    }

    @Benchmark
    public void stepStarted() throws IOException {
        Steps.started(journal, "s1", "s1." + (++n), args);
    }
}
