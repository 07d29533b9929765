package org.agenthypervisor.core.audit;

import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.store.LogCursor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.agenthypervisor.core.crypto.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12's tamper suite for the audit log: a cleanly closed log of a few hundred records, then
 * one change at a time (a byte changed, the file cut at a byte, a segment deleted), each on a fresh
 * copy; {@code audit verify} (the verifier with its default coverage) must refuse every one, and
 * the next start must refuse to open or report it, never throw anything but an I/O error with a
 * message (no stack trace for the user). The short form spreads about 1,300 changes and cuts over
 * the two segments (every record boundary cut, and a byte either side);
 * {@code -Dreliability.tamper.stride=N} changes every Nth byte of the records and every byte of the
 * tree heads (1: every byte of both) and prints the counts {@code docs/reliability.md} records.
 */
class AuditTamperTest {
    private static final Policy.AuditSettings EVERY_50 = new Policy.AuditSettings(Policy.Durability.BATCH, 10, 50, 3_600_000);
    private static final int RECORDS = 300;
    private static final AuditVerifier.Coverage STRICT = new AuditVerifier.Coverage(false, 0);

    @TempDir
    Path work;

    /** How the verifier and the next start took the changes. */
    private static final class Tally {
        int cases;
        int verifyDetected;
        int verifyUndetected;
        int verifyCrashed;
        int startRefused;
        int startReported;
        int startSilent;
        int startSilentLikeACrash;
        int verifyMissedWithinTheDefaultBound;
        int startCrashed;
        final List<String> misses = new ArrayList<>();

        @Override
        public String toString() {
            return cases + " changes: audit verify detected " + verifyDetected + ", missed " + verifyUndetected + ", crashed "
                    + verifyCrashed + "; the next start refused " + startRefused + ", reported " + startReported
                    + ", said nothing " + startSilent + " (and " + startSilentLikeACrash + " times for a cut at a record"
                    + " boundary, which a crash before that write leaves too), crashed " + startCrashed + "; without --strict,"
                    + " verify accepts " + verifyMissedWithinTheDefaultBound + " of them (trailing tree heads removed, within"
                    + " the bound a crash can leave)"
                    + (misses.isEmpty() ? "" : "; first misses: " + misses.subList(0, Math.min(8, misses.size())));
        }
    }

    @Test
    void everyChangeToAClosedLogIsRefusedByVerifyAndSeenByTheNextStart() throws IOException {
        // reliability.tamper.stride=N changes every Nth byte of the records (1: every byte); the short form
        // spreads about 400 changes and 150 cuts over each segment. The tree-head log is small: every byte, always
        // in the long form, every 3rd in the short one.
        String configured = System.getProperty("reliability.tamper.stride");
        boolean exhaustive = configured != null && Integer.parseInt(configured.trim()) == 1;
        Path original = work.resolve("original");
        write(original);
        PublicKey key = KeyDirectory.openReadOnly(original.resolve("keys")).publicKey(AuditLog.KEY_ID).orElseThrow();
        AuditVerifier.Report clean = AuditVerifier.verify(original.resolve("audit"), key);
        assertTrue(clean.ok() && AuditVerifier.Coverage.defaults().refusal(clean) == null, "the untouched log verifies");
        assertEquals(RECORDS, clean.records());

        Tally tally = new Tally();
        Random random = new Random(12);
        try (org.agenthypervisor.core.log.QuietLog quiet = org.agenthypervisor.core.log.QuietLog.quiet()) {
        for (Path segment : segments(original)) {
            String name = segment.getFileName().toString();
            byte[] bytes = Files.readAllBytes(segment);
            int stride = configured != null ? (name.startsWith("heads-") ? 1 : Integer.parseInt(configured.trim()))
                    : Math.max(1, bytes.length / (name.startsWith("heads-") ? 700 : 400));
            int cutStride = configured != null ? stride : Math.max(1, bytes.length / 150);
            for (int at = random.nextInt(stride); at < bytes.length; at += stride) {
                byte[] changed = bytes.clone();
                changed[at] ^= (byte) (1 + random.nextInt(255));
                check(original, name, changed, key, tally, name + " byte " + at, false);
            }
            java.util.Set<Long> boundaries = new java.util.HashSet<>(Frames.offsets(bytes));
            java.util.Set<Integer> cuts = new java.util.TreeSet<>();
            for (int length = random.nextInt(cutStride); length < bytes.length; length += cutStride) {
                cuts.add(length);
            }
            for (long boundary : boundaries) {
                cuts.add((int) boundary); // a cut at each record boundary, and one byte either side
                cuts.add((int) Math.max(0, boundary - 1));
                cuts.add((int) Math.min(bytes.length - 1, boundary + 1));
            }
            cuts.removeIf(length -> length >= bytes.length); // the last "boundary" is the end: no cut at all
            for (int length : cuts) {
                check(original, name, java.util.Arrays.copyOf(bytes, length), key, tally, name + " cut at " + length,
                        boundaries.contains((long) length));
            }
            check(original, name, null, key, tally, name + " deleted", name.startsWith("heads-"));
        }
        }
        System.out.println("AUDIT TAMPER SUITE (" + (exhaustive ? "every byte" : configured != null ? "every " + configured
                + "th byte of the records, every byte of the heads" : "short form") + "): " + tally);
        assertEquals(0, tally.verifyUndetected, tally::toString);
        assertEquals(0, tally.verifyCrashed, tally::toString);
        assertEquals(0, tally.startCrashed, tally::toString);
        assertEquals(0, tally.startSilent, tally::toString);
        assertTrue(tally.cases > 500, tally::toString);
    }

    /** A log of {@value #RECORDS} records, a tree head every 50, closed cleanly (a last head covers all). */
    private static void write(Path dataDir) throws IOException {
        try (AuditLog log = AuditLog.open(dataDir, EVERY_50)) {
            for (int i = 0; i < RECORDS; i++) {
                Map<String, Object> fields = new LinkedHashMap<>();
                fields.put("n", i);
                fields.put("agent", "agent-" + (i % 7));
                log.record("test.event", fields);
                if (i % 10 == 9) {
                    log.flush();
                }
            }
        }
    }

    private static List<Path> segments(Path dataDir) throws IOException {
        try (Stream<Path> files = Files.list(dataDir.resolve("audit"))) {
            return files.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
        }
    }

    /**
     * One change on a fresh copy: {@code replacement} for the segment {@code name}, or null to delete it.
     * {@code likeACrash}: the change leaves what a crash before some write leaves (a cut at a record
     * boundary, no tree-head log yet): the next start cannot tell, only {@code audit verify --strict} can.
     */
    private void check(Path original, String name, byte[] replacement, PublicKey key, Tally tally, String what,
                       boolean likeACrash) throws IOException {
        tally.cases++;
        Path copy = work.resolve("case");
        org.agenthypervisor.core.store.DataDirCopies.deleteTree(copy);
        org.agenthypervisor.core.store.DataDirCopies.copyTree(original, copy);
        Path segment = copy.resolve("audit").resolve(name);
        if (replacement == null) {
            Files.delete(segment);
        } else {
            Files.write(segment, replacement);
        }
        try {
            AuditVerifier.Report report = AuditVerifier.verify(copy.resolve("audit"), key);
            // The log was closed cleanly, so it is verified as an operator verifies a stopped JVM's log: --strict.
            if (!report.ok() || STRICT.refusal(report) != null) {
                tally.verifyDetected++;
                if (report.ok() && AuditVerifier.Coverage.defaults().refusal(report) == null) {
                    tally.verifyMissedWithinTheDefaultBound++;
                }
            } else {
                tally.verifyUndetected++;
                tally.misses.add("verify: " + what);
            }
        } catch (IOException refused) {
            tally.verifyDetected++; // a damaged frame, reported with its file and offset
        } catch (RuntimeException crashed) {
            tally.verifyCrashed++;
            tally.misses.add("verify crashed on " + what + ": " + crashed);
        }
        try {
            long before = countRecords(copy);
            try (AuditLog reopened = AuditLog.open(copy, EVERY_50)) {
                reopened.flush();
            }
            if (countRecords(copy) > before) {
                tally.startReported++; // the start appended what it found (a cut tail, a head mismatch, missing records)
            } else if (likeACrash) {
                tally.startSilentLikeACrash++;
            } else {
                tally.startSilent++;
                tally.misses.add("start: " + what);
            }
        } catch (IOException refused) {
            tally.startRefused++;
        } catch (RuntimeException crashed) {
            tally.startCrashed++;
            tally.misses.add("start crashed on " + what + ": " + crashed);
        }
    }

    /** Records in the (possibly damaged) log, or -1 when it cannot be read. */
    private static long countRecords(Path dataDir) {
        try (org.agenthypervisor.core.store.RecordLog log = org.agenthypervisor.core.store.RecordLog.open(
                dataDir.resolve("audit"), AuditLog.RECORDS, org.agenthypervisor.core.store.RecordLog.Options.defaults()
                        .withReadOnly(true)); LogCursor cursor = log.read(0)) {
            long n = 0;
            while (cursor.hasNext()) {
                cursor.next();
                n++;
            }
            return n;
        } catch (IOException | RuntimeException unreadable) {
            return -1;
        }
    }
}
