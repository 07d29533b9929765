package org.agenthypervisor.core.store;

import static org.agenthypervisor.core.store.LogFiles.NAME;
import static org.agenthypervisor.core.store.LogFiles.payload;
import static org.agenthypervisor.core.store.LogFiles.small;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordLogTest {

    @TempDir
    Path dir;

    @Test
    void roundTripAcrossSegmentRollsAndReopen() throws IOException {
        try (RecordLog log = RecordLog.open(dir, NAME, small())) {
            assertEquals(0, log.size());
            for (int i = 0; i < 100; i++) {
                assertEquals(i, log.append(payload(i)));
            }
            assertEquals(100, log.size());
        }
        assertTrue(LogFiles.segments(dir).size() > 5, "small segments should have rolled");
        assertEquals(0, LogFiles.firstIndexOf(LogFiles.segments(dir).get(0)));
        for (Path seg : LogFiles.segments(dir)) {
            assertTrue(Files.size(seg) <= 256, seg + " exceeds the segment size");
        }

        try (RecordLog log = RecordLog.open(dir, NAME, small())) {
            OpenReport r = log.openReport();
            assertEquals(100, r.recordsRecovered());
            assertFalse(r.tornTail());
            assertEquals(LogFiles.segments(dir).size(), r.segments());
            for (int i = 100; i < 150; i++) {
                assertEquals(i, log.appendDurable(payload(i)), "indices continue after reopen");
            }
        }

        try (RecordLog log = RecordLog.open(dir, NAME, small())) {
            List<byte[]> all = LogFiles.readAll(log);
            assertEquals(150, all.size());
            for (int i = 0; i < 150; i++) {
                assertArrayEquals(payload(i), all.get(i), "record " + i);
                assertArrayEquals(payload(i), log.get(i), "get " + i);
            }
        }
    }

    @Test
    void readFromAnyIndexAndGet() throws IOException {
        // 200 records per segment-ish and > 64 per segment, so the sparse index and skipping are used.
        RecordLog.Options o = RecordLog.Options.defaults().withSegmentSize(8192);
        try (RecordLog log = RecordLog.open(dir, NAME, o)) {
            for (int i = 0; i < 700; i++) {
                log.append(payload(i));
            }
            for (long from : new long[] {0, 1, 63, 64, 65, 199, 350, 699, 700, 5000}) {
                long expect = Math.min(from, 700);
                try (LogCursor c = log.read(from)) {
                    while (c.hasNext()) {
                        LogRecord r = c.next();
                        assertEquals(expect, r.index());
                        assertArrayEquals(payload(expect), r.payload());
                        expect++;
                    }
                    assertThrows(NoSuchElementException.class, c::next);
                }
                assertEquals(700, expect);
            }
            for (long i : new long[] {0, 63, 64, 127, 128, 500, 699}) {
                assertArrayEquals(payload(i), log.get(i));
            }
            assertThrows(IndexOutOfBoundsException.class, () -> log.get(700));
            assertThrows(IndexOutOfBoundsException.class, () -> log.get(-1));
            assertThrows(IllegalArgumentException.class, () -> log.read(-1));
        }
    }

    @Test
    void recordLargerThanSegmentGetsItsOwnSegment() throws IOException {
        try (RecordLog log = RecordLog.open(dir, NAME, small())) {
            log.append(payload(1));
            byte[] big = new byte[1000];
            big[999] = 7;
            assertEquals(1, log.append(big));
            assertEquals(2, log.append(payload(2)));
            assertArrayEquals(big, log.get(1));
        }
        assertEquals(3, LogFiles.segments(dir).size());
        try (RecordLog log = RecordLog.open(dir, NAME, small())) {
            assertEquals(3, log.size());
        }
    }

    @Test
    void recordOverMaxIsRejectedWithoutHarm() throws IOException {
        try (RecordLog log = RecordLog.open(dir, NAME, small())) {
            assertThrows(IllegalArgumentException.class, () -> log.append(new byte[1025]));
            assertEquals(0, log.append(new byte[1024]));
            assertFalse(log.failed());
        }
    }

    @Test
    void raisingMaxRecordSizeBetweenRunsStartsAFreshSegment() throws IOException {
        try (RecordLog log = RecordLog.open(dir, NAME, small())) {
            log.append(payload(1));
        }
        // The existing segment's header says 1024; a 2000-byte record must not go into it.
        RecordLog.Options bigger = small().withMaxRecordSize(4096);
        try (RecordLog log = RecordLog.open(dir, NAME, bigger)) {
            assertEquals(1, log.append(new byte[2000]));
        }
        try (RecordLog log = RecordLog.open(dir, NAME, small())) { // lowering it back is fine for reading
            assertEquals(2, log.size());
            assertEquals(2000, log.get(1).length);
        }
    }

    @Test
    void emptyLastSegmentIsReplacedWhenTheLimitGrows() throws IOException {
        try (RecordLog log = RecordLog.open(dir, NAME, small())) {
            assertEquals(0, log.size());
        }
        try (RecordLog log = RecordLog.open(dir, NAME, small().withMaxRecordSize(4096))) {
            assertEquals(0, log.append(new byte[3000]));
        }
        assertEquals(1, LogFiles.segments(dir).size());
        try (RecordLog log = RecordLog.open(dir, NAME, small())) {
            assertEquals(3000, log.get(0).length);
        }
    }

    @Test
    void readerSeesEverythingAppendedBeforeTheCallWhileAppendsContinue() throws Exception {
        try (RecordLog log = RecordLog.open(dir, NAME, small().withSegmentSize(2048))) {
            AtomicReference<Throwable> err = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < 2000; i++) {
                        log.append(payload(i));
                    }
                } catch (Throwable t) {
                    err.set(t);
                }
            });
            writer.start();
            int reads = 0;
            while (writer.isAlive() || reads == 0) {
                long before = log.size();
                long n = 0;
                try (LogCursor c = log.read(0)) {
                    while (c.hasNext()) {
                        LogRecord r = c.next();
                        assertArrayEquals(payload(r.index()), r.payload());
                        n++;
                    }
                }
                assertTrue(n >= before, "saw " + n + " of " + before);
                reads++;
            }
            writer.join();
            if (err.get() != null) {
                throw new AssertionError(err.get());
            }
        }
    }

    @Test
    void secondReadWriteOpenIsRefusedReadOnlyIsNot() throws IOException {
        try (RecordLog log = RecordLog.open(dir, NAME, small())) {
            log.append(payload(1));
            IOException e = assertThrows(IOException.class, () -> RecordLog.open(dir, NAME, small()));
            assertTrue(e.getMessage().contains("already open read-write"), e.getMessage());
            try (RecordLog ro = RecordLog.open(dir, NAME, small().withReadOnly(true))) {
                assertEquals(1, ro.size());
                assertThrows(IllegalStateException.class, () -> ro.append(payload(2)));
                assertThrows(IllegalStateException.class, ro::sync);
            }
            // Another log in the same directory is independent.
            try (RecordLog other = RecordLog.open(dir, "audit", small())) {
                assertEquals(0, other.size());
            }
        }
        // Released on close.
        try (RecordLog log = RecordLog.open(dir, NAME, small())) {
            assertEquals(1, log.size());
        }
    }

    @Test
    void closedLogRefusesEverything() throws IOException {
        RecordLog log = RecordLog.open(dir, NAME, small());
        log.append(payload(1));
        log.close();
        log.close(); // idempotent
        assertThrows(IOException.class, () -> log.append(payload(2)));
        assertThrows(IOException.class, log::sync);
        assertThrows(IOException.class, () -> log.read(0));
        assertThrows(IOException.class, () -> log.get(0));
    }

    @Test
    void readOnlyOpenOfAMissingDirectoryFailsAndCreatesNothing() {
        Path missing = dir.resolve("nope");
        assertThrows(IOException.class, () -> RecordLog.open(missing, NAME, small().withReadOnly(true)));
        assertFalse(Files.exists(missing));
    }

    @Test
    void readOnlyOpenOfAnEmptyDirectoryIsAnEmptyLog() throws IOException {
        try (RecordLog ro = RecordLog.open(dir, NAME, small().withReadOnly(true))) {
            assertEquals(0, ro.size());
            assertFalse(ro.read(0).hasNext());
        }
        assertEquals(0, LogFiles.snapshot(dir).size());
    }

    @Test
    void badNamesAreRejected() {
        for (String bad : new String[] {"", "../x", "a/b", "-x", ".hidden", "a b"}) {
            assertThrows(IllegalArgumentException.class, () -> RecordLog.open(dir, bad, small()), bad);
        }
    }

    @Test
    void openCreatesMissingDirectoriesAndLeftoverTempsAreRemoved() throws IOException {
        Path nested = dir.resolve("a/b");
        try (RecordLog log = RecordLog.open(nested, NAME, small())) {
            log.append(payload(1));
        }
        Path temp = nested.resolve(SegmentFormat.tempFileName(NAME, 1));
        Files.write(temp, new byte[] {1, 2, 3});
        try (RecordLog ro = RecordLog.open(nested, NAME, small().withReadOnly(true))) {
            assertTrue(ro.openReport().message().contains("would be removed"), ro.openReport().message());
        }
        assertTrue(Files.exists(temp));
        try (RecordLog log = RecordLog.open(nested, NAME, small())) {
            assertTrue(log.openReport().message().contains("removed 1"), log.openReport().message());
            assertEquals(1, log.size());
        }
        assertFalse(Files.exists(temp));
    }

    @Test
    void interruptedThreadCanOpenAppendAndReadWithoutBreakingTheLog() throws IOException {
        Thread.currentThread().interrupt();
        try (RecordLog log = RecordLog.open(dir.resolve("fresh"), NAME, small().withDurability(Durability.FSYNC))) {
            assertTrue(Thread.currentThread().isInterrupted(), "interrupt flag preserved by open");
            for (int i = 0; i < 50; i++) { // rolls included
                log.appendDurable(payload(i));
            }
            log.sync();
            assertFalse(log.failed());
            List<byte[]> all = new ArrayList<>(LogFiles.readAll(log));
            assertEquals(50, all.size());
            assertArrayEquals(payload(49), log.get(49));
        } finally {
            assertTrue(Thread.interrupted(), "interrupt flag preserved");
        }
    }
}
