package org.agenthypervisor.core.store;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.zip.CRC32C;

/**
 * Reads records of a {@link RecordLog} in index order, from a snapshot taken when it was created: it
 * returns every record appended before {@link RecordLog#read} was called, and none after. Each frame's
 * CRC is checked again as it is read.
 *
 * <p>Holds an open file while iterating; it closes itself when exhausted, and {@link #close()} releases
 * it early (use try-with-resources when you may stop before the end). Not thread-safe; use one cursor per
 * thread. {@link #next()} reports IO errors and damage as {@link UncheckedIOException}, whose cause is an
 * {@link IOException} or a {@link CorruptLogException}.
 */
public final class LogCursor implements Iterator<LogRecord>, Closeable {

    private final Segment[] segments;
    private final long end;
    private final int bufferSize;
    private final CRC32C crc = new CRC32C();
    private final byte[] frameHeader = new byte[SegmentFormat.FRAME_HEADER_SIZE];

    private long next;
    /** Set by {@link #close()} or an error: no more records. */
    private boolean done;
    /** Index into {@link #segments} of the open file, or -1 when none is open. */
    private int seg = -1;
    private DataInputStream in;
    /** Byte offset in the open file of the next frame. */
    private long pos;

    LogCursor(Segment[] segments, long from, long end, int bufferSize) {
        this.segments = segments;
        this.next = from;
        this.end = end;
        this.bufferSize = bufferSize;
    }

    @Override
    public boolean hasNext() {
        return !done && next < end;
    }

    @Override
    public LogRecord next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        try {
            return nextRecord();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@link #next()} with a checked exception, for callers that propagate IOException. */
    LogRecord nextRecord() throws IOException {
        try {
            if (seg < 0 || (seg + 1 < segments.length && next >= segments[seg + 1].firstIndex)) {
                position();
            }
            LogRecord r = readFrame();
            if (++next >= end) {
                close();
            }
            return r;
        } catch (IOException | RuntimeException e) {
            close(); // a cursor that failed once stays failed rather than guessing where to resume
            throw e;
        }
    }

    /** Opens the segment that holds {@link #next} and skips to it, starting from the sparse index. */
    private void position() throws IOException {
        release();
        int lo = 0;
        int hi = segments.length - 1;
        while (lo < hi) { // last segment whose first index is <= next
            int mid = (lo + hi + 1) >>> 1;
            if (segments[mid].firstIndex <= next) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        Segment s = segments[lo];
        s.ensureScanned(); // a log opened with lazy sealed segments checks a segment's frames on first use
        long local = next - s.firstIndex;
        long indexed = Segment.indexedLocal(local);
        long offset = s.indexedOffset(local);
        FileInputStream fis = new FileInputStream(s.path.toFile());
        try {
            skipFully(fis, offset);
        } catch (IOException e) {
            fis.close();
            throw e;
        }
        seg = lo;
        in = new DataInputStream(new BufferedInputStream(fis, bufferSize));
        pos = offset;
        for (long l = indexed; l < local; l++) {
            in.readFully(frameHeader);
            long len = SegmentFormat.getInt(frameHeader, 0) & 0xffffffffL;
            skipFully(in, len);
            pos += SegmentFormat.FRAME_HEADER_SIZE + len;
        }
    }

    private LogRecord readFrame() throws IOException {
        Segment s = segments[seg];
        long index = next;
        try {
            in.readFully(frameHeader);
        } catch (EOFException e) {
            throw new CorruptLogException(s.path, pos, index, "file ends before this record (truncated since open?)");
        }
        if (!SegmentFormat.lengthChecks(crc, frameHeader)) {
            throw new CorruptLogException(s.path, pos, index, "frame length fails its check (changed since open?)");
        }
        long len = SegmentFormat.getInt(frameHeader, 0) & 0xffffffffL;
        if (len > s.maxRecordSize) {
            throw new CorruptLogException(s.path, pos, index, "impossible record length " + len);
        }
        byte[] payload = new byte[(int) len];
        try {
            in.readFully(payload);
        } catch (EOFException e) {
            throw new CorruptLogException(s.path, pos, index, "file ends inside this record (truncated since open?)");
        }
        if (!SegmentFormat.payloadMatches(crc, frameHeader, payload, payload.length)) {
            throw new CorruptLogException(s.path, pos, index, "CRC mismatch (changed since open?)");
        }
        pos += SegmentFormat.FRAME_HEADER_SIZE + len;
        return new LogRecord(index, payload);
    }

    private static void skipFully(InputStream in, long n) throws IOException {
        while (n > 0) {
            long k = in.skip(n);
            if (k <= 0) {
                // skip() may legitimately return 0; read one byte to tell that from end of file.
                if (in.read() < 0) {
                    throw new EOFException("file ends before the expected record");
                }
                k = 1;
            }
            n -= k;
        }
    }

    /** Releases the open file, if any; the cursor then has no more records. */
    @Override
    public void close() {
        done = true;
        release();
    }

    private void release() {
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // A read-only descriptor: nothing can be lost by failing to close it.
            }
            in = null;
        }
        seg = -1;
    }
}
