package org.agenthypervisor.agent;

import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The agent jar's entries, read without {@link java.util.jar.JarFile}: the launcher defines a few
 * hundred classes before {@code main}, and through {@code JarFile} each cost a new entry object,
 * stream, buffer and array (megabytes of young garbage at every start, enough for a collection and
 * its pages in the process's RSS). Here the central directory is read once into one array with an
 * index of hashes into it, and an entry is inflated into a buffer the caller reuses.
 *
 * <p>Only what the agent's own build writes is supported: stored or deflated entries of a jar
 * without ZIP64 records. Anything else is reported as an {@link IOException} naming the jar.
 */
final class JarContents implements Closeable {
    private static final int END_SIGNATURE = 0x06054b50;
    private static final int END_SIZE = 22;
    private static final int CEN_SIGNATURE = 0x02014b50;
    private static final int CEN_HEADER = 46;
    private static final int LOC_SIGNATURE = 0x04034b50;
    private static final int LOC_HEADER = 30;
    private static final int STORED = 0;
    private static final int DEFLATED = 8;

    private final Path path;
    /** Not a {@code FileChannel}: an interrupt of a thread that loads a class would close that for every thread. */
    private final RandomAccessFile file;
    /** The central directory, as in the file. */
    private final byte[] cen;
    /** Open addressing over the entries: the position of an entry's header in {@link #cen}, plus one; 0 is empty. */
    private final int[] slots;
    private final int count;
    /** Inflaters the readers hand back (two threads load classes at start: the installer and the preloader). */
    private final AtomicReferenceArray<Inflater> inflaters = new AtomicReferenceArray<>(2);
    /** Buffers for compressed bytes that {@link #readAll} hands back, one per thread reading at once. */
    private final AtomicReferenceArray<byte[]> scratches = new AtomicReferenceArray<>(2);
    /** Above the compressed size of a 64 KB block of classes (~20-30 KB). */
    private static final int SCRATCH_SIZE = 48 << 10;
    private static final int MAX_SCRATCH_SIZE = 256 << 10;
    private volatile boolean closed;

    private JarContents(Path path, RandomAccessFile file, byte[] cen, int count) throws IOException {
        this.path = path;
        this.file = file;
        this.cen = cen;
        this.count = count;
        int capacity = Integer.highestOneBit(Math.max(4, count * 2 - 1)) << 1;
        this.slots = new int[capacity];
        int pos = 0;
        for (int i = 0; i < count; i++) {
            if (pos + CEN_HEADER > cen.length || intAt(pos) != CEN_SIGNATURE) {
                throw new IOException(path + ": the jar's central directory is damaged at entry " + i);
            }
            int nameLength = shortAt(pos + 28);
            int next = pos + CEN_HEADER + nameLength + shortAt(pos + 30) + shortAt(pos + 32);
            if (next > cen.length) {
                throw new IOException(path + ": the jar's central directory is damaged at entry " + i);
            }
            int slot = hash(cen, pos + CEN_HEADER, nameLength) & (capacity - 1);
            while (slots[slot] != 0) {
                slot = (slot + 1) & (capacity - 1);
            }
            slots[slot] = pos + 1;
            pos = next;
        }
    }

    /** Reads the jar's central directory. */
    static JarContents open(Path path) throws IOException {
        RandomAccessFile file = new RandomAccessFile(path.toFile(), "r");
        try {
            long size = file.length();
            // The end record is the jar's last bytes unless the jar has a comment (up to 64 KB): the last
            // kilobyte first, the whole possible tail only when the record is not in it.
            int tail = (int) Math.min(size, END_SIZE + 1024);
            byte[] end = new byte[tail];
            readFully(file, end, 0, tail, size - tail);
            int at = endRecord(end);
            if (at < 0 && size > tail) {
                tail = (int) Math.min(size, END_SIZE + 0xFFFF);
                end = new byte[tail];
                readFully(file, end, 0, tail, size - tail);
                at = endRecord(end);
            }
            if (at < 0) {
                throw new IOException(path + " is not a jar (no end of central directory)");
            }
            int entries = shortAt(end, at + 10);
            long cenSize = intAt(end, at + 12) & 0xFFFFFFFFL;
            long cenOffset = intAt(end, at + 16) & 0xFFFFFFFFL;
            if (entries == 0xFFFF || cenSize == 0xFFFFFFFFL || cenOffset == 0xFFFFFFFFL) {
                throw new IOException(path + " is a ZIP64 jar, which the agent's launcher does not read; use the jar as built");
            }
            if (cenOffset + cenSize > size - tail + at) {
                throw new IOException(path + ": the jar's central directory lies outside the file");
            }
            byte[] cen = new byte[(int) cenSize];
            readFully(file, cen, 0, cen.length, cenOffset);
            return new JarContents(path, file, cen, entries);
        } catch (IOException | RuntimeException failed) {
            file.close();
            throw failed;
        }
    }

    /** Where the end of central directory record starts in {@code tail}, searching from its end; -1 if absent. */
    private static int endRecord(byte[] tail) {
        for (int i = tail.length - END_SIZE; i >= 0; i--) {
            if (intAt(tail, i) == END_SIGNATURE) {
                return i;
            }
        }
        return -1;
    }

    /** The entry of that name, as a handle for {@link #size} and {@link #read}; -1 when absent. */
    int find(String name) {
        byte[] utf8 = null;
        int length = name.length();
        for (int i = 0; i < length; i++) {
            if (name.charAt(i) >= 0x80) {
                utf8 = name.getBytes(StandardCharsets.UTF_8);
                length = utf8.length;
                break;
            }
        }
        int h = utf8 != null ? hash(utf8, 0, length) : hash(name);
        int mask = slots.length - 1;
        for (int slot = h & mask; slots[slot] != 0; slot = (slot + 1) & mask) {
            int pos = slots[slot] - 1;
            if (shortAt(pos + 28) == length && nameEquals(pos + CEN_HEADER, name, utf8, length)) {
                return pos;
            }
        }
        return -1;
    }

    /** The uncompressed size of an entry {@link #find} returned. */
    int size(int entry) throws IOException {
        long size = intAt(entry + 24) & 0xFFFFFFFFL;
        if (size > Integer.MAX_VALUE - 16) {
            throw new IOException(path + ": entry " + name(entry) + " is too large");
        }
        return (int) size;
    }

    /**
     * Reads an entry into {@code into} (at least {@link #size} long) and returns its length;
     * {@code scratch} holds the compressed bytes on the way (grown by the caller's {@code ensure}
     * when too short: pass a buffer of at least the compressed size, see {@link #compressedSize}).
     */
    int read(int entry, byte[] into, byte[] scratch) throws IOException {
        if (closed) {
            throw new IOException(path + " is closed");
        }
        int method = shortAt(entry + 10);
        int compressed = compressedSize(entry);
        int size = size(entry);
        long loc = intAt(entry + 42) & 0xFFFFFFFFL;
        byte[] header = new byte[LOC_HEADER];
        readFully(file, header, 0, LOC_HEADER, loc);
        if (intAt(header, 0) != LOC_SIGNATURE) {
            throw new IOException(path + ": entry " + name(entry) + " has no local header where the directory says");
        }
        long data = loc + LOC_HEADER + shortAt(header, 26) + shortAt(header, 28);
        if (method == STORED) {
            if (compressed != size) {
                throw new IOException(path + ": stored entry " + name(entry) + " has two sizes");
            }
            readFully(file, into, 0, size, data);
            checkCrc(entry, into, size);
            return size;
        }
        if (method != DEFLATED) {
            throw new IOException(path + ": entry " + name(entry) + " uses compression method " + method);
        }
        readFully(file, scratch, 0, compressed, data);
        Inflater inflater = takeInflater();
        try {
            inflater.setInput(scratch, 0, compressed);
            int n = 0;
            byte[] probe = null;
            while (!inflater.finished()) {
                int got;
                if (n < size) {
                    got = inflater.inflate(into, n, size - n);
                } else {
                    // All the bytes the directory promises are there: the stream must end without more.
                    probe = probe == null ? new byte[1] : probe;
                    got = inflater.inflate(probe, 0, 1);
                    if (got > 0) {
                        n = size + 1;
                        break;
                    }
                }
                if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                n += got;
            }
            if (n != size || !inflater.finished()) {
                throw new IOException(path + ": entry " + name(entry) + " inflates to other than its size");
            }
            checkCrc(entry, into, n);
            return n;
        } catch (DataFormatException damaged) {
            throw new IOException(path + ": entry " + name(entry) + " is damaged: " + damaged.getMessage(), damaged);
        } finally {
            giveBack(inflater);
        }
    }

    /** A damaged jar fails here rather than defining a class from whatever its bytes inflate to. */
    private void checkCrc(int entry, byte[] bytes, int length) throws IOException {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        if ((int) crc.getValue() != intAt(entry + 16)) {
            throw new IOException(path + ": entry " + name(entry) + " fails its CRC check (the jar is damaged)");
        }
    }

    /** The compressed size of an entry {@link #find} returned. */
    int compressedSize(int entry) throws IOException {
        long size = intAt(entry + 20) & 0xFFFFFFFFL;
        if (size > Integer.MAX_VALUE - 16) {
            throw new IOException(path + ": entry " + name(entry) + " is too large");
        }
        return (int) size;
    }

    /** Reads a whole entry into a new array. */
    byte[] readAll(int entry) throws IOException {
        byte[] out = new byte[size(entry)];
        readInto(entry, out);
        return out;
    }

    /** Reads an entry into {@code into} (at least {@link #size} long) and returns its length. */
    int readInto(int entry, byte[] into) throws IOException {
        byte[] compressed = takeScratch(compressedSize(entry));
        try {
            return read(entry, into, compressed);
        } finally {
            giveBackScratch(compressed);
        }
    }

    /**
     * A buffer of at least {@code length} bytes for an entry's compressed bytes, which are garbage once
     * inflated: a start reads ~25 blocks of ~45 KB compressed, and in a JVM that has not collected yet
     * every new array is memory touched for the first time (page faults, and RSS).
     */
    private byte[] takeScratch(int length) {
        for (int i = 0; i < scratches.length(); i++) {
            byte[] scratch = scratches.getAndSet(i, null);
            if (scratch != null) {
                if (scratch.length >= length) {
                    return scratch;
                }
                giveBackScratch(scratch);
                break;
            }
        }
        return new byte[Math.max(length, SCRATCH_SIZE)];
    }

    private void giveBackScratch(byte[] scratch) {
        if (scratch.length > MAX_SCRATCH_SIZE) {
            return; // a large entry's: not worth keeping
        }
        for (int i = 0; i < scratches.length(); i++) {
            if (scratches.compareAndSet(i, null, scratch)) {
                return;
            }
        }
    }

    /** The name of every entry, in the directory's order. */
    Stream<String> names() {
        int[] positions = new int[count];
        int pos = 0;
        for (int i = 0; i < count; i++) {
            positions[i] = pos;
            pos += CEN_HEADER + shortAt(pos + 28) + shortAt(pos + 30) + shortAt(pos + 32);
        }
        return IntStream.of(positions).mapToObj(this::name);
    }

    String name(int entry) {
        return new String(cen, entry + CEN_HEADER, shortAt(entry + 28), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        for (int i = 0; i < inflaters.length(); i++) {
            Inflater inflater = inflaters.getAndSet(i, null);
            if (inflater != null) {
                inflater.end();
            }
        }
        file.close();
    }

    private Inflater takeInflater() {
        for (int i = 0; i < inflaters.length(); i++) {
            Inflater inflater = inflaters.getAndSet(i, null);
            if (inflater != null) {
                inflater.reset();
                return inflater;
            }
        }
        return new Inflater(true);
    }

    private void giveBack(Inflater inflater) {
        for (int i = 0; i < inflaters.length(); i++) {
            if (inflaters.compareAndSet(i, null, inflater)) {
                return;
            }
        }
        inflater.end();
    }

    private boolean nameEquals(int at, String name, byte[] utf8, int length) {
        if (utf8 != null) {
            for (int i = 0; i < length; i++) {
                if (cen[at + i] != utf8[i]) {
                    return false;
                }
            }
            return true;
        }
        for (int i = 0; i < length; i++) {
            if (cen[at + i] != (byte) name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** FNV-1a over the name's UTF-8 bytes; {@link #hash(String)} gives the same for an ASCII name. */
    private static int hash(byte[] b, int from, int length) {
        int h = 0x811c9dc5;
        for (int i = from; i < from + length; i++) {
            h = (h ^ (b[i] & 0xFF)) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }

    private static int hash(String ascii) {
        int h = 0x811c9dc5;
        for (int i = 0; i < ascii.length(); i++) {
            h = (h ^ ascii.charAt(i)) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }

    private int shortAt(int i) {
        return shortAt(cen, i);
    }

    private int intAt(int i) {
        return intAt(cen, i);
    }

    private static int shortAt(byte[] b, int i) {
        return (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8;
    }

    private static int intAt(byte[] b, int i) {
        return (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF) << 16 | (b[i + 3] & 0xFF) << 24;
    }

    private static void readFully(RandomAccessFile file, byte[] into, int offset, int length, long position) throws IOException {
        synchronized (file) {
            file.seek(position);
            file.readFully(into, offset, length);
        }
    }
}
