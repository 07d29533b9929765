package org.agenthypervisor.core.store;

import static org.agenthypervisor.core.store.LogFiles.NAME;
import static org.agenthypervisor.core.store.LogFiles.payload;
import static org.agenthypervisor.core.store.LogFiles.small;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damage a crash cannot explain fails the open, names where it is, and modifies nothing, read-write or read-only. */
class CorruptionTest {

    @TempDir
    Path dir;
    List<Path> segs;
    Path mid;
    Path last;

    @BeforeEach
    void write() throws IOException {
        try (RecordLog log = RecordLog.open(dir, NAME, small())) {
            int i = 0;
            while (i < 40 || LogFiles.frameOffsets(LogFiles.lastSegment(dir)).size() < 2) {
                log.append(payload(i++));
            }
        }
        segs = LogFiles.segments(dir);
        assertTrue(segs.size() >= 5, "need several segments, got " + segs.size());
        mid = segs.get(segs.size() / 2);
        last = segs.get(segs.size() - 1);
        assertTrue(LogFiles.frameOffsets(last).size() >= 2, "last segment needs two records");
        assertTrue(LogFiles.frameOffsets(mid).size() >= 2, "middle segment needs two records");
    }

    @Test
    void crcMismatchWithValidDataAfterIt() throws IOException {
        long off = LogFiles.frameOffsets(last).get(0);
        LogFiles.flipByte(last, off + 8);
        assertCorrupt(last, off, LogFiles.firstIndexOf(last), "CRC mismatch in a complete frame");
    }

    @Test
    void damagedLengthIsNeverTakenForAShortWrite() throws IOException {
        // Without the length check this would read as an incomplete last frame and cost the records after it.
        long off = LogFiles.frameOffsets(last).get(0);
        LogFiles.putInt(last, off, 900); // allowed by the limit, and past the end of the file
        assertCorrupt(last, off, LogFiles.firstIndexOf(last), "length fails its check, with data after it");
    }

    @Test
    void damagedLengthOfTheLastFrameIsCorruptionToo() throws IOException {
        List<Long> frames = LogFiles.frameOffsets(last);
        long off = frames.get(frames.size() - 1);
        LogFiles.flipByte(last, off + 3);
        assertCorrupt(last, off, LogFiles.firstIndexOf(last) + frames.size() - 1, "length fails its check");
    }

    /**
     * Issue 12: one flipped byte in the last record was cut as a torn tail, silently undoing a record
     * that had been forced (a slash, a saga's end). A complete frame with a bad CRC is damage.
     */
    @Test
    void flippedPayloadByteInTheLastFrameIsDamageNotATornTail() throws IOException {
        List<Long> frames = LogFiles.frameOffsets(last);
        long off = frames.get(frames.size() - 1);
        assertTrue(Files.size(last) > off + 12, "the last record needs a payload byte to flip");
        LogFiles.flipByte(last, Files.size(last) - 1);
        assertCorrupt(last, off, LogFiles.firstIndexOf(last) + frames.size() - 1,
                "CRC mismatch in a complete frame (length");
    }

    @Test
    void flippedCrcFieldOfTheLastFrameIsDamageNotATornTail() throws IOException {
        List<Long> frames = LogFiles.frameOffsets(last);
        long off = frames.get(frames.size() - 1);
        LogFiles.flipByte(last, off + 8);
        assertCorrupt(last, off, LogFiles.firstIndexOf(last) + frames.size() - 1, "damaged, not torn");
    }

    @Test
    void damagedLastFrameFollowedByZerosIsDamageToo() throws IOException {
        List<Long> frames = LogFiles.frameOffsets(last);
        long off = frames.get(frames.size() - 1);
        LogFiles.flipByte(last, off + 10);
        LogFiles.appendBytes(last, new byte[300]);
        assertCorrupt(last, off, LogFiles.firstIndexOf(last) + frames.size() - 1, "followed by 300 zero bytes");
    }

    @Test
    void impossibleLengthInTheMiddle() throws IOException {
        long off = LogFiles.frameOffsets(last).get(0);
        putCheckedLength(last, off, 0x7FFF_FFF0);
        assertCorrupt(last, off, LogFiles.firstIndexOf(last), "impossible record length");
    }

    @Test
    void impossibleLengthEvenInTheLastFrame() throws IOException {
        List<Long> frames = LogFiles.frameOffsets(last);
        long off = frames.get(frames.size() - 1);
        putCheckedLength(last, off, 5000); // above the segment's 1024 limit, with a valid check
        assertCorrupt(last, off, LogFiles.firstIndexOf(last) + frames.size() - 1, "impossible record length");
    }

    @Test
    void badMagic() throws IOException {
        LogFiles.flipByte(mid, 0);
        assertCorrupt(mid, 0, LogFiles.firstIndexOf(mid), "magic");
    }

    @Test
    void headerCrcMismatch() throws IOException {
        LogFiles.flipByte(mid, 17); // inside the max-record-size field
        assertCorrupt(mid, 0, LogFiles.firstIndexOf(mid), "header CRC");
    }

    @Test
    void headerDisagreesWithFileName() throws IOException {
        byte[] b = Files.readAllBytes(mid);
        byte[] h = SegmentFormat.encodeHeader(LogFiles.firstIndexOf(mid) + 1, 1024);
        System.arraycopy(h, 0, b, 0, h.length);
        Files.write(mid, b);
        assertCorrupt(mid, 0, LogFiles.firstIndexOf(mid), "file name says");
    }

    @Test
    void shortHeaderOfTheLastSegmentIsNotATornTail() throws IOException {
        LogFiles.truncate(last, 10);
        assertCorrupt(last, 0, LogFiles.firstIndexOf(last), "bad segment header");
    }

    @Test
    void gapWhereASegmentIsMissing() throws IOException {
        int i = segs.indexOf(mid);
        long missingFirst = LogFiles.firstIndexOf(mid);
        Files.delete(mid);
        assertCorrupt(segs.get(i + 1), 0, missingFirst, "gap");
    }

    @Test
    void firstSegmentMissing() throws IOException {
        Files.delete(segs.get(0));
        assertCorrupt(segs.get(1), 0, 0, "gap: records 0..");
    }

    @Test
    void overlappingSegment() throws IOException {
        // A well-formed, empty segment whose index falls inside its predecessor's records.
        long inside = LogFiles.firstIndexOf(mid) - 1;
        Path extra = dir.resolve(SegmentFormat.segmentFileName(NAME, inside));
        Files.write(extra, SegmentFormat.encodeHeader(inside, 1024));
        assertCorrupt(extra, 0, inside + 1, "overlap");
    }

    @Test
    void partialFrameInASegmentThatIsNotTheLast() throws IOException {
        List<Long> frames = LogFiles.frameOffsets(mid);
        long lastOff = frames.get(frames.size() - 1);
        LogFiles.truncate(mid, Files.size(mid) - 3);
        assertCorrupt(mid, lastOff, LogFiles.firstIndexOf(mid) + frames.size() - 1, "not the last");
    }

    @Test
    void crcMismatchInTheLastFrameOfASegmentThatIsNotTheLast() throws IOException {
        List<Long> frames = LogFiles.frameOffsets(mid);
        long lastOff = frames.get(frames.size() - 1);
        LogFiles.flipByte(mid, lastOff + 4);
        assertCorrupt(mid, lastOff, LogFiles.firstIndexOf(mid) + frames.size() - 1, "not the last");
    }

    @Test
    void zerosAfterASegmentThatIsNotTheLast() throws IOException {
        long end = Files.size(mid);
        int records = LogFiles.frameOffsets(mid).size();
        LogFiles.appendBytes(mid, new byte[16]);
        assertCorrupt(mid, end, LogFiles.firstIndexOf(mid) + records, "not the last");
    }

    /** Writes a length and its valid check, as a buggy writer would. */
    private static void putCheckedLength(Path file, long off, int len) throws IOException {
        byte[] h = new byte[4];
        SegmentFormat.putInt(h, 0, len);
        LogFiles.putInt(file, off, len);
        LogFiles.putInt(file, off + 4, SegmentFormat.crc(h, 0, 4));
    }

    private void assertCorrupt(Path file, long offset, long index, String reason) throws IOException {
        Map<String, byte[]> before = LogFiles.snapshot(dir);
        for (boolean readOnly : new boolean[] {false, true}) {
            CorruptLogException e = assertThrows(CorruptLogException.class,
                    () -> RecordLog.open(dir, NAME, small().withReadOnly(readOnly)).close());
            assertEquals(file, e.file(), e.getMessage());
            assertEquals(offset, e.offset(), e.getMessage());
            assertEquals(index, e.recordIndex(), e.getMessage());
            assertTrue(e.getMessage().contains(reason), e.getMessage());
            assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("offset " + offset),
                    e.getMessage());
            LogFiles.assertSame(before, LogFiles.snapshot(dir));
        }
        // The lock was released: after the operator's repair a read-write open must be possible.
        Files.list(dir).filter(p -> p.toString().endsWith(".seg")).forEach(p -> p.toFile().delete());
        RecordLog.open(dir, NAME, small()).close();
    }
}
