package org.agenthypervisor.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packed classes' reader: finds and reads each class, and refuses a damaged index or block. */
class ClassBlocksTest {
    private static final String BASE = "org/agenthypervisor/internals/";

    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** PackInternals.hash64 and ClassBlocks.hash64: FNV-1a, 64 bits, over the path's UTF-8 bytes. */
    private static long fnv64(byte[] name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name) {
            h = (h ^ (b & 0xFF)) * 0x100000001b3L;
        }
        return h;
    }

    /** The index (version 3) and the names file as PackInternals writes them, for entries path -> {block, offset, length}. */
    private static byte[][] index(Map<String, int[]> index, int blocks, int magic, boolean damagedSlot) throws IOException {
        int capacity = Integer.highestOneBit(Math.max(4, index.size() * 2 - 1)) << 1;
        int entriesAt = 20 + 4 * capacity;
        int[] slots = new int[capacity];
        int i = 0;
        for (String path : index.keySet()) {
            long h = fnv64(bytes(path));
            int slot = (int) (h ^ (h >>> 32)) & (capacity - 1);
            while (slots[slot] != 0) {
                slot = (slot + 1) & (capacity - 1);
            }
            slots[slot] = entriesAt + 18 * i++ + 1;
        }
        if (damagedSlot) {
            slots[java.util.Arrays.stream(slots).boxed().toList().indexOf(0)] = 7; // points into the table, not at an entry
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringBuilder names = new StringBuilder();
        try (DataOutputStream data = new DataOutputStream(out)) {
            data.writeInt(magic);
            data.writeInt(3);
            data.writeInt(blocks);
            data.writeInt(index.size());
            data.writeInt(capacity);
            for (int slot : slots) {
                data.writeInt(slot);
            }
            for (Map.Entry<String, int[]> e : index.entrySet()) {
                data.writeLong(fnv64(bytes(e.getKey())));
                data.writeShort(e.getValue()[0]);
                data.writeInt(e.getValue()[1]);
                data.writeInt(e.getValue()[2]);
                names.append(e.getKey()).append('\n');
            }
        }
        return new byte[][] {out.toByteArray(), bytes(names.toString())};
    }

    private Path packedJar(String name, int magic, int blocksWritten, int lengthOfC, boolean flipBlock1) throws IOException {
        return packedJar(name, magic, blocksWritten, lengthOfC, flipBlock1, false);
    }

    /** Two blocks: a/A and a/B in block 0, b/C in block 1. */
    private Path packedJar(String name, int magic, int blocksWritten, int lengthOfC, boolean flipBlock1, boolean damagedSlot)
            throws IOException {
        Map<String, int[]> entries = new LinkedHashMap<>();
        entries.put("a/A", new int[] {0, 0, 3});
        entries.put("a/B", new int[] {0, 3, 4});
        entries.put("b/C", new int[] {1, 0, lengthOfC});
        byte[][] index = index(entries, 2, magic, damagedSlot);
        Path jar = dir.resolve(name);
        try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(jar))) {
            j.putNextEntry(new ZipEntry(BASE + ClassBlocks.INDEX));
            j.write(index[0]);
            j.putNextEntry(new ZipEntry(BASE + ClassBlocks.NAMES));
            j.write(index[1]);
            byte[][] blocks = {bytes("AAABBBB"), bytes("CCCCC")};
            for (int b = 0; b < blocksWritten; b++) {
                j.putNextEntry(new ZipEntry(BASE + ClassBlocks.BLOCKS + b));
                j.write(blocks[b]);
            }
        }
        if (flipBlock1) {
            byte[] all = Files.readAllBytes(jar);
            String text = new String(all, StandardCharsets.ISO_8859_1);
            int at = text.indexOf(ClassBlocks.BLOCKS + 1) + (ClassBlocks.BLOCKS + 1).length();
            all[at + 1] ^= 0x40; // inside block 1's deflated data, just after its local header's name
            Files.write(jar, all);
        }
        return jar;
    }

    @Test
    void findsAndReadsEachClassFromItsBlock() throws IOException {
        try (JarContents jar = JarContents.open(packedJar("ok.jar", 0x41484349, 2, 5, false))) {
            ClassBlocks blocks = ClassBlocks.open(jar, BASE);
            assertArrayEquals(bytes("AAA"), blocks.read("a/A"));
            assertArrayEquals(bytes("BBBB"), blocks.read("a/B"));
            assertArrayEquals(bytes("CCCCC"), blocks.read("b/C"));
            assertNull(blocks.read("a/Absent"));
            assertEquals(blocks.locate("a/B"), blocks.locateBinaryName("a.B"), "a binary name finds the class at its path");
            assertEquals(blocks.locate("b/C"), blocks.locateBinaryName("b.C"));
            assertEquals(-1, blocks.locateBinaryName("a.Absent"));
            assertEquals(-1, blocks.locateBinaryName("aXB"));
            assertEquals(-1, blocks.locate("b/c"));
            long b = blocks.locate("a/B");
            assertEquals(3, ClassBlocks.offset(b));
            assertEquals(4, ClassBlocks.length(b));
            byte[] first = blocks.pin(blocks.locate("a/A"));
            byte[] second = blocks.pin(b);
            assertSame(first, second, "one block inflated once while kept");
            blocks.unpin(first);
            blocks.unpin(second);
            assertEquals(0, blocks.pinned());
            assertThrows(IllegalStateException.class, () -> blocks.unpin(first), "unpinned more often than pinned");
            assertEquals(Set.of("a/A", "a/B", "b/C"), blocks.paths().collect(Collectors.toSet()));
        }
    }

    /** {@code count} blocks, block {@code i} holding the one class {@code p/C<i>}: {@code i + 1} bytes of value {@code i}. */
    private Path manyBlocks(int count) throws IOException {
        Map<String, int[]> entries = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            entries.put("p/C" + i, new int[] {i, 0, i + 1});
        }
        byte[][] index = index(entries, count, 0x41484349, false);
        Path jar = dir.resolve("many.jar");
        try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(jar))) {
            j.putNextEntry(new ZipEntry(BASE + ClassBlocks.INDEX));
            j.write(index[0]);
            j.putNextEntry(new ZipEntry(BASE + ClassBlocks.NAMES));
            j.write(index[1]);
            for (int b = 0; b < count; b++) {
                j.putNextEntry(new ZipEntry(BASE + ClassBlocks.BLOCKS + b));
                byte[] block = new byte[b + 1];
                java.util.Arrays.fill(block, (byte) b);
                j.write(block);
            }
        }
        return jar;
    }

    private static byte[] classOf(int i) {
        byte[] expected = new byte[i + 1];
        java.util.Arrays.fill(expected, (byte) i);
        return expected;
    }

    @Test
    void blocksThatFallOutAreInflatedIntoReusedArraysButNeverWhilePinned() throws IOException {
        int count = 40;
        try (JarContents jar = JarContents.open(manyBlocks(count))) {
            ClassBlocks blocks = ClassBlocks.open(jar, BASE);
            long w0 = blocks.locate("p/C0");
            byte[] pinned = blocks.pin(w0);
            java.util.Set<byte[]> arrays = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            arrays.add(pinned);
            for (int i = 1; i < count; i++) {
                assertArrayEquals(classOf(i), blocks.read("p/C" + i), "class " + i);
                long w = blocks.locate("p/C" + i);
                byte[] block = blocks.pin(w);
                arrays.add(block);
                assertArrayEquals(classOf(i), java.util.Arrays.copyOfRange(block, ClassBlocks.offset(w),
                        ClassBlocks.offset(w) + ClassBlocks.length(w)));
                blocks.unpin(block);
                // Block 0 fell out of the kept ones long ago, but it is pinned: its array is never reused.
                assertArrayEquals(classOf(0), java.util.Arrays.copyOfRange(pinned, 0, 1), "a pinned block is left alone");
            }
            assertTrue(arrays.size() <= 8 + 4 + 1, "40 blocks inflated into " + arrays.size() + " arrays");
            assertEquals(1, blocks.pinned());
            blocks.unpin(pinned);
            assertEquals(0, blocks.pinned());
            assertArrayEquals(classOf(0), blocks.read("p/C0"), "inflated again after it fell out");
        }
    }

    @Test
    void threadsReadingAtOnceEachGetTheirClass() throws Exception {
        int count = 30;
        try (JarContents jar = JarContents.open(manyBlocks(count))) {
            ClassBlocks blocks = ClassBlocks.open(jar, BASE);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int seed = t;
                    done.add(pool.submit(() -> {
                        java.util.Random random = new java.util.Random(seed);
                        for (int n = 0; n < 2_000; n++) {
                            int i = random.nextInt(count);
                            long w = blocks.locate("p/C" + i);
                            byte[] block = blocks.pin(w);
                            try {
                                Thread.yield();
                                assertArrayEquals(classOf(i), java.util.Arrays.copyOfRange(block, ClassBlocks.offset(w),
                                        ClassBlocks.offset(w) + ClassBlocks.length(w)), "class " + i);
                            } finally {
                                blocks.unpin(block);
                            }
                        }
                        return null;
                    }));
                }
                for (java.util.concurrent.Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(0, blocks.pinned());
        }
    }

    @Test
    void aJarWithoutAnIndexHasNoPackedClasses() throws IOException {
        Path jar = dir.resolve("plain.jar");
        try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(jar))) {
            j.putNextEntry(new ZipEntry(BASE + "a/A.classdata"));
            j.write(bytes("AAA"));
        }
        try (JarContents contents = JarContents.open(jar)) {
            assertNull(ClassBlocks.open(contents, BASE));
        }
    }

    @Test
    void aDamagedIndexOrAMissingShortOrDamagedBlockIsAnError() throws IOException {
        try (JarContents jar = JarContents.open(packedJar("magic.jar", 0x12345678, 2, 5, false))) {
            IOException e = assertThrows(IOException.class, () -> ClassBlocks.open(jar, BASE));
            assertTrue(e.getMessage().contains("of another build"), e.getMessage());
        }
        try (JarContents jar = JarContents.open(packedJar("slot.jar", 0x41484349, 2, 5, false, true))) {
            ClassBlocks blocks = ClassBlocks.open(jar, BASE); // a slot is checked when a lookup reaches it
            String problem = null;
            for (int i = 0; i < 1000 && problem == null; i++) {
                try {
                    assertEquals(-1, blocks.locate("x/Absent" + i), "an absent class is never found");
                } catch (java.io.UncheckedIOException damaged) {
                    problem = damaged.getCause().getMessage();
                }
            }
            assertTrue(problem != null && problem.contains("damaged at slot"), String.valueOf(problem));
        }
        try (JarContents jar = JarContents.open(packedJar("missing.jar", 0x41484349, 1, 5, false))) {
            ClassBlocks blocks = ClassBlocks.open(jar, BASE); // blocks are found when first read
            assertArrayEquals(bytes("AAA"), blocks.read("a/A"));
            IOException e = assertThrows(IOException.class, () -> blocks.read("b/C"));
            assertTrue(e.getMessage().contains("has no block"), e.getMessage());
            assertEquals(0, blocks.pinned(), "nothing left pinned by the failure");
        }
        try (JarContents jar = JarContents.open(packedJar("short.jar", 0x41484349, 2, 9, false))) {
            ClassBlocks blocks = ClassBlocks.open(jar, BASE);
            IOException e = assertThrows(IOException.class, () -> blocks.read("b/C"));
            assertTrue(e.getMessage().contains("shorter than its index says"), e.getMessage());
        }
        try (JarContents jar = JarContents.open(packedJar("flipped.jar", 0x41484349, 2, 5, true))) {
            ClassBlocks blocks = ClassBlocks.open(jar, BASE);
            assertArrayEquals(bytes("AAA"), blocks.read("a/A"));
            assertThrows(IOException.class, () -> blocks.read("b/C"), "a flipped byte fails the block's CRC or inflation");
        }
    }
}
