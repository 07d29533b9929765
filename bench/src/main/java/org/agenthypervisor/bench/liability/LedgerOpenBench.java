package org.agenthypervisor.bench.liability;

import org.agenthypervisor.core.liability.TrustLedger;
import org.agenthypervisor.core.store.Durability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Issue 12: how long opening the trust ledger takes with 1,000,000 records of history, without a
 * snapshot (every record replayed), with one (records checked by the log, none parsed), and after
 * retention moved the history to {@code trust/archive} (snapshot only). A plain main, not JMH: each
 * figure is one cold-ish open of a large directory, not a hot loop.
 *
 * <pre>java -cp bench/target/benchmarks.jar org.agenthypervisor.bench.liability.LedgerOpenBench [records] [dir]</pre>
 * Defaults: 1,000,000 records in a fresh directory under /dev/shm (or the temp dir); 5 opens per
 * case, median reported.
 */
public final class LedgerOpenBench {
    private static final int AGENTS = 50;
    private static final int RUNS = 5;

    private LedgerOpenBench() {
    }

    public static void main(String[] args) throws IOException {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path base = args.length > 1 ? Path.of(args[1])
                : Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
        Path data = Files.createTempDirectory(base, "ledger-open-bench");
        try {
            long t0 = System.nanoTime();
            long start = 1_600_000_000_000L; // 2020: older than any retention used below
            try (TrustLedger ledger = TrustLedger.open(data, Durability.NONE)) {
                double[] trust = new double[AGENTS];
                java.util.Arrays.fill(trust, 1.0);
                for (int i = 0; i < records; i++) {
                    int a = i % AGENTS;
                    double after = trust[a] > 0.1 ? Math.round((trust[a] - 0.01) * 10_000) / 10_000.0 : 1.0;
                    ledger.append("slash", "ring violation: agent 'agent-" + a + "' (effective ring 2) called"
                                    + " com.acme.Kernel#wipe(String), which requires ring 0",
                            List.of(new TrustLedger.Change("agent-" + a, trust[a], after, 0)), start + i);
                    trust[a] = after;
                }
            }
            Path dir = TrustLedger.directory(data);
            System.out.printf("built %,d records (%,d bytes of segments) in %.1f s in %s%n", records, segmentBytes(dir),
                    (System.nanoTime() - t0) / 1e9, dir);
            Path snapshot = dir.resolve("trust.snapshot");
            byte[] snap = Files.readAllBytes(snapshot);

            Files.delete(snapshot);
            Map<String, TrustLedger.Entry> full = null;
            double none = median(data, "no snapshot (full replay)", false);
            try (TrustLedger check = TrustLedger.open(data, Durability.BATCH)) {
                full = check.entries(); // the close rewrites the same snapshot
            }
            Files.write(snapshot, snap);
            double with = median(data, "snapshot, history in the live ledger", true);
            try (TrustLedger ledger = TrustLedger.open(data, Durability.BATCH)) {
                if (!ledger.entries().equals(full)) {
                    throw new AssertionError("the snapshot's scores differ from the full replay's");
                }
                long t = System.nanoTime();
                long retired = ledger.applyRetention(24L * 3600 * 1000, false, System.currentTimeMillis());
                System.out.printf("retention archived %,d records in %.1f s%n", retired, (System.nanoTime() - t) / 1e9);
            }
            double archived = median(data, "snapshot, history archived", true);
            System.out.printf("LEDGER OPEN (%,d records, %d agents): no snapshot %.1f ms, snapshot %.1f ms, snapshot + archive"
                    + " %.2f ms%n", records, AGENTS, none, with, archived);
        } finally {
            deleteTree(data);
        }
    }

    /** Median time of {@link #RUNS} read-write opens and closes, in ms. */
    private static double median(Path data, String label, boolean expectSnapshot) throws IOException {
        List<Double> ms = new ArrayList<>();
        long replayed = -1;
        for (int i = 0; i < RUNS; i++) {
            long t = System.nanoTime();
            try (TrustLedger ledger = TrustLedger.open(data, Durability.BATCH)) {
                replayed = ledger.replayedAtOpen();
                ms.add((System.nanoTime() - t) / 1e6);
            }
            if (!expectSnapshot) {
                Files.deleteIfExists(TrustLedger.directory(data).resolve("trust.snapshot")); // the close wrote one
            }
        }
        Collections.sort(ms);
        double median = ms.get(RUNS / 2);
        System.out.printf("%-40s median %9.2f ms of %s (records replayed: %,d)%n", label, median, ms, replayed);
        return median;
    }

    private static long segmentBytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".seg")).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
