package org.agenthypervisor.core.store;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A log's high-water mark, {@code name.hwm}: how many records were known to be forced. A log never
 * loses a forced record in a crash, so a log that opens with fewer records than its mark was cut at a
 * frame boundary or lost a segment file, neither of which the frames themselves can show.
 *
 * <p>Two 24-byte slots, written alternately in place: magic "AHHW"(4), generation(8), records(8),
 * CRC32C of bytes 0..19 (4). The newer valid slot counts, so a write torn by a power loss leaves the
 * older one. The mark is written only after the force that covers it returned, and not forced
 * itself (one small write per force, no second flush): on the device it never runs ahead of the
 * records, so a crash can only leave it behind them, never cause a false alarm. The file is created
 * whole ({@link AtomicFiles}). Not thread-safe: the log's force token serialises writers.
 */
final class HighWaterMark {

    static final String SUFFIX = ".hwm";
    private static final int MAGIC = 0x41484857; // "AHHW"
    private static final int SLOT = 24;

    private final Path path;
    private final byte[] slot = new byte[SLOT];
    private RandomAccessFile file; // null when read-only or closed
    private long generation;
    private long records;

    private HighWaterMark(Path path, long generation, long records) {
        this.path = path;
        this.generation = generation;
        this.records = records;
    }

    static Path path(Path dir, String name) {
        return dir.resolve(name + SUFFIX);
    }

    /**
     * Reads the mark, or returns null if the file does not exist.
     *
     * @throws CorruptLogException if the file exists but neither slot is valid
     */
    static HighWaterMark read(Path dir, String name) throws IOException {
        Path p = path(dir, name);
        byte[] b;
        try {
            b = Files.readAllBytes(p);
        } catch (NoSuchFileException none) {
            return null;
        }
        if (b.length != 2 * SLOT) {
            throw new CorruptLogException(p, 0, -1, "bad high-water mark file: " + b.length + " bytes, expected " + 2 * SLOT);
        }
        long bestGen = -1;
        long bestRecords = -1;
        for (int off = 0; off < b.length; off += SLOT) {
            if (SegmentFormat.getInt(b, off) != MAGIC || SegmentFormat.getInt(b, off + 20) != SegmentFormat.crc(b, off, 20)) {
                continue;
            }
            long gen = SegmentFormat.getLong(b, off + 4);
            long n = SegmentFormat.getLong(b, off + 12);
            if (gen > bestGen && n >= 0) {
                bestGen = gen;
                bestRecords = n;
            }
        }
        if (bestGen < 0) {
            throw new CorruptLogException(p, 0, -1, "bad high-water mark file: neither slot has a valid magic and CRC");
        }
        return new HighWaterMark(p, bestGen, bestRecords);
    }

    /** Creates the file, complete and durable, holding {@code records}. */
    static HighWaterMark create(Path dir, String name, long records) throws IOException {
        byte[] b = new byte[2 * SLOT];
        fill(b, 0, 0, records);
        fill(b, SLOT, 1, records);
        Path p = path(dir, name);
        AtomicFiles.write(p, b, null);
        return new HighWaterMark(p, 1, records);
    }

    /** The number of records known to have been forced. */
    long records() {
        return records;
    }

    Path path() {
        return path;
    }

    /** Opens the file for {@link #advance}. */
    void openForWriting() throws IOException {
        file = new RandomAccessFile(path.toFile(), "rw");
    }

    /** Records that the first {@code n} records are forced; does nothing if the mark is already there. */
    void advance(long n) throws IOException {
        if (n <= records || file == null) {
            return;
        }
        long gen = generation + 1;
        fill(slot, 0, gen, n);
        file.seek((gen & 1) * SLOT);
        file.write(slot); // the older slot stays intact if this write is torn
        generation = gen;
        records = n;
    }

    /** Forces and closes the file (at the log's close). */
    void close(boolean force) throws IOException {
        RandomAccessFile f = file;
        file = null;
        if (f != null) {
            try {
                if (force) {
                    f.getFD().sync();
                }
            } finally {
                f.close();
            }
        }
    }

    private static void fill(byte[] b, int off, long gen, long records) {
        SegmentFormat.putInt(b, off, MAGIC);
        SegmentFormat.putLong(b, off + 4, gen);
        SegmentFormat.putLong(b, off + 12, records);
        SegmentFormat.putInt(b, off + 20, SegmentFormat.crc(b, off, 20));
    }
}
