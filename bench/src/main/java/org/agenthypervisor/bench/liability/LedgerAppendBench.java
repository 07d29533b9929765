package org.agenthypervisor.bench.liability;

import org.agenthypervisor.core.liability.TrustLedger;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.store.Durability;
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

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One trust-ledger record made durable, as every slash and operator change makes one before it takes
 * effect: in the files (one fsync, group commit) or in the shared store on PostgreSQL (one
 * transaction: advisory lock, insert, {@code pg_notify}, commit with the WAL flushed). With
 * {@code storage=postgres} give {@code -jvmArgsAppend -Dbench.postgres.url=jdbc:postgresql://...}
 * (user postgres, no password; a fresh schema per trial).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class LedgerAppendBench {
    @Param({"tmpfs", "disk"})
    public String storage;

    private Path dir;
    private PostgresStore store;
    private TrustLedger ledger;
    private double score;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        if (storage.equals("postgres")) {
            String url = System.getProperty("bench.postgres.url");
            if (url == null) {
                throw new IllegalStateException("storage=postgres needs -Dbench.postgres.url=jdbc:postgresql://...");
            }
            store = PostgresStore.open(new Policy.PostgresStoreSpec(url, "postgres", null,
                    "bench_" + Long.toHexString(System.nanoTime()), 1, Policy.OnUnavailable.FAIL,
                    new Policy.Location("bench", 1, 1)), Map.of());
            ledger = TrustLedger.openShared(store.log(TrustLedger.NAME));
        } else {
            Path base = storage.equals("tmpfs") && Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm")
                    : Path.of(System.getProperty("java.io.tmpdir"));
            dir = Files.createTempDirectory(base, "ah-ledger-append");
            ledger = TrustLedger.open(dir, Durability.BATCH);
        }
    }

    @Benchmark
    public long append() throws Exception {
        double before = score;
        score = score >= 0.9 ? 0.1 : score + 0.1;
        return ledger.append("set", "bench", List.of(new TrustLedger.Change("teller", before, score, 0)),
                System.currentTimeMillis());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        ledger.close();
        if (store != null) {
            store.close();
        }
    }
}
