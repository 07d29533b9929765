package org.agenthypervisor.bench.audit;

import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.store.postgres.PostgresStore;
import org.agenthypervisor.core.store.postgres.SharedAuditLog;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Issue 13: the shared audit log on PostgreSQL ({@link SharedAuditLog}). {@code oneRecordCommitted}:
 * one record under {@code audit.durability: fsync}, the caller waiting until the transaction holding
 * it committed (lock the tree row, insert, update the row, commit), alone. {@code batchedThroughput}:
 * {@value #BATCH} records queued under {@code batch}, then a flush, so the score is records per second
 * committed (group commit, up to 4,096 records a transaction, a head every 1,000). Needs
 * {@code -jvmArgsAppend -Dbench.postgres.url=jdbc:postgresql://...} (user postgres, no password); each
 * trial uses a fresh schema unless {@code -Dbench.postgres.schema=NAME} names one, which lets several
 * benchmark processes write one log at once (the throughput of N JVMs is the sum of their scores).
 */
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class SharedAuditAppendBench {
    static final int BATCH = 10_000;

    private PostgresStore store;
    private SharedAuditLog fsync;
    private SharedAuditLog batch;
    private Path keys;
    private final Map<String, Object> fields = new LinkedHashMap<>();

    @Setup(Level.Trial)
    public void open() throws Exception {
        String url = System.getProperty("bench.postgres.url");
        if (url == null) {
            throw new IllegalStateException("needs -Dbench.postgres.url=jdbc:postgresql://...");
        }
        String schema = System.getProperty("bench.postgres.schema", "bench_audit_" + Long.toHexString(System.nanoTime()));
        store = PostgresStore.open(new Policy.PostgresStoreSpec(url, "postgres", null, schema, 1, Policy.OnUnavailable.FAIL,
                new Policy.Location("bench", 1, 1)), Map.of());
        keys = Files.createTempDirectory("shared-audit-bench-keys");
        fsync = store.audit(keys, new Policy.AuditSettings(Policy.Durability.FSYNC, 10, 1_000, 5_000));
        batch = store.audit(keys, new Policy.AuditSettings(Policy.Durability.BATCH, 10, 1_000, 5_000));
        // The same typical record as AuditAppendBench.
        fields.put("agent", "billing");
        fields.put("method", "com.acme.Billing#refund(String,long)");
        fields.put("session", "4b1d7c2e-3f5a-4c8e-9d21-7a6b5c4d3e2f");
        fields.put("digest", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
        fields.put("version", 3L);
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        fsync.close();
        batch.close();
        store.close();
        try (Stream<Path> s = Files.walk(keys)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void oneRecordCommitted() {
        fsync.record("bench.event", fields);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public void batchedThroughput() {
        for (int i = 0; i < BATCH; i++) {
            batch.record("bench.event", fields);
        }
        batch.flush();
    }
}
