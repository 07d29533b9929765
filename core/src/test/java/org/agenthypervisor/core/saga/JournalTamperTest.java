package org.agenthypervisor.core.saga;

import org.agenthypervisor.core.log.QuietLog;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.store.DataDirCopies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12's tamper suite for the saga journal: a journal of 24 sagas (20 completed, 4 left
 * unfinished, as a crash leaves them), then one change at a time on a fresh copy; the next start
 * (the journal opened read-write and replayed, as the engine does before recovery) must refuse it,
 * read exactly the same sagas, or hold the sagas it cannot trust (authentication failed): never
 * recover a saga that differs from what was written, never crash. Three kinds of change: a byte
 * changed (the frame CRC catches it), the file cut at a length (the high-water mark catches every
 * cut, since every record was forced), and a byte of a record changed <em>with its frame CRC
 * recomputed</em>, as a forger would (the records' MAC chain must catch it). The short form takes
 * every 16th byte and length; {@code -Dreliability.tamper.stride=1} every one.
 */
class JournalTamperTest {
    @TempDir
    Path work;

    @Test
    void everyChangeToTheJournalIsRefusedHeldOrChangesNothing() throws IOException {
        String configured = System.getProperty("reliability.tamper.stride");
        int stride = configured == null ? 16 : Integer.parseInt(configured.trim());
        Path original = work.resolve("original");
        write(original);
        String expected = summary(original);
        assertTrue(expected.contains("RUNNING") && expected.contains("COMPLETED"), expected);
        Path segment;
        try (Stream<Path> files = Files.list(SagaJournal.directory(original))) {
            segment = files.filter(p -> p.toString().endsWith(".seg")).findFirst().orElseThrow();
        }
        String name = segment.getFileName().toString();
        byte[] bytes = Files.readAllBytes(segment);
        Random random = new Random(24);
        int cases = 0;
        int refused = 0;
        int held = 0;
        int unchanged = 0;
        List<String> violations = new ArrayList<>();
        try (QuietLog quiet = QuietLog.quiet()) {
            for (int at = 0; at < bytes.length; at += stride) {
                byte[] changed = bytes.clone();
                changed[at] ^= (byte) (1 + random.nextInt(255));
                String outcome = outcome(original, name, changed, expected);
                cases++;
                switch (outcome) {
                    case "refused" -> refused++;
                    case "held" -> held++;
                    case "unchanged" -> unchanged++;
                    default -> violations.add("byte " + at + ": " + outcome);
                }
            }
            for (int length = 0; length < bytes.length; length += stride) {
                String outcome = outcome(original, name, Arrays.copyOf(bytes, length), expected);
                cases++;
                if (outcome.equals("refused")) {
                    refused++;
                } else {
                    violations.add("cut at " + length + ": " + outcome); // every record was forced
                }
            }
            // A forger: a byte of a record's payload changed and the frame's CRC recomputed.
            List<int[]> frames = frames(bytes);
            for (int[] f : frames) {
                for (int i = 0; i < f[1]; i += stride) {
                    byte[] changed = bytes.clone();
                    changed[f[0] + 12 + i] ^= (byte) (1 + random.nextInt(255));
                    fixCrc(changed, f[0], f[1]);
                    String outcome = outcome(original, name, changed, expected);
                    cases++;
                    switch (outcome) {
                        case "refused" -> refused++;
                        case "held" -> held++;
                        default -> violations.add("forged byte " + i + " of the record at " + f[0] + ": " + outcome);
                    }
                }
            }
            String deleted = outcome(original, name, null, expected);
            cases++;
            if (deleted.equals("refused")) {
                refused++;
            } else {
                violations.add("segment deleted: " + deleted);
            }
        }
        String summary = cases + " changes to a " + bytes.length + "-byte journal: " + refused + " refused at start, "
                + held + " held (authentication failed), " + unchanged + " read the same sagas, " + violations.size()
                + " recovered something else or crashed"
                + (violations.isEmpty() ? "" : ": " + violations.subList(0, Math.min(8, violations.size())));
        System.out.println("JOURNAL TAMPER SUITE (" + (stride == 1 ? "every byte" : "every " + stride + "th byte") + "): " + summary);
        assertTrue(violations.isEmpty(), summary);
        assertTrue(cases > 1000 && held > 100, summary);
    }

    private static void write(Path dataDir) throws IOException {
        byte[] args = "[1,\"acct-7\"]".getBytes(StandardCharsets.UTF_8);
        byte[] result = "true".getBytes(StandardCharsets.UTF_8);
        try (SagaJournal journal = SagaJournal.open(dataDir, Policy.Durability.FSYNC)) {
            for (int s = 1; s <= 24; s++) {
                String saga = "s" + s;
                long t = 1_000L * s;
                journal.write(JournalRecords.begin(saga, t, "transfer", "com.acme.Workflow#transfer()", "host"));
                for (int k = 1; k <= 2; k++) {
                    String step = saga + "." + k;
                    journal.write(JournalRecords.stepStarted(new JournalRecords.StepStart(saga, step, t + k,
                            "debit", "com.acme.Bank", "com.acme.Bank", "credit", "(JLjava/lang/String;)Z", false, false,
                            args, true, null, "billing", 1)));
                    journal.write(JournalRecords.stepDone(saga, step, t + k, result, true));
                }
                if (s <= 20) {
                    journal.write(JournalRecords.end(saga, t + 5, JournalRecords.COMPLETED, 0, 0));
                }
            }
        }
    }

    /** Every saga with its state and its steps' statuses, as the start would see them. */
    private static String summary(Path dataDir) throws IOException {
        try (SagaJournal journal = SagaJournal.open(dataDir, Policy.Durability.FSYNC)) {
            SagaHistory h = SagaHistory.replay(journal.recordLog(), journal.seal(), true, false);
            return describe(h);
        }
    }

    private static String describe(SagaHistory h) {
        StringBuilder b = new StringBuilder();
        for (SagaHistory.SagaView s : h.sagas()) {
            b.append(s.id()).append(' ').append(s.state()).append(' ').append(s.method()).append(' ').append(s.agent());
            for (SagaHistory.StepView st : s.steps()) {
                b.append(" [").append(st.id()).append(' ').append(st.status()).append(' ').append(st.method()).append(' ')
                        .append(st.declaringClass()).append(' ').append(st.compensationName()).append(' ')
                        .append(st.args() == null ? "-" : new String(st.args(), StandardCharsets.UTF_8)).append(']');
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** "refused", "held", "unchanged", or what went wrong. */
    private String outcome(Path original, String name, byte[] replacement, String expected) throws IOException {
        Path copy = work.resolve("case");
        DataDirCopies.deleteTree(copy);
        DataDirCopies.copyTree(original, copy);
        Path segment = SagaJournal.directory(copy).resolve(name);
        if (replacement == null) {
            Files.delete(segment);
        } else {
            Files.write(segment, replacement);
        }
        SagaHistory h;
        try (SagaJournal journal = SagaJournal.open(copy, Policy.Durability.FSYNC)) {
            h = SagaHistory.replay(journal.recordLog(), journal.seal(), true, false);
        } catch (IOException refused) {
            return "refused";
        } catch (RuntimeException crashed) {
            return "crashed: " + crashed;
        }
        if (h.tampered() || !h.unauthenticated().isEmpty()) {
            // Recovery acts on nothing it cannot trust: every unfinished saga is held.
            return h.recoverable().isEmpty() ? "held" : "tampering seen but " + h.recoverable().size() + " saga(s) recoverable";
        }
        String read = describe(h);
        return read.equals(expected) ? "unchanged" : "read other sagas:\n" + read;
    }

    /** Offset and payload length of every frame in a segment. */
    private static List<int[]> frames(byte[] seg) {
        List<int[]> out = new ArrayList<>();
        int pos = 24;
        while (pos + 12 <= seg.length) {
            int len = ((seg[pos] & 0xff) << 24) | ((seg[pos + 1] & 0xff) << 16) | ((seg[pos + 2] & 0xff) << 8) | (seg[pos + 3] & 0xff);
            out.add(new int[] {pos, len});
            pos += 12 + len;
        }
        assertEquals(seg.length, pos, "frames end where the segment does");
        return out;
    }

    /** Recomputes the payload CRC of the frame at {@code pos}: CRC32C of the length bytes then the payload. */
    private static void fixCrc(byte[] seg, int pos, int len) {
        CRC32C crc = new CRC32C();
        crc.update(seg, pos, 4);
        crc.update(seg, pos + 12, len);
        int v = (int) crc.getValue();
        seg[pos + 8] = (byte) (v >>> 24);
        seg[pos + 9] = (byte) (v >>> 16);
        seg[pos + 10] = (byte) (v >>> 8);
        seg[pos + 11] = (byte) v;
    }
}
