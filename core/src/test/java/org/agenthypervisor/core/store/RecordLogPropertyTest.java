package org.agenthypervisor.core.store;

import static org.agenthypervisor.core.store.LogFiles.NAME;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Recovery rules that must hold for every record list and every cut or edit, not only the hand-picked ones. */
class RecordLogPropertyTest {

    private static final RecordLog.Options OPTIONS =
            RecordLog.Options.defaults().withDurability(Durability.NONE).withSegmentSize(256).withMaxRecordSize(300);

    @Provide
    Arbitrary<List<byte[]>> records() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(120).list().ofMaxSize(40);
    }

    /** Cutting the last segment anywhere keeps exactly the records whose frames were complete before the cut. */
    @Property(tries = 150)
    void truncatedLastSegmentKeepsExactlyTheCompleteFrames(@ForAll("records") List<byte[]> records,
                                                         @ForAll @IntRange(min = 0, max = 1_000_000) int seed) throws IOException {
        Path dir = Files.createTempDirectory("store-prop");
        try {
            write(dir, records);
            Path last = LogFiles.lastSegment(dir);
            long first = LogFiles.firstIndexOf(last);
            long size = Files.size(last);
            long cut = 24 + seed % (size - 24 + 1);
            LogFiles.truncate(last, cut);

            long survivors = first;
            long completeEnd = 24;
            for (long i = first, end = 24; i < records.size(); i++) {
                end += 12 + records.get((int) i).length;
                if (end <= cut) {
                    survivors = i + 1;
                    completeEnd = end;
                }
            }
            try (RecordLog log = RecordLog.open(dir, NAME, OPTIONS)) {
                OpenReport r = log.openReport();
                assertEquals(survivors, log.size(), r.message());
                assertEquals(cut > completeEnd, r.tornTail(), r.message());
                assertEquals(cut - completeEnd, r.bytesCut(), r.message());
                assertEquals(completeEnd, Files.size(last));
                assertPrefix(log, records, survivors);
            }
        } finally {
            deleteTree(dir);
        }
    }

    /**
     * Any single-byte edit is corruption, also in the very last frame: a complete frame whose CRC fails
     * is damage, never a tear. The one exception is an edit of the last frame's length or its check when
     * everything after the frame header is zero (then its extent is unknown, as after a crash).
     */
    @Property(tries = 200)
    void singleByteEditIsCorruptionUnlessItIsInTheLastFrame(@ForAll("records") List<byte[]> records,
                                                           @ForAll @IntRange(min = 0, max = 1_000_000) int where,
                                                           @ForAll @IntRange(min = 1, max = 255) int xor) throws IOException {
        Path dir = Files.createTempDirectory("store-prop");
        try {
            write(dir, records);
            List<Path> segs = LogFiles.segments(dir);
            long total = 0;
            for (Path s : segs) {
                total += Files.size(s);
            }
            long pick = where % total;
            int si = 0;
            while (pick >= Files.size(segs.get(si))) {
                pick -= Files.size(segs.get(si++));
            }
            Path seg = segs.get(si);
            long off = pick;
            List<Long> frames = LogFiles.frameOffsets(seg);
            boolean lastSeg = si == segs.size() - 1;
            long lastFrame = frames.isEmpty() ? -1 : frames.get(frames.size() - 1);
            // Only an edit of the last frame's length or its check, with nothing but zeros after the
            // 12-byte frame header, reads as a tear (the extent of a frame with an unchecked length is
            // unknown). An edit of its CRC or payload leaves a complete frame: corruption.
            boolean inLastFrame = lastSeg && lastFrame >= 0 && off >= lastFrame;
            boolean torn = inLastFrame && off < lastFrame + 8 && allZero(records.get(records.size() - 1));

            byte[] b = Files.readAllBytes(seg);
            b[(int) off] ^= (byte) xor;
            Files.write(seg, b);

            if (torn) {
                long survivors = LogFiles.firstIndexOf(seg) + frames.size() - 1;
                try (RecordLog log = RecordLog.open(dir, NAME, OPTIONS)) {
                    assertEquals(survivors, log.size(), log.openReport().message());
                    assertEquals(lastFrame, log.openReport().cutOffset());
                    assertPrefix(log, records, survivors);
                }
            } else {
                Map<String, byte[]> before = LogFiles.snapshot(dir);
                CorruptLogException e = assertThrows(CorruptLogException.class,
                        () -> RecordLog.open(dir, NAME, OPTIONS).close(), "edit at " + seg.getFileName() + ":" + off);
                assertEquals(seg, e.file(), e.getMessage());
                LogFiles.assertSame(before, LogFiles.snapshot(dir));
            }
        } finally {
            deleteTree(dir);
        }
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static void write(Path dir, List<byte[]> records) throws IOException {
        try (RecordLog log = RecordLog.open(dir, NAME, OPTIONS)) {
            for (byte[] r : records) {
                log.append(r);
            }
        }
    }

    private static void assertPrefix(RecordLog log, List<byte[]> records, long n) throws IOException {
        List<byte[]> all = LogFiles.readAll(log);
        assertEquals(n, all.size());
        for (int i = 0; i < n; i++) {
            assertArrayEquals(records.get(i), all.get(i), "record " + i);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
