package org.agenthypervisor.core.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One segment file as the log knows it in memory: where it is, which record it starts with, and a
 * sparse index of record offsets so that a read can start near any record without scanning the file.
 *
 * <p>Thread-safety: only the log's writer (holding the write lock) calls {@link #noteOffset}; readers
 * call {@link #indexedOffset} for records they learned about through the log's volatile record count,
 * which the writer publishes after noting the offset. The array reference is volatile so that a reader
 * that sees a grown array also sees its contents.
 */
final class Segment {

    /** One offset per 64 records: 1/8 byte of heap per record, at most 63 frames skipped per lookup. */
    static final int STRIDE_SHIFT = 6;
    private static final long STRIDE_MASK = (1L << STRIDE_SHIFT) - 1;

    final Path path;
    final long firstIndex;
    /** The limit written in this segment's header; frames longer than this are damage. */
    final int maxRecordSize;
    private volatile long[] sparse = new long[16];
    /**
     * -1 once the frames were checked and the sparse index filled (always, except for a sealed segment
     * of a log opened with lazy sealed segments); else the records its successor's name says it holds.
     */
    private volatile long unscanned;

    Segment(Path path, long firstIndex, int maxRecordSize) {
        this(path, firstIndex, maxRecordSize, -1);
    }

    Segment(Path path, long firstIndex, int maxRecordSize, long unscannedRecords) {
        this.path = path;
        this.firstIndex = firstIndex;
        this.maxRecordSize = maxRecordSize;
        this.unscanned = unscannedRecords;
    }

    /**
     * Checks every frame and fills the sparse index, once, if open skipped it; a damaged segment fails
     * every call (a {@link CorruptLogException} naming file and offset).
     */
    void ensureScanned() throws IOException {
        if (unscanned < 0) {
            return;
        }
        synchronized (this) {
            long records = unscanned;
            if (records >= 0) {
                SegmentScanner.scanSealed(this, records);
                unscanned = -1;
            }
        }
    }

    /** Records that the segment's record number {@code local} (0-based within it) starts at {@code offset}. */
    void noteOffset(long local, long offset) {
        if ((local & STRIDE_MASK) != 0) {
            return;
        }
        int slot = (int) (local >>> STRIDE_SHIFT);
        long[] s = sparse;
        if (slot < s.length) {
            s[slot] = offset;
        } else {
            // Grow by copy and publish the new array only once it holds the new slot.
            long[] grown = Arrays.copyOf(s, Math.max(s.length * 2, slot + 1));
            grown[slot] = offset;
            sparse = grown;
        }
    }

    /** The local number of the nearest indexed record at or before {@code local}. */
    static long indexedLocal(long local) {
        return local & ~STRIDE_MASK;
    }

    /** The byte offset of record {@link #indexedLocal}({@code local}). */
    long indexedOffset(long local) {
        return sparse[(int) (local >>> STRIDE_SHIFT)];
    }

    @Override
    public String toString() {
        return path.getFileName().toString();
    }
}
