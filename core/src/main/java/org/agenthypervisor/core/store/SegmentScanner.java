package org.agenthypervisor.core.store;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Reads one segment file front to back, checks its header and every frame, and fills the segment's
 * sparse index. Applies the torn-tail rule (see {@link RecordLog}); never modifies the file.
 */
final class SegmentScanner {

    /**
     * The outcome for one segment.
     *
     * @param segment  the segment, with its sparse index filled
     * @param records  valid records in it
     * @param validEnd offset just past the last valid frame
     * @param fileSize the file's size when the scan started
     * @param tear     why the bytes from {@code validEnd} on are a torn tail, or null if there are none
     */
    record Scan(Segment segment, long records, long validEnd, long fileSize, String tear) {
    }

    private SegmentScanner() {
    }

    /**
     * @param nameIndex the first index the file name claims (already checked against its predecessor)
     * @param last      whether this is the log's last segment, the only one allowed a torn tail
     */
    static Scan scan(Path file, long nameIndex, boolean last) throws IOException {
        long size = Files.size(file);
        // FileInputStream rather than a FileChannel: an interrupt must not close anything under us.
        try (InputStream in = new BufferedInputStream(new FileInputStream(file.toFile()), bufferSize(size))) {
            Segment seg = readHeader(in, file, nameIndex, -1);
            return scanFrames(in, seg, size, last);
        }
    }

    /**
     * Checks only the header of a sealed segment (not the last) and returns it unscanned, holding
     * {@code records} records by its successor's name; {@link Segment#ensureScanned} checks the frames
     * when a read first needs them.
     */
    static Segment header(Path file, long nameIndex, long records) throws IOException {
        try (InputStream in = new FileInputStream(file.toFile())) {
            return readHeader(in, file, nameIndex, records);
        }
    }

    /** Scans the frames of a sealed segment whose header was checked by {@link #header}, filling its index. */
    static void scanSealed(Segment seg, long records) throws IOException {
        Path file = seg.path;
        long size = Files.size(file);
        try (InputStream in = new BufferedInputStream(new FileInputStream(file.toFile()), bufferSize(size))) {
            readHeader(in, file, seg.firstIndex, records);
            Scan scan = scanFrames(in, seg, size, false);
            if (scan.records() != records) {
                throw new CorruptLogException(file, scan.validEnd(), seg.firstIndex + scan.records(), "segment holds "
                        + scan.records() + " records but the next segment's name says " + records
                        + " (records removed, or a segment file renamed?)");
            }
        }
    }

    private static Segment readHeader(InputStream in, Path file, long nameIndex, long records) throws IOException {
        byte[] h = new byte[SegmentFormat.HEADER_SIZE];
        int got = readUpTo(in, h, SegmentFormat.HEADER_SIZE);
        if (got < SegmentFormat.HEADER_SIZE) {
            // Segments are created complete (temp file, force, rename), so a short header is never
            // a crash artefact.
            throw new CorruptLogException(file, 0, nameIndex, "bad segment header: file has " + got
                    + " bytes, a header needs " + SegmentFormat.HEADER_SIZE);
        }
        Object decoded = SegmentFormat.decodeHeader(h);
        if (decoded instanceof String reason) {
            throw new CorruptLogException(file, 0, nameIndex, reason);
        }
        SegmentFormat.Header header = (SegmentFormat.Header) decoded;
        if (header.firstIndex() != nameIndex) {
            throw new CorruptLogException(file, 0, nameIndex, "bad segment header: it says first index "
                    + header.firstIndex() + " but the file name says " + nameIndex);
        }
        return new Segment(file, nameIndex, header.maxRecordSize(), records);
    }

    private static Scan scanFrames(InputStream in, Segment seg, long size, boolean last) throws IOException {
        Path file = seg.path;
        CRC32C crc = new CRC32C();
        byte[] fh = new byte[SegmentFormat.FRAME_HEADER_SIZE];
        byte[] payload = new byte[256];
        long pos = SegmentFormat.HEADER_SIZE;
        long count = 0;
        while (pos < size) {
            long index = seg.firstIndex + count;
            long remaining = size - pos;
            if (remaining < SegmentFormat.FRAME_HEADER_SIZE) {
                // Too short to hold even an empty frame, so nothing valid can hide here.
                String why = "partial frame header (" + remaining + " of " + SegmentFormat.FRAME_HEADER_SIZE + " bytes)";
                return tornOrCorrupt(seg, count, pos, size, last, index, why);
            }
            readFully(in, fh, SegmentFormat.FRAME_HEADER_SIZE, file);
            long afterHeader = pos + SegmentFormat.FRAME_HEADER_SIZE;
            if (!SegmentFormat.lengthChecks(crc, fh)) {
                // The length cannot be trusted, so neither can the frame's extent. A crash leaves this
                // only with zeros after the header (a zero-filled tail, or a header whose second half
                // never reached the device); anything else is damage.
                long nonZero = last ? firstNonZero(in, afterHeader, size, file) : -1;
                if (last && nonZero < 0) {
                    return new Scan(seg, count, pos, size, allZero(fh)
                            ? "zero-filled tail" : "damaged frame header followed only by zero bytes");
                }
                throw new CorruptLogException(file, pos, index, last
                        ? "frame length fails its check, with data after it (non-zero byte at offset " + nonZero + ")"
                        : "frame length fails its check in a segment that is not the last one");
            }
            long len = SegmentFormat.getInt(fh, 0) & 0xffffffffL;
            if (len > seg.maxRecordSize) {
                // The length passed its check, so it was written this way: a bug or deliberate edit.
                throw new CorruptLogException(file, pos, index, "impossible record length " + len
                        + " (this segment's limit is " + seg.maxRecordSize + ")");
            }
            long end = afterHeader + len;
            if (end > size) {
                // A checked length that runs past the end of the file: a write that did not finish.
                // By construction nothing follows it.
                String why = "incomplete frame (length " + len + ", only " + (size - afterHeader)
                        + " payload bytes present)";
                return tornOrCorrupt(seg, count, pos, size, last, index, why);
            }
            int n = (int) len;
            if (payload.length < n) {
                payload = new byte[Math.max(n, Math.min(payload.length * 2, seg.maxRecordSize))];
            }
            readFully(in, payload, n, file);
            if (!SegmentFormat.payloadMatches(crc, fh, payload, n)) {
                // The frame is complete by its checked length, so this is not a write that stopped
                // short: it is damage, even in the last frame and even with only zeros after it. Cutting
                // it would silently undo a record that may have been forced and acted on (a slash, a
                // saga's end). See "Torn tail versus corruption" in RecordLog.
                long nonZero = last && end < size ? firstNonZero(in, end, size, file) : -1;
                throw new CorruptLogException(file, pos, index, "CRC mismatch in a complete frame (length " + len
                        + " passes its check and all of its bytes are present)"
                        + (!last ? " in a segment that is not the last one"
                        : nonZero >= 0 ? ", with data after the frame (non-zero byte at offset " + nonZero + ")"
                        : end < size ? ", followed by " + (size - end) + " zero bytes"
                        : ", the last frame of the log: damaged, not torn"));
            }
            seg.noteOffset(count, pos);
            count++;
            pos = end;
        }
        return new Scan(seg, count, pos, size, null);
    }

    private static Scan tornOrCorrupt(Segment seg, long count, long pos, long size, boolean last, long index,
                                      String why) throws CorruptLogException {
        if (!last) {
            // Rolling forces the old segment before the new one exists, so only the last can be torn.
            throw new CorruptLogException(seg.path, pos, index, why + " in a segment that is not the last one");
        }
        return new Scan(seg, count, pos, size, why);
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    /** Offset of the first non-zero byte in [from, size), or -1 if all are zero. */
    private static long firstNonZero(InputStream in, long from, long size, Path file) throws IOException {
        byte[] buf = new byte[8192];
        long pos = from;
        while (pos < size) {
            int want = (int) Math.min(buf.length, size - pos);
            readFully(in, buf, want, file);
            for (int i = 0; i < want; i++) {
                if (buf[i] != 0) {
                    return pos + i;
                }
            }
            pos += want;
        }
        return -1;
    }

    /**
     * A read buffer no larger than the file: every start scans the last segment of each of its logs,
     * most of them a few kilobytes, and a 64 KB buffer each was young garbage touched for nothing.
     */
    private static int bufferSize(long fileSize) {
        return (int) Math.max(512, Math.min(1 << 16, fileSize));
    }

    static int readUpTo(InputStream in, byte[] b, int len) throws IOException {
        int got = 0;
        while (got < len) {
            int r = in.read(b, got, len - got);
            if (r < 0) {
                break;
            }
            got += r;
        }
        return got;
    }

    private static void readFully(InputStream in, byte[] b, int len, Path file) throws IOException {
        if (readUpTo(in, b, len) < len) {
            // The size was taken first; a file that shrinks mid-scan is being changed by someone else.
            throw new EOFException(file + " became shorter while it was being scanned");
        }
    }
}
