package org.agenthypervisor.core.store;

import static org.agenthypervisor.core.store.LogFiles.NAME;
import static org.agenthypervisor.core.store.LogFiles.payload;
import static org.agenthypervisor.core.store.LogFiles.small;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every shape an interrupted append can leave is cut (read-write) or reported (read-only), losing nothing before it. */
class TornTailTest {

    /** 30 records; record 29 is 50 bytes, so its frame is 62 bytes. */
    static final int N = 30;

    @TempDir
    Path dir;
    Path last;
    /** Offset of the last frame (record N-1) in the last segment. */
    long lastFrame;
    long sizeBefore;

    @BeforeEach
    void write() throws IOException {
        try (RecordLog log = RecordLog.open(dir, NAME, small())) {
            for (int i = 0; i < N; i++) {
                log.append(payload(i));
            }
        }
        assertTrue(LogFiles.segments(dir).size() > 3);
        last = LogFiles.lastSegment(dir);
        List<Long> frames = LogFiles.frameOffsets(last);
        lastFrame = frames.get(frames.size() - 1);
        sizeBefore = Files.size(last);
        assertEquals(50, payload(N - 1).length);
        assertEquals(sizeBefore, lastFrame + 12 + 50);
    }

    /** A torn shape: how to make it, then what must be cut. */
    enum Shape {
        PARTIAL_FRAME_HEADER(N - 1) {
            void apply(TornTailTest t) throws IOException {
                LogFiles.truncate(t.last, t.lastFrame + 3);
            }
        },
        LENGTH_AND_CHECK_ONLY(N - 1) {
            void apply(TornTailTest t) throws IOException {
                LogFiles.truncate(t.last, t.lastFrame + 8);
            }
        },
        FRAME_HEADER_ONLY(N - 1) {
            void apply(TornTailTest t) throws IOException {
                LogFiles.truncate(t.last, t.lastFrame + 12);
            }
        },
        PARTIAL_PAYLOAD(N - 1) {
            void apply(TornTailTest t) throws IOException {
                LogFiles.truncate(t.last, t.lastFrame + 12 + 10);
            }
        },
        HEADER_SECOND_HALF_LOST(N - 1) {
            // The frame header straddled a sector boundary and only its first part reached the device.
            void apply(TornTailTest t) throws IOException {
                byte[] b = java.nio.file.Files.readAllBytes(t.last);
                java.util.Arrays.fill(b, (int) t.lastFrame + 6, b.length, (byte) 0);
                java.nio.file.Files.write(t.last, b);
            }
        },
        ZERO_FILLED_TAIL(N) {
            void apply(TornTailTest t) throws IOException {
                LogFiles.appendBytes(t.last, new byte[100]);
            }
        },
        SHORT_ZERO_TAIL(N) {
            void apply(TornTailTest t) throws IOException {
                LogFiles.appendBytes(t.last, new byte[5]);
            }
        };

        final int survivors;

        Shape(int survivors) {
            this.survivors = survivors;
        }

        abstract void apply(TornTailTest t) throws IOException;
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void tornTailIsCutAndReported(Shape shape) throws IOException {
        shape.apply(this);
        long damagedSize = Files.size(last);
        long cutAt = shape.survivors == N ? sizeBefore : lastFrame;

        try (RecordLog log = RecordLog.open(dir, NAME, small())) {
            OpenReport r = log.openReport();
            assertTrue(r.tornTail(), r.message());
            assertTrue(r.applied());
            assertEquals(shape.survivors, r.recordsRecovered());
            assertEquals(last, r.cutFile());
            assertEquals(cutAt, r.cutOffset());
            assertEquals(damagedSize - cutAt, r.bytesCut());
            assertTrue(r.message().contains("cut a torn tail of " + r.bytesCut()), r.message());
            assertEquals(cutAt, Files.size(last), "truncated at the bad frame");
            assertRecords(log, shape.survivors);
            assertEquals(shape.survivors, log.append(payload(1000)), "the next index follows the survivors");
        }
        try (RecordLog log = RecordLog.open(dir, NAME, small())) {
            assertFalse(log.openReport().tornTail(), log.openReport().message());
            assertEquals(shape.survivors + 1, log.size());
            assertArrayEquals(payload(1000), log.get(shape.survivors));
        }
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void readOnlyOpenReportsTheTearAndChangesNothing(Shape shape) throws IOException {
        shape.apply(this);
        long damagedSize = Files.size(last);
        long cutAt = shape.survivors == N ? sizeBefore : lastFrame;
        Map<String, byte[]> before = LogFiles.snapshot(dir);

        try (RecordLog ro = RecordLog.open(dir, NAME, small().withReadOnly(true))) {
            OpenReport r = ro.openReport();
            assertTrue(r.tornTail(), r.message());
            assertFalse(r.applied());
            assertEquals(shape.survivors, r.recordsRecovered());
            assertEquals(last, r.cutFile());
            assertEquals(cutAt, r.cutOffset());
            assertEquals(damagedSize - cutAt, r.bytesCut());
            assertTrue(r.message().contains("would cut"), r.message());
            assertRecords(ro, shape.survivors);
        }
        LogFiles.assertSame(before, LogFiles.snapshot(dir));
    }

    @Test
    void tearOfTheOnlyRecordInTheLastSegmentLeavesItEmptyAndUsable() throws IOException {
        // Roll so that the last segment holds one record, then tear that record.
        try (RecordLog log = RecordLog.open(dir, NAME, small())) {
            log.append(new byte[200]);
        }
        Path lastSeg = LogFiles.lastSegment(dir);
        assertEquals(N, LogFiles.firstIndexOf(lastSeg));
        LogFiles.truncate(lastSeg, 24 + 12 + 100);
        try (RecordLog log = RecordLog.open(dir, NAME, small())) {
            assertEquals(N, log.openReport().recordsRecovered());
            assertEquals(24, Files.size(lastSeg));
            assertEquals(N, log.append(payload(7)));
        }
        try (RecordLog log = RecordLog.open(dir, NAME, small())) {
            assertEquals(N + 1, log.size());
            assertArrayEquals(payload(7), log.get(N));
        }
    }

    private static void assertRecords(RecordLog log, int n) throws IOException {
        assertEquals(n, log.size());
        List<byte[]> all = LogFiles.readAll(log);
        assertEquals(n, all.size());
        for (int i = 0; i < n; i++) {
            assertArrayEquals(payload(i), all.get(i), "record " + i);
        }
    }
}
