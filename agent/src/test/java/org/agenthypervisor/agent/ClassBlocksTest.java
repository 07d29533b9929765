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

    /** Two blocks: a/A and a/B in block 0, b/C in block 1; the index (and its lookup table) as PackInternals writes it. */
    /** PackInternals.hash and ClassBlocks.hash: FNV-1a over the length and the last 32 bytes. */
    private static int fnv(byte[] name) {
        int h = (0x811c9dc5 ^ name.length) * 0x01000193;
        for (int i = Math.max(0, name.length - 32); i < name.length; i++) {
            h = (h ^ (name[i] & 0xFF)) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }

    private Path packedJar(String name, int magic, int blocksWritten, int lengthOfC, boolean flipBlock1) throws IOException {
        return packedJar(name, magic, blocksWritten, lengthOfC, flipBlock1, false);
    }

    private Path packedJar(String name, int magic, int blocksWritten, int lengthOfC, boolean flipBlock1, boolean damagedSlot)
            throws IOException {
        Map<String, int[]> index = new LinkedHashMap<>();
        index.put("a/A", new int[] {0, 0, 3});
        index.put("a/B", new int[] {0, 3, 4});
        index.put("b/C", new int[] {1, 0, lengthOfC});
        ByteArrayOutputStream entries = new ByteArrayOutputStream();
        Map<String, Integer> positions = new LinkedHashMap<>();
        try (DataOutputStream data = new DataOutputStream(entries)) {
            for (Map.Entry<String, int[]> e : index.entrySet()) {
                positions.put(e.getKey(), data.size());
                data.writeUTF(e.getKey());
                data.writeShort(e.getValue()[0]);
                data.writeInt(e.getValue()[1]);
                data.writeInt(e.getValue()[2]);
            }
        }
        int capacity = 8;
        int entriesAt = 20 + 4 * capacity;
        int[] slots = new int[capacity];
        for (Map.Entry<String, Integer> e : positions.entrySet()) {
            int slot = fnv(bytes(e.getKey())) & (capacity - 1);
            while (slots[slot] != 0) {
                slot = (slot + 1) & (capacity - 1);
            }
            slots[slot] = entriesAt + e.getValue() + 1;
        }
        if (damagedSlot) {
            slots[java.util.Arrays.stream(slots).boxed().toList().indexOf(0)] = 7; // points into the table, not at an entry
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DataOutputStream data = new DataOutputStream(out)) {
            data.writeInt(magic);
            data.writeInt(2);
            data.writeInt(2);
            data.writeInt(index.size());
            data.writeInt(capacity);
            for (int slot : slots) {
                data.writeInt(slot);
            }
            data.write(entries.toByteArray());
        }
        Path jar = dir.resolve(name);
        try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(jar))) {
            j.putNextEntry(new ZipEntry(BASE + ClassBlocks.INDEX));
            j.write(out.toByteArray());
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
        ByteArrayOutputStream entries = new ByteArrayOutputStream();
        Map<String, Integer> positions = new LinkedHashMap<>();
        try (DataOutputStream data = new DataOutputStream(entries)) {
            for (int i = 0; i < count; i++) {
                positions.put("p/C" + i, data.size());
                data.writeUTF("p/C" + i);
                data.writeShort(i);
                data.writeInt(0);
                data.writeInt(i + 1);
            }
        }
        int capacity = Integer.highestOneBit(count * 2) * 2;
        int entriesAt = 20 + 4 * capacity;
        int[] slots = new int[capacity];
        for (Map.Entry<String, Integer> e : positions.entrySet()) {
            int slot = fnv(bytes(e.getKey())) & (capacity - 1);
            while (slots[slot] != 0) {
                slot = (slot + 1) & (capacity - 1);
            }
            slots[slot] = entriesAt + e.getValue() + 1;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DataOutputStream data = new DataOutputStream(out)) {
            data.writeInt(0x41484349);
            data.writeInt(2);
            data.writeInt(count);
            data.writeInt(count);
            data.writeInt(capacity);
            for (int slot : slots) {
                data.writeInt(slot);
            }
            data.write(entries.toByteArray());
        }
        Path jar = dir.resolve("many.jar");
        try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(jar))) {
            j.putNextEntry(new ZipEntry(BASE + ClassBlocks.INDEX));
            j.write(out.toByteArray());
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
            IOException e = assertThrows(IOException.class, () -> ClassBlocks.open(jar, BASE));
            assertTrue(e.getMessage().contains("damaged at slot"), e.getMessage());
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
