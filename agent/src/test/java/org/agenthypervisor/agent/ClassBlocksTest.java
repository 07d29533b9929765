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
            assertSame(blocks.block(blocks.locate("a/A")), blocks.block(b), "one block inflated once while kept");
            assertEquals(Set.of("a/A", "a/B", "b/C"), blocks.paths().collect(Collectors.toSet()));
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
            IOException e = assertThrows(IOException.class, () -> ClassBlocks.open(jar, BASE));
            assertTrue(e.getMessage().contains("has no block"), e.getMessage());
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
