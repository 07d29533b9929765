package org.agenthypervisor.bench.audit;

import org.agenthypervisor.core.audit.AuditLog;
import org.agenthypervisor.core.policy.Policy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Issue 5: append-and-hash throughput of the audit log, end to end: records queued by the caller,
 * framed, written, hashed into the Merkle tree and forced by the writer thread (group commit with a
 * bounded delay, {@code audit.flushInterval} 10 ms), with a signed tree head every 1,000 records.
 * Each invocation queues {@value #BATCH} records and waits until they are durable, so the score is
 * records per second actually on disk and in the tree, not queue insertions. Target: at least 200,000
 * records/s with {@code batch}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class AuditAppendBench {
    static final int BATCH = 10_000;

    @Param({"BATCH", "NONE"})
    public Policy.Durability durability;

    Path dir;
    AuditLog audit;
    final Map<String, Object> fields = new LinkedHashMap<>();

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory("audit-bench");
        audit = AuditLog.open(dir, new Policy.AuditSettings(durability, 10, 1_000, 5_000));
        // A typical record: a hand-off or a delta carries a handful of short fields.
        fields.put("agent", "billing");
        fields.put("method", "com.acme.Billing#refund(String,long)");
        fields.put("session", "4b1d7c2e-3f5a-4c8e-9d21-7a6b5c4d3e2f");
        fields.put("digest", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
        fields.put("version", 3L);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        audit.close();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void appendAndHash() {
        for (int i = 0; i < BATCH; i++) {
            audit.record("bench.event", fields);
        }
        audit.flush();
    }
}
