package org.agenthypervisor.core.store;

import static org.agenthypervisor.core.store.LogFiles.NAME;
import static org.agenthypervisor.core.store.LogFiles.payload;
import static org.agenthypervisor.core.store.LogFiles.small;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Taking leading segments out of a live log (archiveBefore), its start file, and lazily checked segments. */
class ArchiveTest {

    @TempDir
    Path tmp;

    private Path live() {
        return tmp.resolve("live");
    }

    private Path archive() {
        return tmp.resolve("archive");
    }

    private void write(int records) throws IOException {
        try (RecordLog log = RecordLog.open(live(), NAME, small())) {
            for (int i = 0; i < records; i++) {
                log.append(payload(i));
            }
        }
    }

    private static void assertRecords(RecordLog log, long from, long to) throws IOException {
        long[] next = {from};
        log.forEach(from, r -> {
            assertEquals(next[0], r.index());
            assertArrayEquals(payload(r.index()), r.payload(), "record " + r.index());
            next[0]++;
        });
        assertEquals(to, next[0]);
    }

    @Test
    void archivedSegmentsLeaveTheLiveLogAndFormALogOfTheirOwn() throws IOException {
        write(100);
        long first;
        try (RecordLog log = RecordLog.open(live(), NAME, small())) {
            first = log.archiveBefore(50, archive());
            assertTrue(first > 0 && first <= 50, "cut at a segment start at or below 50: " + first);
            assertEquals(first, log.firstIndex());
            assertEquals(first, log.segmentStarts()[0]);
            assertRecords(log, first, 100);
            IndexOutOfBoundsException gone = assertThrows(IndexOutOfBoundsException.class, () -> log.read(0));
            assertTrue(gone.getMessage().contains("was archived"), gone.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> log.get(first - 1));
            assertEquals(100, log.append(payload(100)), "indices go on");
        }
        assertEquals(first, LogFiles.firstIndexOf(LogFiles.segments(live()).get(0)));
        try (RecordLog log = RecordLog.open(live(), NAME, small())) {
            assertEquals(first, log.firstIndex(), "the start survives a reopen");
            assertEquals(101, log.size());
            assertRecords(log, first, 101);
            assertTrue(log.openReport().message().contains("live from record " + first), log.openReport().message());
        }
        try (RecordLog old = RecordLog.open(archive(), NAME, small().withReadOnly(true))) {
            assertEquals(0, old.firstIndex());
            assertEquals(first, old.size());
            assertRecords(old, 0, first);
        }
    }

    @Test
    void aSecondArchiveExtendsTheArchiveAndDeleteModeKeepsNothing() throws IOException {
        write(200);
        try (RecordLog log = RecordLog.open(live(), NAME, small())) {
            long a = log.archiveBefore(40, archive());
            long b = log.archiveBefore(120, archive());
            assertTrue(b > a);
            assertEquals(b, log.archiveBefore(b, archive()), "nothing more below the start");
            long c = log.archiveBefore(170, null);
            assertTrue(c > b);
            assertRecords(log, c, 200);
        }
        try (RecordLog old = RecordLog.open(archive(), NAME, small().withReadOnly(true))) {
            assertTrue(old.size() > 40);
            assertRecords(old, 0, old.size());
        }
    }

    @Test
    void anArchiveBegunAfterRecordsWereDeletedSaysWhereItStarts() throws IOException {
        write(200);
        long deletedUpTo;
        long archivedUpTo;
        try (RecordLog log = RecordLog.open(live(), NAME, small())) {
            deletedUpTo = log.archiveBefore(60, null);
            archivedUpTo = log.archiveBefore(140, archive());
        }
        try (RecordLog old = RecordLog.open(archive(), NAME, small().withReadOnly(true))) {
            assertEquals(deletedUpTo, old.firstIndex());
            assertEquals(archivedUpTo, old.size());
            assertRecords(old, deletedUpTo, archivedUpTo);
        }
    }

    @Test
    void theCurrentSegmentIsNeverArchivedAndRollMakesACutPoint() throws IOException {
        try (RecordLog log = RecordLog.open(live(), NAME, RecordLog.Options.defaults())) {
            for (int i = 0; i < 10; i++) {
                log.append(payload(i));
            }
            assertEquals(0, log.archiveBefore(10, archive()), "one segment: nothing sealed to archive");
            log.roll();
            log.roll(); // the new segment is empty: no second roll
            assertArrayEquals(new long[] {0, 10}, log.segmentStarts());
            assertEquals(10, log.archiveBefore(10, archive()));
            assertEquals(10, log.append(payload(10)));
        }
        try (RecordLog log = RecordLog.open(live(), NAME, RecordLog.Options.defaults())) {
            assertEquals(10, log.firstIndex());
            assertRecords(log, 10, 11);
        }
    }

    @Test
    void leftoversOfAnInterruptedArchiveAreIgnoredReadOnlyAndRemovedReadWrite() throws IOException {
        write(100);
        List<Path> before = LogFiles.segments(live());
        Path keep = tmp.resolve("keep");
        Files.createDirectories(keep);
        for (Path p : before) {
            Files.copy(p, keep.resolve(p.getFileName()));
        }
        long first;
        try (RecordLog log = RecordLog.open(live(), NAME, small())) {
            first = log.archiveBefore(50, archive());
        }
        // A crash after the start was written, before the live copies were deleted.
        for (Path p : before) {
            if (LogFiles.firstIndexOf(p) < first) {
                Files.copy(keep.resolve(p.getFileName()), live().resolve(p.getFileName()));
            }
        }
        Map<String, byte[]> files = LogFiles.snapshot(live());
        try (RecordLog ro = RecordLog.open(live(), NAME, small().withReadOnly(true))) {
            assertEquals(first, ro.firstIndex());
            assertRecords(ro, first, 100);
        }
        LogFiles.assertSame(files, LogFiles.snapshot(live()));
        try (RecordLog log = RecordLog.open(live(), NAME, small())) {
            assertTrue(log.openReport().message().contains("interrupted archive"), log.openReport().message());
        }
        assertEquals(first, LogFiles.firstIndexOf(LogFiles.segments(live()).get(0)));
    }

    @Test
    void aStartThatMatchesNoSegmentOrADeletedLiveSegmentFailsTheOpen() throws IOException {
        write(100);
        long first;
        try (RecordLog log = RecordLog.open(live(), NAME, small())) {
            first = log.archiveBefore(50, archive());
        }
        Path firstLive = LogFiles.segments(live()).get(0);
        Path aside = tmp.resolve("aside.seg");
        Files.move(firstLive, aside);
        Map<String, byte[]> files = LogFiles.snapshot(live());
        CorruptLogException gap = assertThrows(CorruptLogException.class, () -> RecordLog.open(live(), NAME, small()));
        assertTrue(gap.getMessage().contains("missing"), gap.getMessage());
        LogFiles.assertSame(files, LogFiles.snapshot(live()));
        Files.move(aside, firstLive);

        // A start moved by hand (CRC recomputed) to a record that begins no segment.
        LogStart.write(live(), NAME, first + 1);
        CorruptLogException off = assertThrows(CorruptLogException.class, () -> RecordLog.open(live(), NAME, small()));
        assertTrue(off.getMessage().contains("no segment starts there"), off.getMessage());
    }

    @Test
    void aDamagedStartFileFailsTheOpenAndALogWithoutOneMustStartAtZero() throws IOException {
        write(100);
        try (RecordLog log = RecordLog.open(live(), NAME, small())) {
            log.archiveBefore(50, archive());
        }
        Path start = LogStart.path(live(), NAME);
        byte[] good = Files.readAllBytes(start);
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x10;
            Files.write(start, bad);
            assertThrows(CorruptLogException.class, () -> RecordLog.open(live(), NAME, small()), "byte " + i);
        }
        Files.delete(start);
        CorruptLogException gap = assertThrows(CorruptLogException.class, () -> RecordLog.open(live(), NAME, small()));
        assertTrue(gap.getMessage().contains("no start file"), gap.getMessage());
    }

    @Test
    void lazySealedSegmentsAreCheckedOnFirstReadNotAtOpen() throws IOException {
        write(100);
        List<Path> segs = LogFiles.segments(live());
        Path sealed = segs.get(1);
        try (RandomAccessFile f = new RandomAccessFile(sealed.toFile(), "rw")) {
            long at = SegmentFormat.HEADER_SIZE + SegmentFormat.FRAME_HEADER_SIZE; // first payload byte
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x01);
        }
        assertThrows(CorruptLogException.class, () -> RecordLog.open(live(), NAME, small()),
                "an eager open checks every frame");
        RecordLog.Options lazy = small().withLazySealedSegments(true);
        try (RecordLog log = RecordLog.open(live(), NAME, lazy)) {
            assertEquals(100, log.size());
            long second = log.segmentStarts()[2];
            assertRecords(log, second, 100); // past the damage: fine
            CorruptLogException bad = assertThrows(CorruptLogException.class, () -> log.forEach(0, r -> { }));
            assertTrue(bad.getMessage().contains(sealed.getFileName().toString()), bad.getMessage());
            UncheckedIOException viaIterator = assertThrows(UncheckedIOException.class, () -> {
                try (LogCursor c = log.read(0)) {
                    while (c.hasNext()) {
                        c.next();
                    }
                }
            });
            assertInstanceOf(CorruptLogException.class, viaIterator.getCause());
            assertThrows(CorruptLogException.class, () -> log.archiveBefore(second, archive()),
                    "a damaged segment is not carried into the archive");
            assertFalse(Files.exists(LogStart.path(live(), NAME)));
        }
    }

    @Test
    void aLazySegmentThatLostRecordsIsCorruption() throws IOException {
        write(100);
        Path sealed = LogFiles.segments(live()).get(1);
        long size = Files.size(sealed);
        // Cut the sealed segment at a frame boundary: the next segment's name still says where it ended.
        try (RecordLog log = RecordLog.open(live(), NAME, small().withReadOnly(true))) {
            assertEquals(100, log.size());
        }
        byte[] b = Files.readAllBytes(sealed);
        int firstFrameLen = SegmentFormat.getInt(b, SegmentFormat.HEADER_SIZE);
        int cut = SegmentFormat.HEADER_SIZE + SegmentFormat.FRAME_HEADER_SIZE + firstFrameLen;
        assertTrue(cut < size);
        Path copy = tmp.resolve("copy.seg");
        Files.copy(sealed, copy, StandardCopyOption.REPLACE_EXISTING);
        try (RandomAccessFile f = new RandomAccessFile(sealed.toFile(), "rw")) {
            f.setLength(cut);
        }
        try (RecordLog log = RecordLog.open(live(), NAME, small().withLazySealedSegments(true))) {
            CorruptLogException bad = assertThrows(CorruptLogException.class, () -> log.forEach(0, r -> { }));
            assertTrue(bad.getMessage().contains("next segment's name says"), bad.getMessage());
        }
    }

    @Test
    void aLogWhoseDirectoryWasRemovedWhileOpenFailsAtTheNextForce() throws IOException {
        try (RecordLog log = RecordLog.open(live(), NAME, small())) {
            log.appendDurable(payload(1));
            Path moved = tmp.resolve("moved");
            Files.move(live(), moved); // the directory removed (or moved aside) under a running JVM
            log.append(payload(2)); // lands in the file the log still has open
            IOException gone = assertThrows(IOException.class, () -> log.appendDurable(payload(3)));
            assertTrue(String.valueOf(gone.getCause()).contains("was removed while the log was open"), String.valueOf(gone));
            assertTrue(log.failed());
            assertThrows(IOException.class, () -> log.append(payload(4)), "a failed log refuses appends");
        }
    }

    @Test
    void checkFilesCatchesAReplacedSegmentWithoutAForce() throws IOException {
        try (RecordLog log = RecordLog.open(live(), NAME, small().withDurability(Durability.NONE))) {
            log.append(payload(1));
            log.checkFiles();
            Path seg = LogFiles.segments(live()).get(0);
            Path copy = tmp.resolve("copy.seg");
            Files.copy(seg, copy);
            Files.move(copy, seg, StandardCopyOption.REPLACE_EXISTING);
            IOException replaced = assertThrows(IOException.class, log::checkFiles);
            assertTrue(String.valueOf(replaced.getCause()).contains("was replaced"), String.valueOf(replaced));
            assertTrue(log.failed());
        }
    }
}
