package org.agenthypervisor.core.store;

import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The on-disk format of a segment file; the single place that knows byte positions. Described for
 * humans in {@link RecordLog} and {@code docs/storage.md}; keep the three in step.
 */
final class SegmentFormat {

    /** "AHRL": Agent Hypervisor Record Log. */
    static final int MAGIC = 0x4148524C;
    static final short VERSION = 1;
    /** magic(4) version(2) flags(2) firstIndex(8) maxRecordSize(4) headerCrc(4). */
    static final int HEADER_SIZE = 24;
    /** length(4) lengthCheck(4) crc(4); the payload follows. */
    static final int FRAME_HEADER_SIZE = 12;
    /**
     * Hard ceiling for any record, whatever the options say: keeps every length a non-negative int
     * and makes a wildly wrong length field recognisable as damage.
     */
    static final int MAX_RECORD_CEILING = 1 << 30;

    static final String SEGMENT_SUFFIX = ".seg";
    static final String TEMP_SUFFIX = ".seg.tmp";
    static final String LOCK_SUFFIX = ".lock";
    /**
     * Whether {@code name} can name a log: it doubles as a file-name prefix, so it is kept to
     * characters that are safe everywhere ({@code [A-Za-z0-9][A-Za-z0-9._-]{0,99}}, checked by hand).
     */
    static boolean isValidName(String name) {
        if (name == null || name.isEmpty() || name.length() > 100) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean alphanumeric = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9';
            if (!alphanumeric && (i == 0 || c != '.' && c != '_' && c != '-')) {
                return false;
            }
        }
        return true;
    }

    private SegmentFormat() {
    }

    static String segmentFileName(String name, long firstIndex) {
        return String.format("%s-%020d%s", name, firstIndex, SEGMENT_SUFFIX);
    }

    static String tempFileName(String name, long firstIndex) {
        return String.format("%s-%020d%s", name, firstIndex, TEMP_SUFFIX);
    }

    /*
     * File names are matched by hand, not with regular expressions: every log opens at every start,
     * and compiling its two patterns cost more than listing its directory (issue 11).
     */

    /** Whether {@code fileName} is a segment file of log {@code name}: {@code <name>-<20 digits>.seg}. */
    static boolean isSegmentFile(String name, String fileName) {
        return hasIndexedName(name, fileName, SEGMENT_SUFFIX);
    }

    /** Whether {@code fileName} is a segment being written for log {@code name}: {@code <name>-<20 digits>.seg.tmp}. */
    static boolean isTempFile(String name, String fileName) {
        return hasIndexedName(name, fileName, TEMP_SUFFIX);
    }

    /** The first index in the name of a segment file of log {@code name}; -1 when it does not fit a long. */
    static long segmentIndex(String name, String fileName) {
        try {
            return Long.parseLong(fileName, name.length() + 1, name.length() + 1 + INDEX_DIGITS, 10);
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            return -1;
        }
    }

    private static final int INDEX_DIGITS = 20;

    private static boolean hasIndexedName(String name, String fileName, String suffix) {
        int dash = name.length();
        if (fileName.length() != dash + 1 + INDEX_DIGITS + suffix.length() || !fileName.startsWith(name)
                || fileName.charAt(dash) != '-' || !fileName.endsWith(suffix)) {
            return false;
        }
        for (int i = dash + 1; i <= dash + INDEX_DIGITS; i++) {
            char c = fileName.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    static byte[] encodeHeader(long firstIndex, int maxRecordSize) {
        byte[] h = new byte[HEADER_SIZE];
        putInt(h, 0, MAGIC);
        h[4] = (byte) (VERSION >>> 8);
        h[5] = (byte) VERSION;
        // bytes 6-7: flags, zero in version 1
        putLong(h, 8, firstIndex);
        putInt(h, 16, maxRecordSize);
        putInt(h, 20, crc(h, 0, 20));
        return h;
    }

    /** A decoded, checked segment header. */
    record Header(long firstIndex, int maxRecordSize) {
    }

    /**
     * Decodes a header, or returns why it is not one. Written this way (not throwing) so the caller can
     * build a {@link CorruptLogException} that names the file.
     */
    static Object decodeHeader(byte[] h) {
        if (getInt(h, 0) != MAGIC) {
            return String.format("bad segment header: magic is 0x%08x, expected 0x%08x (\"AHRL\")",
                    getInt(h, 0), MAGIC);
        }
        if (getInt(h, 20) != crc(h, 0, 20)) {
            return "bad segment header: header CRC mismatch";
        }
        int version = ((h[4] & 0xff) << 8) | (h[5] & 0xff);
        if (version != VERSION) {
            return "unsupported segment format version " + version + " (this build reads " + VERSION + ")";
        }
        if (h[6] != 0 || h[7] != 0) {
            return "bad segment header: unknown flags";
        }
        long first = getLong(h, 8);
        int max = getInt(h, 16);
        if (first < 0 || max < 0 || max > MAX_RECORD_CEILING) {
            return "bad segment header: first index " + first + ", max record size " + max;
        }
        return new Header(first, max);
    }

    static int crc(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }

    /**
     * Fills bytes 0..11 of {@code b}: the length, its check, and the frame CRC. One CRC pass: the check
     * is the CRC32C state after the length bytes, the frame CRC continues it over the payload.
     */
    static void fillFrameHeader(CRC32C c, byte[] b, byte[] payload, int len) {
        putInt(b, 0, len);
        c.reset();
        c.update(b, 0, 4);
        putInt(b, 4, (int) c.getValue());
        c.update(payload, 0, len);
        putInt(b, 8, (int) c.getValue());
    }

    /** True if bytes 4..7 of a frame header are the check of its length in bytes 0..3; leaves {@code c} ready for {@link #payloadMatches}. */
    static boolean lengthChecks(CRC32C c, byte[] h) {
        c.reset();
        c.update(h, 0, 4);
        return (int) c.getValue() == getInt(h, 4);
    }

    /** After {@link #lengthChecks}: true if the frame CRC in bytes 8..11 matches the payload. */
    static boolean payloadMatches(CRC32C c, byte[] h, byte[] payload, int len) {
        c.update(payload, 0, len);
        return (int) c.getValue() == getInt(h, 8);
    }

    static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    static int getInt(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }

    static void putLong(byte[] b, int off, long v) {
        putInt(b, off, (int) (v >>> 32));
        putInt(b, off + 4, (int) v);
    }

    static long getLong(byte[] b, int off) {
        return ((long) getInt(b, off) << 32) | (getInt(b, off + 4) & 0xffffffffL);
    }

    static Path segmentPath(Path dir, String name, long firstIndex) {
        return dir.resolve(segmentFileName(name, firstIndex));
    }
}
