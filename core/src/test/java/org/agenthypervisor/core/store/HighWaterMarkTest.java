package org.agenthypervisor.core.store;

import static org.agenthypervisor.core.store.LogFiles.NAME;
import static org.agenthypervisor.core.store.LogFiles.payload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: a log cut at a frame boundary, or missing its last segment, looked like a shorter log and
 * opened with an INFO line. With a high-water mark, losing records that were forced fails the open.
 */
class HighWaterMarkTest {

    static final int N = 30;

    @TempDir
    Path dir;

    static RecordLog.Options options() {
        return LogFiles.small().withHighWaterMark(true);
    }

    private void write(int n) throws IOException {
        try (RecordLog log = RecordLog.open(dir, NAME, options())) {
            for (int i = 0; i < n; i++) {
                log.appendDurable(payload(i));
            }
        }
    }

    @Test
    void aCutAtAFrameBoundaryFailsTheOpen() throws IOException {
        write(N);
        Path last = LogFiles.lastSegment(dir);
        List<Long> frames = LogFiles.frameOffsets(last);
        long cutAt = frames.get(frames.size() - 1);
        LogFiles.truncate(last, cutAt);
        assertMissing(last, cutAt, N - 1, "records " + (N - 1) + ".." + (N - 1) + " are missing");
    }

    @Test
    void aDeletedLastSegmentFailsTheOpen() throws IOException {
        write(N);
        List<Path> segs = LogFiles.segments(dir);
        assertTrue(segs.size() > 2);
        Path gone = segs.get(segs.size() - 1);
        Files.delete(gone);
        Path newLast = segs.get(segs.size() - 2);
        assertMissing(newLast, Files.size(newLast), LogFiles.firstIndexOf(gone), "says " + N + " records were forced");
    }

    @Test
    void everySegmentDeletedFailsTheOpenInsteadOfStartingEmpty() throws IOException {
        write(N);
        for (Path p : LogFiles.segments(dir)) {
            Files.delete(p);
        }
        assertMissing(HighWaterMark.path(dir, NAME), 0, 0, "records 0.." + (N - 1) + " are missing");
    }

    @Test
    void aTearPastTheMarkIsStillCut() throws IOException {
        write(N);
        Path last = LogFiles.lastSegment(dir);
        long end = Files.size(last);
        LogFiles.appendBytes(last, new byte[] {0, 0, 0, 40, 1, 2, 3}); // a frame header cut short
        try (RecordLog log = RecordLog.open(dir, NAME, options())) {
            assertFalse(log.openReport().markCreated());
            assertTrue(log.openReport().tornTail(), log.openReport().message());
            assertEquals(N, log.size());
            assertEquals(end, Files.size(last));
        }
    }

    @Test
    void theMarkFollowsForcesNotWrites() throws IOException {
        try (RecordLog log = RecordLog.open(dir, NAME, options().withDurability(Durability.NONE))) {
            log.append(payload(1));
            log.append(payload(2));
            assertEquals(0, HighWaterMark.read(dir, NAME).records(), "not forced yet: a crash may lose them");
            log.sync();
            assertEquals(2, HighWaterMark.read(dir, NAME).records());
            log.appendDurable(payload(3)); // NONE: no force
            assertEquals(2, HighWaterMark.read(dir, NAME).records());
        }
        assertEquals(3, HighWaterMark.read(dir, NAME).records(), "close forces");
    }

    @Test
    void aLogWithoutAMarkGetsOneAndSaysItCouldNotCheck() throws IOException {
        try (RecordLog log = RecordLog.open(dir, NAME, LogFiles.small())) {
            for (int i = 0; i < 5; i++) {
                log.append(payload(i));
            }
        }
        assertFalse(Files.exists(HighWaterMark.path(dir, NAME)));
        try (RecordLog log = RecordLog.open(dir, NAME, options())) {
            assertTrue(log.openReport().message().contains("no high-water mark file was found"), log.openReport().message());
            assertTrue(log.openReport().markCreated());
        }
        assertEquals(5, HighWaterMark.read(dir, NAME).records());
        LogFiles.truncate(LogFiles.lastSegment(dir), LogFiles.frameOffsets(LogFiles.lastSegment(dir)).get(0));
        assertThrows(CorruptLogException.class, () -> RecordLog.open(dir, NAME, options()).close());
    }

    @Test
    void aDamagedMarkFileIsCorruption() throws IOException {
        write(3);
        Path mark = HighWaterMark.path(dir, NAME);
        LogFiles.flipByte(mark, 10);
        LogFiles.flipByte(mark, 24 + 10);
        CorruptLogException e = assertThrows(CorruptLogException.class, () -> RecordLog.open(dir, NAME, options()).close());
        assertEquals(mark, e.file());
        assertTrue(e.getMessage().contains("neither slot"), e.getMessage());
    }

    @Test
    void oneTornSlotFallsBackToTheOther() throws IOException {
        write(3);
        Path mark = HighWaterMark.path(dir, NAME);
        // The newest slot is torn by a power loss: the older one still holds a count at or below the log's.
        byte[] b = Files.readAllBytes(mark);
        long gen0 = SegmentFormat.getLong(b, 4);
        long gen1 = SegmentFormat.getLong(b, 24 + 4);
        LogFiles.flipByte(mark, (gen0 > gen1 ? 0 : 24) + 14);
        try (RecordLog log = RecordLog.open(dir, NAME, options())) {
            assertEquals(3, log.size());
        }
    }

    private void assertMissing(Path file, long offset, long index, String reason) throws IOException {
        Map<String, byte[]> before = LogFiles.snapshot(dir);
        for (boolean readOnly : new boolean[] {false, true}) {
            CorruptLogException e = assertThrows(CorruptLogException.class,
                    () -> RecordLog.open(dir, NAME, options().withReadOnly(readOnly)).close());
            assertEquals(file, e.file(), e.getMessage());
            assertEquals(offset, e.offset(), e.getMessage());
            assertEquals(index, e.recordIndex(), e.getMessage());
            assertTrue(e.getMessage().contains("high-water mark"), e.getMessage());
            assertTrue(e.getMessage().contains(reason), e.getMessage());
            LogFiles.assertSame(before, LogFiles.snapshot(dir));
        }
    }
}
