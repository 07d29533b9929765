package org.agenthypervisor.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

/**
 * The internals' classes as the build packs them ({@code agent/src/build/PackInternals.java}): class
 * files concatenated into blocks of about 64 KB, each block one deflated jar entry, and an index of
 * where each class is. Deflated together, classes share their relocated package names and
 * descriptors, which makes the jar about a quarter smaller than one entry per class. The classes a
 * start loads come first, in load order, so a start inflates a few blocks once; the last few blocks
 * stay inflated for the classes that follow.
 */
final class ClassBlocks {
    static final String INDEX = "META-INF/agent-hypervisor/classes";
    static final String BLOCKS = "META-INF/agent-hypervisor/blocks/";
    private static final int MAGIC = 0x41484349;
    /** 2: the build writes the lookup table (1: every start built it, hashing ~3,500 names in a cold JVM). */
    private static final int VERSION = 2;
    /** Magic, version, blocks, classes, table capacity. */
    private static final int HEADER = 20;
    /**
     * Blocks kept inflated. Eight: the preloader walks the start-up list block by block while the
     * installer and the signing warm-up load elsewhere; with four, a start inflated a fifth of its
     * blocks twice (a new array each time).
     */
    private static final int KEPT = 8;
    /** Arrays kept for reuse beyond the kept blocks'. */
    private static final int SPARE = 4;
    /**
     * The size of a new block array: the build's block size, so that any later block fits in it (a
     * larger class gets its own). 64 KB rather than 128: the kept and spare arrays are half the
     * memory (-0.4 MB of RSS on JDK 25) for a jar 3% larger; 32 KB gained nothing more.
     */
    private static final int BLOCK_ARRAY = 64 << 10;

    private final JarContents jar;
    /** Each block's jar entry, found when the block is first read (-1: not yet): a start reads ~50 of ~270. */
    private final int[] blockEntries;
    private final String blocksBase;
    /** The index as the build wrote it: each entry a class path (modified UTF-8), block, offset and length. */
    private final byte[] index;
    /**
     * Open addressing over the index's entries: the position of an entry in {@link #index}, plus one;
     * 0 is empty. Built from the index's bytes without making a String of each of its ~3,500 names
     * (a start looks up a few hundred).
     */
    private final int[] slots;
    private final int[] keptBlock = new int[KEPT];
    private final byte[][] kept = new byte[KEPT][];
    /** Each kept block's inflated length (its array may be longer: arrays are reused). */
    private final int[] keptLength = new int[KEPT];
    /** Readers of each kept block between {@link #pin} and {@link #unpin}. */
    private final int[] pins = new int[KEPT];
    /** Blocks that fell out of the kept ones while read, by array, with their readers: spare once the last is done. */
    private final java.util.IdentityHashMap<byte[], int[]> retired = new java.util.IdentityHashMap<>();
    /**
     * Arrays of blocks no longer kept nor read, for the next block to inflate into. A start inflates
     * ~50 blocks of up to 64 KB: a new array for each was 3 MB of young garbage, every page of it
     * touched for the first time in a JVM that had not collected yet, so resident (issue 11).
     */
    private final byte[][] spare = new byte[SPARE][];
    private int nextSlot;

    private ClassBlocks(JarContents jar, String base, int[] blockEntries, byte[] index, int[] slots) {
        this.jar = jar;
        this.blocksBase = base + BLOCKS;
        this.blockEntries = blockEntries;
        this.index = index;
        this.slots = slots;
        java.util.Arrays.fill(keptBlock, -1);
    }

    /**
     * The jar's packed classes under {@code base}, or null when the jar keeps one entry per class.
     * Reads the lookup table the build wrote; an entry is checked when a lookup reaches it.
     */
    static ClassBlocks open(JarContents jar, String base) throws IOException {
        int indexEntry = jar.find(base + INDEX);
        if (indexEntry < 0) {
            return null;
        }
        byte[] index = jar.readAll(indexEntry);
        if (index.length < HEADER || intAt(index, 0) != MAGIC || intAt(index, 4) != VERSION) {
            throw new IOException("the agent jar's class index " + base + INDEX + " is of another build");
        }
        int blocks = intAt(index, 8);
        int count = intAt(index, 12);
        int capacity = intAt(index, 16);
        if (blocks < 0 || blocks > 1 << 16 || count < 0 || capacity < 4 || Integer.bitCount(capacity) != 1 || capacity < count
                || capacity > (index.length - HEADER) / 4) {
            throw new IOException("the agent jar's class index " + base + INDEX + " is damaged");
        }
        int[] blockEntries = new int[blocks];
        java.util.Arrays.fill(blockEntries, -1);
        int entriesAt = HEADER + 4 * capacity;
        int[] slots = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            int slot = intAt(index, HEADER + 4 * i);
            if (slot != 0 && (slot <= entriesAt || slot > index.length - ENTRY_FIXED)) {
                throw new IOException("the agent jar's class index " + base + INDEX + " is damaged at slot " + i);
            }
            slots[i] = slot;
        }
        return new ClassBlocks(jar, base, blockEntries, index, slots);
    }

    /** An entry's bytes besides its name: the name's length (2), block (2), offset (4), length (4). */
    private static final int ENTRY_FIXED = 12;
    /** The bytes of a name's end that the hash reads: the packages before them are shared by hundreds of classes. */
    private static final int HASHED_TAIL = 32;

    private static int intAt(byte[] b, int p) {
        return (b[p] & 0xFF) << 24 | (b[p + 1] & 0xFF) << 16 | (b[p + 2] & 0xFF) << 8 | (b[p + 3] & 0xFF);
    }

    /** FNV-1a over the length and the last {@value #HASHED_TAIL} bytes of a name; {@link #hash(String)} agrees for ASCII. */
    private static int hash(byte[] b, int from, int length) {
        int h = (0x811c9dc5 ^ length) * 0x01000193;
        for (int i = from + Math.max(0, length - HASHED_TAIL); i < from + length; i++) {
            h = (h ^ (b[i] & 0xFF)) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }

    private static int hash(String ascii, boolean dotted) {
        int length = ascii.length();
        int h = (0x811c9dc5 ^ length) * 0x01000193;
        for (int i = Math.max(0, length - HASHED_TAIL); i < length; i++) {
            h = (h ^ slashed(ascii.charAt(i), dotted)) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }

    /** A binary name's character as in the class's path: its dots are slashes. */
    private static char slashed(char c, boolean dotted) {
        return dotted && c == '.' ? '/' : c;
    }

    /**
     * Where the class of binary name {@code name} ({@code x.y.Z}) is, or -1: {@link #locate} without
     * making its path (the loader asks for each of the few hundred classes a start defines).
     */
    long locateBinaryName(String name) {
        return locate(name, true);
    }

    /** Where the class at {@code path} ({@code x/y/Z}) is, or -1. */
    long locate(String path) {
        return locate(path, false);
    }

    private long locate(String path, boolean dotted) {
        byte[] utf8 = null;
        int length = path.length();
        for (int i = 0; i < length; i++) {
            char c = path.charAt(i);
            if (c == 0 || c >= 0x80) {
                // Modified UTF-8 (writeUTF) differs from UTF-8 only in NUL and supplementary characters,
                // which no class path here has; such a name is simply not found.
                utf8 = (dotted ? path.replace('.', '/') : path).getBytes(StandardCharsets.UTF_8);
                length = utf8.length;
                break;
            }
        }
        int h = utf8 != null ? hash(utf8, 0, length) : hash(path, dotted);
        int mask = slots.length - 1;
        for (int slot = h & mask, probes = 0; slots[slot] != 0 && probes < slots.length; slot = (slot + 1) & mask, probes++) {
            int pos = slots[slot] - 1;
            if ((((index[pos] & 0xFF) << 8) | (index[pos + 1] & 0xFF)) == length && pos + ENTRY_FIXED + length <= index.length
                    && nameEquals(pos + 2, path, dotted, utf8, length)) {
                int where = pos + 2 + length;
                int block = ((index[where] & 0xFF) << 8) | (index[where + 1] & 0xFF);
                int offset = intAt(index, where + 2);
                int size = intAt(index, where + 6);
                if (block >= blockEntries.length || offset < 0 || size < 0 || offset >= 1 << 24 || size >= 1 << 24) {
                    throw new java.io.UncheckedIOException(new IOException("the agent jar's class index is damaged at " + path));
                }
                return (long) block << 48 | (long) offset << 24 | size;
            }
        }
        return -1;
    }

    private boolean nameEquals(int at, String name, boolean dotted, byte[] utf8, int length) {
        for (int i = length - 1; i >= 0; i--) { // from the end: names share their package prefixes
            int expected = utf8 != null ? utf8[i] & 0xFF : slashed(name.charAt(i), dotted);
            if ((index[at + i] & 0xFF) != expected) {
                return false;
            }
        }
        return true;
    }

    static int offset(long where) {
        return (int) (where >>> 24 & 0xFFFFFF);
    }

    static int length(long where) {
        return (int) (where & 0xFFFFFF);
    }

    /**
     * The inflated block holding {@code where}, pinned: it is neither changed nor reused until the
     * caller hands it back to {@link #unpin} (in a {@code finally}). Read the class at
     * {@link #offset}, {@link #length}; the array may be longer than the block.
     */
    byte[] pin(long where) throws IOException {
        int block = (int) (where >>> 48);
        int end = offset(where) + length(where);
        synchronized (this) {
            for (int i = 0; i < KEPT; i++) {
                if (keptBlock[i] == block) {
                    checkEnd(block, end, keptLength[i]);
                    pins[i]++;
                    return kept[i];
                }
            }
        }
        int entry = blockEntry(block);
        int size = jar.size(entry);
        byte[] bytes = takeSpare(size);
        int length;
        try {
            length = jar.readInto(entry, bytes); // outside the lock: the other thread reads its own
        } catch (IOException | RuntimeException failed) {
            giveBackSpare(bytes);
            throw failed;
        }
        checkEnd(block, end, length);
        synchronized (this) {
            for (int i = 0; i < KEPT; i++) {
                if (keptBlock[i] == block) { // inflated meanwhile by another thread: read that one
                    giveBackSpareLocked(bytes);
                    pins[i]++;
                    return kept[i];
                }
            }
            int slot = nextSlot;
            nextSlot = (slot + 1) % KEPT;
            byte[] old = kept[slot];
            if (old != null) {
                if (pins[slot] == 0) {
                    giveBackSpareLocked(old);
                } else {
                    retired.put(old, new int[] {pins[slot]});
                }
            }
            keptBlock[slot] = block;
            kept[slot] = bytes;
            keptLength[slot] = length;
            pins[slot] = 1;
        }
        return bytes;
    }

    /** The jar entry of a block; a jar without it is damaged (the class cannot load: the start fails closed). */
    private int blockEntry(int block) throws IOException {
        int entry;
        synchronized (this) {
            entry = blockEntries[block];
        }
        if (entry >= 0) {
            return entry;
        }
        entry = jar.find(blocksBase + block);
        if (entry < 0) {
            throw new IOException("the agent jar has no block " + blocksBase + block + " (the jar is damaged)");
        }
        synchronized (this) {
            blockEntries[block] = entry;
        }
        return entry;
    }

    /** Hands back a block {@link #pin} gave. */
    synchronized void unpin(byte[] block) {
        for (int i = 0; i < KEPT; i++) {
            if (kept[i] == block) {
                if (pins[i] <= 0) {
                    throw new IllegalStateException("a block unpinned more often than pinned");
                }
                pins[i]--;
                return;
            }
        }
        int[] readers = retired.get(block);
        if (readers == null) {
            throw new IllegalStateException("a block unpinned that was not pinned");
        }
        if (--readers[0] == 0) {
            retired.remove(block);
            giveBackSpareLocked(block);
        }
    }

    private static void checkEnd(int block, int end, int length) throws IOException {
        if (end > length) {
            throw new IOException("the agent jar's block " + block + " is shorter than its index says (the jar is damaged)");
        }
    }

    private synchronized byte[] takeSpare(int size) {
        for (int i = 0; i < SPARE; i++) {
            byte[] array = spare[i];
            if (array != null && array.length >= size) {
                spare[i] = null;
                return array;
            }
        }
        return new byte[Math.max(size, BLOCK_ARRAY)];
    }

    private synchronized void giveBackSpare(byte[] array) {
        giveBackSpareLocked(array);
    }

    private void giveBackSpareLocked(byte[] array) {
        for (int i = 0; i < SPARE; i++) {
            if (spare[i] == null) {
                spare[i] = array;
                return;
            }
        }
    }

    /** How many blocks are pinned now (tests). */
    synchronized int pinned() {
        int n = retired.size();
        for (int p : pins) {
            n += p;
        }
        return n;
    }

    /** A copy of the class file at {@code path}, or null. */
    byte[] read(String path) throws IOException {
        long where = locate(path);
        if (where < 0) {
            return null;
        }
        byte[] block = pin(where);
        try {
            return java.util.Arrays.copyOfRange(block, offset(where), offset(where) + length(where));
        } finally {
            unpin(block);
        }
    }

    /** Every packed class's path. */
    Stream<String> paths() {
        java.util.List<String> paths = new java.util.ArrayList<>();
        int count = intAt(index, 12);
        for (int i = 0, pos = HEADER + 4 * slots.length; i < count; i++) {
            int length = ((index[pos] & 0xFF) << 8) | (index[pos + 1] & 0xFF);
            paths.add(new String(index, pos + 2, length, StandardCharsets.UTF_8));
            pos += ENTRY_FIXED + length;
        }
        return paths.stream();
    }
}
