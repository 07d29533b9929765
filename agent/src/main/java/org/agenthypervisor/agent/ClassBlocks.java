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
    /** The packed classes' paths, one per line in the index's order: read only to list them. */
    static final String NAMES = "META-INF/agent-hypervisor/names";
    private static final int MAGIC = 0x41484349;
    /**
     * 3: each entry holds its path's 64-bit hash, the paths are in {@link #NAMES} (2: the paths were in the
     * index, 350 KB inflated at every start to look up a few hundred; 1: every start built the table).
     */
    private static final int VERSION = 3;
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
    private final String base;
    private final String blocksBase;
    /**
     * The index as the build wrote it: the lookup table (open addressing: an entry's position in the
     * index plus one, 0 for empty), then each entry: its path's hash, block, offset and length. Read in
     * place: a slot is checked when a lookup reaches it.
     */
    private final byte[] index;
    private final int capacity;
    private final int entriesAt;
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

    private ClassBlocks(JarContents jar, String base, int[] blockEntries, byte[] index, int capacity) {
        this.jar = jar;
        this.base = base;
        this.blocksBase = base + BLOCKS;
        this.blockEntries = blockEntries;
        this.index = index;
        this.capacity = capacity;
        this.entriesAt = HEADER + 4 * capacity;
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
                || capacity > (index.length - HEADER) / 4 || count > 1 << 24) {
            throw new IOException("the agent jar's class index " + base + INDEX + " is damaged");
        }
        if (index.length != HEADER + 4L * capacity + (long) ENTRY * count) {
            throw new IOException("the agent jar's class index " + base + INDEX + " is damaged (its size)");
        }
        int[] blockEntries = new int[blocks];
        java.util.Arrays.fill(blockEntries, -1);
        return new ClassBlocks(jar, base, blockEntries, index, capacity);
    }

    /** An entry: its path's hash (8), block (2), offset (4), length (4). */
    private static final int ENTRY = 18;

    private static int intAt(byte[] b, int p) {
        return (b[p] & 0xFF) << 24 | (b[p + 1] & 0xFF) << 16 | (b[p + 2] & 0xFF) << 8 | (b[p + 3] & 0xFF);
    }

    private static long longAt(byte[] b, int p) {
        return (long) intAt(b, p) << 32 | (intAt(b, p + 4) & 0xFFFFFFFFL);
    }

    /** FNV-1a, 64 bits, over a path's UTF-8 bytes (PackInternals.hash64). */
    private static long hash64(byte[] b, int length) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < length; i++) {
            h = (h ^ (b[i] & 0xFF)) * 0x100000001b3L;
        }
        return h;
    }

    /** {@link #hash64(byte[], int)} of an ASCII name without making its bytes; dots read as slashes when {@code dotted}. */
    private static long hash64(String ascii, boolean dotted) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0, n = ascii.length(); i < n; i++) {
            char c = ascii.charAt(i);
            h = (h ^ (dotted && c == '.' ? '/' : c)) * 0x100000001b3L;
        }
        return h;
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

    /**
     * By the path's hash alone: the build refuses two paths with one hash, and a name that is not in
     * the jar matches an entry with a chance of about one in 2^52, which would define no class (the
     * JVM checks the name in the class file against the name asked for).
     */
    private long locate(String path, boolean dotted) {
        long h = -1;
        boolean ascii = true;
        for (int i = 0, n = path.length(); i < n; i++) {
            char c = path.charAt(i);
            if (c == 0 || c >= 0x80) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            h = hash64(path, dotted);
        } else {
            byte[] utf8 = (dotted ? path.replace('.', '/') : path).getBytes(StandardCharsets.UTF_8);
            h = hash64(utf8, utf8.length);
        }
        int mask = capacity - 1;
        for (int slot = (int) (h ^ (h >>> 32)) & mask, probes = 0; probes < capacity; slot = (slot + 1) & mask, probes++) {
            int at = intAt(index, HEADER + 4 * slot);
            if (at == 0) {
                return -1;
            }
            int pos = at - 1;
            if (pos < entriesAt || (pos - entriesAt) % ENTRY != 0 || pos > index.length - ENTRY) {
                throw new java.io.UncheckedIOException(new IOException("the agent jar's class index is damaged at slot " + slot));
            }
            if (longAt(index, pos) == h) {
                int block = ((index[pos + 8] & 0xFF) << 8) | (index[pos + 9] & 0xFF);
                int offset = intAt(index, pos + 10);
                int size = intAt(index, pos + 14);
                if (block >= blockEntries.length || offset < 0 || size < 0 || offset >= 1 << 24 || size >= 1 << 24) {
                    throw new java.io.UncheckedIOException(new IOException("the agent jar's class index is damaged at " + path));
                }
                return (long) block << 48 | (long) offset << 24 | size;
            }
        }
        return -1;
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

    /** Every packed class's path (from {@link #NAMES}, read for this). */
    Stream<String> paths() throws IOException {
        int names = jar.find(base + NAMES);
        if (names < 0) {
            throw new IOException("the agent jar has no " + base + NAMES + " (the jar is damaged)");
        }
        String all = new String(jar.readAll(names), StandardCharsets.UTF_8);
        java.util.List<String> paths = new java.util.ArrayList<>();
        for (String line : all.split("\n")) {
            if (!line.isEmpty()) {
                paths.add(line);
            }
        }
        return paths.stream();
    }
}
