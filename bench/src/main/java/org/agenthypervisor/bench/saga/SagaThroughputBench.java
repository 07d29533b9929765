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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Steps per second (started + done records each) with two threads sharing one journal in batch mode. */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(2)
@State(Scope.Benchmark)
public class SagaThroughputBench {
    private Path dir;
    private SagaJournal journal;
    private final AtomicLong steps = new AtomicLong();
    private final Object[] args = {"acct-42", 1250L};

    @Setup(Level.Iteration)
    public void open() throws IOException {
        dir = JournalDirs.fresh("saga-bench");
        journal = SagaJournal.open(dir, Policy.Durability.BATCH);
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException {
        journal.close();
        JournalDirs.delete(dir);
    }

    @Benchmark
    public void batchStep() throws IOException {
        String step = "s1." + steps.incrementAndGet();
        Steps.started(journal, "s1", step, args);
        Steps.done(journal, "s1", step, null);
    }
}
