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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 12: the trust ledger's retention: old segments leave the live log, the history stays complete. */
class TrustRetentionTest {
    private static final long DAY = 24L * 3600 * 1000;

    @TempDir
    Path data;

    private static void slash(TrustLedger ledger, String agent, double after, long time) throws IOException {
        ledger.append("slash", "violation at " + time, List.of(new TrustLedger.Change(agent, 1.0, after, 1)), time);
    }

    private List<TrustLedger.Event> history(TrustLedger.HistoryReport[] report) throws IOException {
        List<TrustLedger.Event> events = new ArrayList<>();
        report[0] = TrustLedger.history(data, events::add);
        return events;
    }

    @Test
    void oldSegmentsAreArchivedAndTheHistoryStaysComplete() throws IOException {
        Map<String, TrustLedger.Entry> scores;
        try (TrustLedger ledger = TrustLedger.open(data, Durability.BATCH)) {
            for (int i = 0; i < 5; i++) {
                slash(ledger, "agent-" + (i % 2), 0.5 - i / 10.0, 10 * DAY + i);
            }
            slash(ledger, "agent-2", 0.5, 20 * DAY);
            // Day 30 with 15 days' retention: the segment is sealed (its first record, of day 10, is
            // old enough) but not retired (its last, of day 20, is not).
            assertEquals(0, ledger.applyRetention(15 * DAY, false, 30 * DAY));
            slash(ledger, "agent-2", 0.25, 30 * DAY);
            // Day 41: the sealed segment's last record is 21 days old; the current one's is 11.
            assertEquals(6, ledger.applyRetention(15 * DAY, false, 41 * DAY));
            assertEquals(7, ledger.snapshotCovers());
            slash(ledger, "agent-0", 0.0, 42 * DAY);
            scores = ledger.entries();
        }
        Path archive = TrustLedger.directory(data).resolve(TrustLedger.ARCHIVE);
        assertTrue(Files.isDirectory(archive));
        try (TrustLedger ledger = TrustLedger.open(data, Durability.BATCH)) {
            assertEquals(scores, ledger.entries(), "the archived slashes still count");
            assertEquals(0, ledger.replayedAtOpen());
            assertEquals(8, ledger.size());
        }
        assertEquals(scores, TrustLedger.read(data));
        TrustLedger.HistoryReport[] report = new TrustLedger.HistoryReport[1];
        List<TrustLedger.Event> events = history(report);
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L), events.stream().map(TrustLedger.Event::index).toList());
        assertEquals(6, report[0].archived());
        assertEquals(0, report[0].firstKept());
        assertEquals(List.of(), report[0].notes());
        assertEquals("agent-1", events.get(3).changes().get(0).agent());
        assertEquals(0.2, events.get(3).changes().get(0).after());
        assertEquals(1.0, events.get(3).changes().get(0).before());
        assertEquals("1970-01-11T00:00:00.003Z", events.get(3).time());
    }

    @Test
    void deletedSegmentsLeaveANoteInTheHistory() throws IOException {
        try (TrustLedger ledger = TrustLedger.open(data, Durability.BATCH)) {
            slash(ledger, "a", 0.5, DAY);
            slash(ledger, "a", 0.4, DAY + 1);
            assertEquals(2, ledger.applyRetention(DAY, true, 3 * DAY));
            slash(ledger, "a", 0.3, 3 * DAY);
        }
        assertFalse(Files.exists(TrustLedger.directory(data).resolve(TrustLedger.ARCHIVE)));
        assertEquals(0.3, TrustLedger.read(data).get("a").trust());
        TrustLedger.HistoryReport[] report = new TrustLedger.HistoryReport[1];
        List<TrustLedger.Event> events = history(report);
        assertEquals(1, events.size());
        assertEquals(2, events.get(0).index());
        assertEquals(2, report[0].firstKept());
        assertTrue(report[0].notes().get(0).contains("records 0..1 were deleted by retention"), report[0].notes().toString());
    }

    @Test
    void aMissingSnapshotAfterAnArchiveFailsTheOpenNamingTheFile() throws IOException {
        archiveTwoOfThree();
        Path snapshot = TrustSnapshot.file(TrustLedger.directory(data));
        Files.delete(snapshot);
        IOException e = assertThrows(IOException.class, () -> TrustLedger.open(data, Durability.BATCH));
        assertTrue(e.getMessage().contains(snapshot.toString()) && e.getMessage().contains("is missing"), e.getMessage());
        assertThrows(IOException.class, () -> TrustLedger.read(data));
        assertFalse(Files.exists(snapshot), "nothing was recreated");
    }

    @Test
    void aSnapshotOlderThanTheArchiveCutFailsTheOpen() throws IOException {
        Path snapshot = TrustSnapshot.file(TrustLedger.directory(data));
        try (TrustLedger ledger = TrustLedger.open(data, Durability.BATCH)) {
            slash(ledger, "a", 0.5, DAY);
        }
        byte[] old = Files.readAllBytes(snapshot); // covers record 0 only
        archiveTwoOfThree();
        Files.write(snapshot, old);
        IOException e = assertThrows(IOException.class, () -> TrustLedger.open(data, Durability.BATCH));
        assertTrue(e.getMessage().contains(snapshot.toString()) && e.getMessage().contains("live ledger starts at record"),
                e.getMessage());
        assertThrows(IOException.class, () -> TrustLedger.read(data));
    }

    /** Appends up to three records in all, archives all but the last, closes. */
    private void archiveTwoOfThree() throws IOException {
        try (TrustLedger ledger = TrustLedger.open(data, Durability.BATCH)) {
            while (ledger.size() < 2) {
                slash(ledger, "a", 0.4, DAY + ledger.size());
            }
            assertEquals(2, ledger.applyRetention(DAY, false, 3 * DAY));
            slash(ledger, "b", 0.3, 3 * DAY);
        }
    }
}
