package org.agenthypervisor.core.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A log's start, {@code name.start}: the index of its first live record, once leading segments were
 * archived ({@link RecordLog#archiveBefore}). Without the file a log starts at record 0, and a first
 * segment that starts later is a gap (a deleted segment).
 *
 * <p>24 bytes: magic "AHST"(4), format version 1 (2), flags 0 (2), first index (8), reserved 0 (4),
 * CRC32C of bytes 0..19 (4). Written whole ({@link AtomicFiles#write}: temp file, force, rename, force
 * of the directory), so a crash leaves the old start or the new one, never a mix.
 *
 * <p>The checksum only catches accidents. Someone who can write the directory can delete segments and
 * write a start that hides the gap; what the log's records mean must catch that (the audit log's live
 * part must begin at a signed checkpoint, the trust ledger's at its snapshot, the saga journal's chain
 * at an authenticated checkpoint).
 */
final class LogStart {

    static final String SUFFIX = ".start";
    private static final int MAGIC = 0x41485354; // "AHST"
    private static final int SIZE = 24;

    private LogStart() {
    }

    static Path path(Path dir, String name) {
        return dir.resolve(name + SUFFIX);
    }

    /**
     * The first live index, or 0 if there is no start file.
     *
     * @throws CorruptLogException if the file exists but is not a valid start
     */
    static long read(Path dir, String name) throws IOException {
        Path p = path(dir, name);
        byte[] b;
        try {
            b = Files.readAllBytes(p);
        } catch (NoSuchFileException none) {
            return 0;
        }
        if (b.length != SIZE) {
            throw new CorruptLogException(p, 0, -1, "bad log start file: " + b.length + " bytes, expected " + SIZE);
        }
        if (SegmentFormat.getInt(b, 0) != MAGIC) {
            throw new CorruptLogException(p, 0, -1, "bad log start file: wrong magic");
        }
        if (SegmentFormat.crc(b, 0, 20) != SegmentFormat.getInt(b, 20)) {
            throw new CorruptLogException(p, 20, -1, "bad log start file: CRC mismatch");
        }
        int version = ((b[4] & 0xff) << 8) | (b[5] & 0xff);
        if (version != 1) {
            throw new CorruptLogException(p, 4, -1, "bad log start file: unknown format version " + version);
        }
        long first = SegmentFormat.getLong(b, 8);
        if (first < 0) {
            throw new CorruptLogException(p, 8, -1, "bad log start file: negative first index " + first);
        }
        return first;
    }

    /** Writes the start atomically and durably. */
    static void write(Path dir, String name, long first) throws IOException {
        byte[] b = new byte[SIZE];
        SegmentFormat.putInt(b, 0, MAGIC);
        b[4] = 0;
        b[5] = 1;
        SegmentFormat.putLong(b, 8, first);
        SegmentFormat.putInt(b, 20, SegmentFormat.crc(b, 0, 20));
        AtomicFiles.write(path(dir, name), b, null);
    }
}
