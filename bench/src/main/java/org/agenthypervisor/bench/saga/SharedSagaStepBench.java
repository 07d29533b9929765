package org.agenthypervisor.bench.saga;

import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.saga.JournalRecords;
import org.agenthypervisor.core.saga.SagaJournal;
import org.agenthypervisor.core.saga.SagaLog;
import org.agenthypervisor.core.store.postgres.PostgresStore;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A saga step through the engine's journal seam ({@link SagaLog}), one thread: {@code step} writes
 * what the engine writes for a step that returns (step.started, durable before the body, then
 * step.done), {@code stepStarted} the intent record alone. {@code storage=postgres} is the shared
 * journal (each record one fenced statement and its commit; needs
 * {@code -Dbench.postgres.url=jdbc:postgresql://host:port/db}, user {@code postgres}, a fresh schema
 * per trial); {@code fsync} is the file journal in {@code saga.durability: fsync} (its own force per
 * record: the same promise), beside it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class SharedSagaStepBench {
    @Param({"postgres", "fsync"})
    public String storage;

    private PostgresStore store;
    private Path dir;
    private SagaLog journal;
    private String saga;
    private long sagas;
    private long n;
    private final Object[] args = {"acct-42", 1250L};

    @Setup(Level.Iteration)
    public void open() throws IOException {
        if (storage.equals("postgres")) {
            String url = System.getProperty("bench.postgres.url");
            if (url == null) {
                throw new IllegalStateException("storage=postgres needs -Dbench.postgres.url=jdbc:postgresql://...");
            }
            store = PostgresStore.open(new Policy.PostgresStoreSpec(url, "postgres", null,
                    "bench_" + Long.toHexString(System.nanoTime()), 1, Policy.OnUnavailable.FAIL,
                    new Policy.Location("bench", 1, 1)), Map.of());
            // A lease longer than an iteration: nothing renews it here.
            journal = store.sagaLog(120_000);
        } else {
            dir = JournalDirs.fresh("shared-saga-bench");
            journal = SagaJournal.open(dir, Policy.Durability.FSYNC);
        }
        saga = "s" + (++sagas);
        journal.write(JournalRecords.begin(saga, System.currentTimeMillis(), "bench", "Bench#run()", "host"));
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException {
        journal.close();
        if (store != null) {
            store.close();
        }
        if (dir != null) {
            JournalDirs.delete(dir);
        }
    }

    @Benchmark
    public void step() throws IOException {
        String step = saga + "." + (++n);
        Steps.started(journal, saga, step, args);
        Steps.done(journal, saga, step, null);
    }

    @Benchmark
    public void stepStarted() throws IOException {
        Steps.started(journal, saga, saga + "." + (++n), args);
    }
}
