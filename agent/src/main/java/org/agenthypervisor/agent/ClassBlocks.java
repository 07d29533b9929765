package org.agenthypervisor.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The internals' classes as the build packs them ({@code agent/src/build/PackInternals.java}): class
 * files concatenated into blocks of about 128 KB, each block one deflated jar entry, and an index of
 * where each class is. Deflated together, classes share their relocated package names and
 * descriptors, which makes the jar about a quarter smaller than one entry per class. The classes a
 * start loads come first, in load order, so a start inflates a few blocks once; the last few blocks
 * stay inflated for the classes that follow.
 */
final class ClassBlocks {
    static final String INDEX = "META-INF/agent-hypervisor/classes";
    static final String BLOCKS = "META-INF/agent-hypervisor/blocks/";
    private static final int MAGIC = 0x41484349;
    private static final int VERSION = 1;
    /** Inflated blocks kept: the installer and the class preloader each walk through their own. */
    private static final int KEPT = 4;

    private final JarContents jar;
    private final int[] blockEntries;
    /** Path ({@code x/y/Z}) to block (bits 48+), offset (24–47) and length (0–23). */
    private final Map<String, Long> classes;
    private final int[] keptBlock = new int[KEPT];
    private final byte[][] kept = new byte[KEPT][];
    private int nextSlot;

    private ClassBlocks(JarContents jar, int[] blockEntries, Map<String, Long> classes) {
        this.jar = jar;
        this.blockEntries = blockEntries;
        this.classes = classes;
        java.util.Arrays.fill(keptBlock, -1);
    }

    /** The jar's packed classes under {@code base}, or null when the jar keeps one entry per class. */
    static ClassBlocks open(JarContents jar, String base) throws IOException {
        int indexEntry = jar.find(base + INDEX);
        if (indexEntry < 0) {
            return null;
        }
        byte[] index = jar.readAll(indexEntry);
        int[] pos = {0};
        if (intAt(index, pos) != MAGIC || intAt(index, pos) != VERSION) {
            throw new IOException("the agent jar's class index " + base + INDEX + " is of another build");
        }
        int blocks = intAt(index, pos);
        int count = intAt(index, pos);
        int[] blockEntries = new int[blocks];
        for (int b = 0; b < blocks; b++) {
            blockEntries[b] = jar.find(base + BLOCKS + b);
            if (blockEntries[b] < 0) {
                throw new IOException("the agent jar has no block " + base + BLOCKS + b + " (the jar is damaged)");
            }
        }
        Map<String, Long> classes = new HashMap<>(count * 2);
        for (int i = 0; i < count; i++) {
            int length = ((index[pos[0]] & 0xFF) << 8) | (index[pos[0] + 1] & 0xFF);
            // DataOutput.writeUTF of a class path: the same bytes as UTF-8 for every name a class can have here.
            String path = new String(index, pos[0] + 2, length, StandardCharsets.UTF_8);
            pos[0] += 2 + length;
            long block = ((index[pos[0]] & 0xFF) << 8) | (index[pos[0] + 1] & 0xFF);
            pos[0] += 2;
            long offset = intAt(index, pos);
            long size = intAt(index, pos);
            if (block >= blocks || offset < 0 || size < 0 || offset >= 1 << 24 || size >= 1 << 24) {
                throw new IOException("the agent jar's class index " + base + INDEX + " is damaged at " + path);
            }
            classes.put(path, block << 48 | offset << 24 | size);
        }
        return new ClassBlocks(jar, blockEntries, classes);
    }

    private static int intAt(byte[] b, int[] pos) {
        int p = pos[0];
        pos[0] = p + 4;
        return (b[p] & 0xFF) << 24 | (b[p + 1] & 0xFF) << 16 | (b[p + 2] & 0xFF) << 8 | (b[p + 3] & 0xFF);
    }

    /** Where the class at {@code path} ({@code x/y/Z}) is, or -1. */
    long locate(String path) {
        Long where = classes.get(path);
        return where == null ? -1 : where;
    }

    static int offset(long where) {
        return (int) (where >>> 24 & 0xFFFFFF);
    }

    static int length(long where) {
        return (int) (where & 0xFFFFFF);
    }

    /**
     * The inflated block holding {@code where}: never changed once handed out (a block that falls out
     * of the few kept is dropped, not reused), so callers may read it after the lock is released.
     */
    byte[] block(long where) throws IOException {
        int block = (int) (where >>> 48);
        synchronized (this) {
            for (int i = 0; i < KEPT; i++) {
                if (keptBlock[i] == block) {
                    return kept[i];
                }
            }
        }
        byte[] bytes = jar.readAll(blockEntries[block]); // outside the lock: the other thread reads its own
        int end = offset(where) + length(where);
        if (end > bytes.length) {
            throw new IOException("the agent jar's block " + block + " is shorter than its index says (the jar is damaged)");
        }
        synchronized (this) {
            int slot = nextSlot;
            nextSlot = (slot + 1) % KEPT;
            keptBlock[slot] = block;
            kept[slot] = bytes;
        }
        return bytes;
    }

    /** A copy of the class file at {@code path}, or null. */
    byte[] read(String path) throws IOException {
        long where = locate(path);
        if (where < 0) {
            return null;
        }
        byte[] block = block(where);
        return java.util.Arrays.copyOfRange(block, offset(where), offset(where) + length(where));
    }

    /** Every packed class's path. */
    Stream<String> paths() {
        return classes.keySet().stream();
    }
}
