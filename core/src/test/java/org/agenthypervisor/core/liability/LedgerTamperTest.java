package org.agenthypervisor.core.liability;

import org.agenthypervisor.core.store.Durability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12's tamper suite for the trust ledger: a ledger of 40 slashes over five agents, then one
 * change at a time on a fresh copy (a byte changed, the segment cut at a byte, the segment
 * deleted); the next start ({@link TrustLedger#open}) must refuse it or read exactly the scores
 * the ledger held, never other scores (a slash undone, a score changed) and never crash. The short
 * form changes every 3rd byte and cuts at every 3rd length; {@code -Dreliability.tamper.stride=1}
 * every one. (Records rewritten with their CRCs recomputed are beyond this suite: the ledger is not
 * authenticated, see docs/storage.md.)
 */
class LedgerTamperTest {
    @TempDir
    Path work;

    @Test
    void everyChangeToTheLedgerIsRefusedOrChangesNoScore() throws IOException {
        String configured = System.getProperty("reliability.tamper.stride");
        int stride = configured == null ? 3 : Integer.parseInt(configured.trim());
        Path original = work.resolve("original");
        Random random = new Random(40);
        try (TrustLedger ledger = TrustLedger.open(original, Durability.FSYNC)) {
            double[] trust = {1, 1, 1, 1, 1};
            for (int i = 0; i < 40; i++) {
                int agent = random.nextInt(trust.length);
                double after = Math.max(0, trust[agent] - 0.05 - random.nextInt(10) / 100.0);
                ledger.append("slash", "violation " + i, List.of(new TrustLedger.Change("agent-" + agent, trust[agent], after, 0)),
                        1_000L + i);
                trust[agent] = after;
            }
        }
        Map<String, TrustLedger.Entry> scores = TrustLedger.read(original);
        assertEquals(5, scores.size());
        Path segment;
        try (Stream<Path> files = Files.list(TrustLedger.directory(original))) {
            segment = files.filter(p -> p.toString().endsWith(".seg")).findFirst().orElseThrow();
        }
        String name = segment.getFileName().toString();
        byte[] bytes = Files.readAllBytes(segment);
        int cases = 0;
        int refused = 0;
        int unchanged = 0;
        List<String> violations = new ArrayList<>();
        try (org.agenthypervisor.core.log.QuietLog quiet = org.agenthypervisor.core.log.QuietLog.quiet()) {
        for (int at = 0; at < bytes.length; at += stride) {
            byte[] changed = bytes.clone();
            changed[at] ^= (byte) (1 + random.nextInt(255));
            String outcome = outcome(original, name, changed, scores);
            cases++;
            if (outcome.equals("refused")) {
                refused++;
            } else if (outcome.equals("unchanged")) {
                unchanged++;
            } else {
                violations.add("byte " + at + ": " + outcome);
            }
        }
        for (int length = 0; length < bytes.length; length += stride) {
            String outcome = outcome(original, name, java.util.Arrays.copyOf(bytes, length), scores);
            cases++;
            if (outcome.equals("refused")) {
                refused++;
            } else {
                violations.add("cut at " + length + ": " + outcome); // every record was forced: no cut is a tear
            }
        }
        String deleted = outcome(original, name, null, scores);
        cases++;
        if (deleted.equals("refused")) {
            refused++;
        } else {
            violations.add("segment deleted: " + deleted);
        }
        }
        String summary = cases + " changes to a " + bytes.length + "-byte ledger: " + refused + " refused at start, " + unchanged
                + " read the same scores, " + violations.size() + " changed a score or crashed"
                + (violations.isEmpty() ? "" : ": " + violations.subList(0, Math.min(8, violations.size())));
        System.out.println("LEDGER TAMPER SUITE (" + (stride == 1 ? "every byte" : "every " + stride + "th byte") + "): " + summary);
        assertTrue(violations.isEmpty(), summary);
        assertTrue(cases > 100, summary);
    }

    /**
     * The same for {@code trust.snapshot} (written when the ledger closed): every byte changed and
     * every cut must be refused at start with a message naming the file, never read as other scores;
     * a deleted snapshot (nothing archived yet) just means a full replay, the same scores.
     */
    @Test
    void everyChangeToTheSnapshotIsRefused() throws IOException {
        Path original = work.resolve("original");
        Random random = new Random(41);
        try (TrustLedger ledger = TrustLedger.open(original, Durability.FSYNC)) {
            for (int i = 0; i < 12; i++) {
                ledger.append("slash", "violation " + i, List.of(new TrustLedger.Change("agent-" + (i % 4), 1.0,
                        i / 20.0, 0)), 1_000L + i);
            }
        }
        Map<String, TrustLedger.Entry> scores = TrustLedger.read(original);
        String name = TrustSnapshot.FILE;
        Path file = TrustLedger.directory(original).resolve(name);
        byte[] bytes = Files.readAllBytes(file);
        int cases = 0;
        List<String> violations = new ArrayList<>();
        try (org.agenthypervisor.core.log.QuietLog quiet = org.agenthypervisor.core.log.QuietLog.quiet()) {
            for (int at = 0; at < bytes.length; at++) {
                byte[] changed = bytes.clone();
                changed[at] ^= (byte) (1 + random.nextInt(255));
                String outcome = outcome(original, name, changed, scores);
                cases++;
                if (!outcome.equals("refused naming the file")) {
                    violations.add("byte " + at + ": " + outcome);
                }
            }
            for (int length = 0; length < bytes.length; length++) {
                String outcome = outcome(original, name, java.util.Arrays.copyOf(bytes, length), scores);
                cases++;
                if (!outcome.equals("refused naming the file")) {
                    violations.add("cut at " + length + ": " + outcome);
                }
            }
            String deleted = outcome(original, name, null, scores);
            if (!deleted.equals("unchanged")) {
                violations.add("snapshot deleted: " + deleted);
            }
        }
        String summary = cases + " changes to a " + bytes.length + "-byte snapshot, " + violations.size()
                + " not refused" + (violations.isEmpty() ? "" : ": " + violations.subList(0, Math.min(8, violations.size())));
        System.out.println("SNAPSHOT TAMPER SUITE: " + summary);
        assertTrue(violations.isEmpty(), summary);
    }

    /** "refused", "refused naming the file", "unchanged", or what went wrong. */
    private String outcome(Path original, String name, byte[] replacement, Map<String, TrustLedger.Entry> scores)
            throws IOException {
        Path copy = work.resolve("case");
        org.agenthypervisor.core.store.DataDirCopies.deleteTree(copy);
        org.agenthypervisor.core.store.DataDirCopies.copyTree(original, copy);
        Path segment = TrustLedger.directory(copy).resolve(name);
        if (replacement == null) {
            Files.delete(segment);
        } else {
            Files.write(segment, replacement);
        }
        try (TrustLedger ledger = TrustLedger.open(copy, Durability.FSYNC)) {
            Map<String, TrustLedger.Entry> read = TrustLedger.read(copy);
            return read.equals(scores) ? "unchanged" : "scores changed to " + read;
        } catch (IOException refused) {
            if (replacement != null && !java.util.Arrays.equals(replacement, Files.readAllBytes(segment))) {
                return "refused, but the file was rewritten";
            }
            return String.valueOf(refused.getMessage()).contains(segment.toString()) && name.equals(TrustSnapshot.FILE)
                    ? "refused naming the file" : "refused";
        } catch (RuntimeException crashed) {
            return "crashed: " + crashed;
        }
    }
}
