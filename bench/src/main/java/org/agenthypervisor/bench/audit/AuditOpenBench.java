package org.agenthypervisor.bench.audit;

import org.agenthypervisor.core.audit.AuditLog;
import org.agenthypervisor.core.audit.AuditVerifier;
import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.policy.Policy;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Issue 12: opening an audit log with a long history. Builds (once) a data directory holding N audit
 * records written by the real {@link AuditLog} (durability {@code none}, a tree head every 1,000
 * records, each a checkpoint), then opens and closes it several times and prints how long each open
 * took, how many records it hashed, and the heap used after a GC before and after. Target: under 1 s
 * with 10 million records, heap independent of the history.
 *
 * <pre>
 * java -Xmx64m -cp bench/target/benchmarks.jar org.agenthypervisor.bench.audit.AuditOpenBench DIR [RECORDS] [OPENS] [verify|retain]
 * </pre>
 * {@code retain} first archives the whole history (a 1 ms retention: one pass plants a cut, the next
 * archives below it) and then times the opens and both verifications (live, and with the archive).
 * A plain main, not JMH: the first open of a fresh JVM (what a start-up pays) is the figure that
 * matters, and building the log takes about a minute per 10 million records. {@code verify} also
 * times {@code audit verify} (which reads everything, by design).
 */
public final class AuditOpenBench {
    private AuditOpenBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: AuditOpenBench DIR [RECORDS (default 10000000)] [OPENS (default 5)] [verify]");
            System.exit(2);
        }
        Path data = Path.of(args[0]);
        long records = args.length > 1 ? Long.parseLong(args[1]) : 10_000_000L;
        int opens = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        boolean retain = args.length > 3 && args[3].equals("retain");
        boolean verify = retain || args.length > 3 && args[3].equals("verify");
        Path archive = data.resolve("audit").resolve("archive");
        Policy.AuditSettings settings = new Policy.AuditSettings(Policy.Durability.NONE, 10, 1000, 3_600_000);
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.out.printf("JVM %s, max heap %d MB%n", Runtime.version(), Runtime.getRuntime().maxMemory() >> 20);

        if (!Files.isDirectory(data.resolve("audit"))) {
            long t0 = System.nanoTime();
            try (AuditLog log = AuditLog.open(data, settings)) {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("agent", "support");
                f.put("method", "com.acme.desk.Ledger#rawSql(String)");
                f.put("requiredRing", 0);
                f.put("effectiveRing", 3);
                for (long i = 0; i < records; i++) {
                    log.record("ring.denied", f);
                    if (i % 1_000_000 == 999_999) {
                        log.flush();
                        System.out.printf("  built %,d records, %.1f s%n", i + 1, (System.nanoTime() - t0) / 1e9);
                    }
                }
            }
            System.out.printf("built %,d records in %.1f s (%,d bytes of segments)%n", records,
                    (System.nanoTime() - t0) / 1e9, size(data.resolve("audit")));
        } else {
            System.out.printf("reusing %s (%,d bytes of segments)%n", data, size(data.resolve("audit")));
        }
        KeyDirectory.openReadOnly(data.resolve("keys")); // not part of the figure: class loading of the key code
        if (retain) {
            try (AuditLog log = AuditLog.open(data, settings)) {
                for (int pass = 1; pass <= 2; pass++) {
                    Thread.sleep(5);
                    long t0 = System.nanoTime();
                    AuditLog.Retention r = log.applyRetention(1, archive);
                    System.out.printf("retention pass %d: %.1f s, %,d records archived, live log from record %,d%n", pass,
                            (System.nanoTime() - t0) / 1e9, r.archived(), r.firstIndex());
                }
            }
        }

        for (int i = 0; i < opens; i++) {
            System.gc();
            long before = memory.getHeapMemoryUsage().getUsed();
            long t0 = System.nanoTime();
            AuditLog log = AuditLog.open(data, settings);
            long openNanos = System.nanoTime() - t0;
            System.gc();
            long during = memory.getHeapMemoryUsage().getUsed();
            System.out.printf("open #%d: %.1f ms, %,d log size, hashed %,d (from the checkpoint of size %,d),"
                            + " heap used after GC %.1f MB before, %.1f MB with the log open%n", i + 1, openNanos / 1e6,
                    log.recordLog().size(), log.recordsHashedAtOpen(),
                    log.openedFrom() == null ? 0 : log.openedFrom().size(), before / 1048576.0, during / 1048576.0);
            long c0 = System.nanoTime();
            log.close();
            System.out.printf("  close: %.1f ms%n", (System.nanoTime() - c0) / 1e6);
        }
        if (verify) {
            for (Path dir : Files.isDirectory(archive) ? new Path[] {null, archive} : new Path[] {null}) {
                long t0 = System.nanoTime();
                AuditVerifier.Report r = AuditVerifier.verify(data.resolve("audit"),
                        KeyDirectory.openReadOnly(data.resolve("keys")).publicKey(AuditLog.KEY_ID).orElseThrow(), dir);
                System.out.printf("audit verify%s: %s, %,d records checked (live from %,d), %,d heads, %.1f s%n",
                        dir == null ? "" : " --archive", r.ok() ? "OK" : r.failure(), r.recordsChecked(), r.cut(), r.heads(),
                        (System.nanoTime() - t0) / 1e9);
            }
        }
    }

    static long size(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".seg")).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
