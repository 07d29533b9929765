package org.agenthypervisor.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's jar reader against the JDK's, on stored and deflated entries, and on damaged jars. */
class JarContentsTest {
    @TempDir
    Path dir;

    @Test
    void readsEveryEntryAsTheJdkDoes() throws IOException {
        Path jar = writeJar(dir.resolve("a.jar"), 300);
        try (JarContents contents = JarContents.open(jar); JarFile reference = new JarFile(jar.toFile(), false)) {
            List<String> names = new ArrayList<>();
            reference.stream().forEach(e -> names.add(e.getName()));
            assertEquals(names, contents.names().toList());
            byte[] into = new byte[1 << 20];
            byte[] scratch = new byte[1 << 20];
            for (String name : names) {
                int entry = contents.find(name);
                assertTrue(entry >= 0, name);
                byte[] expected = reference.getInputStream(reference.getJarEntry(name)).readAllBytes();
                assertEquals(expected.length, contents.size(entry), name);
                int n = contents.read(entry, into, scratch);
                assertArrayEquals(expected, java.util.Arrays.copyOf(into, n), name);
                assertArrayEquals(expected, contents.readAll(entry), name);
            }
            assertEquals(-1, contents.find("org/absent/Nothing.classdata"));
            assertEquals(-1, contents.find("dir/entry-1.bin "));
            assertEquals(-1, contents.find(""));
        }
    }

    @Test
    void aJarWithALongCommentIsReadAsTheJdkDoes() throws IOException {
        for (int commentLength : new int[] {0, 1000, 1100, 5000, 65000}) {
            Path jar = dir.resolve("commented-" + commentLength + ".jar");
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
                out.putNextEntry(new ZipEntry("a/b.txt"));
                out.write("hello".getBytes(StandardCharsets.UTF_8));
                out.setComment("c".repeat(commentLength));
            }
            try (JarContents contents = JarContents.open(jar)) {
                int entry = contents.find("a/b.txt");
                assertTrue(entry >= 0, "comment of " + commentLength);
                assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), contents.readAll(entry));
            }
        }
    }

    @Test
    void aFlippedByteInAnEntryFailsItsRead() throws IOException {
        Path jar = writeJar(dir.resolve("b.jar"), 20);
        byte[] bytes = Files.readAllBytes(jar);
        // The first entry's data starts after its 30-byte local header and name; flip a byte inside it.
        int nameLength = (bytes[26] & 0xFF) | (bytes[27] & 0xFF) << 8;
        int extraLength = (bytes[28] & 0xFF) | (bytes[29] & 0xFF) << 8;
        int data = 30 + nameLength + extraLength;
        bytes[data + 3] ^= 0x40;
        Path damaged = dir.resolve("b-damaged.jar");
        Files.write(damaged, bytes);
        try (JarContents contents = JarContents.open(damaged)) {
            int first = contents.find(contents.names().findFirst().orElseThrow());
            IOException failure = assertThrows(IOException.class, () -> contents.readAll(first));
            assertTrue(failure.getMessage().contains(damaged.toString()), failure.getMessage());
        }
    }

    @Test
    void aDamagedDirectoryOrAFileThatIsNoJarIsReported() throws IOException {
        Path notJar = dir.resolve("not.jar");
        Files.writeString(notJar, "just text, no zip at all");
        IOException noJar = assertThrows(IOException.class, () -> JarContents.open(notJar));
        assertTrue(noJar.getMessage().contains("not a jar"), noJar.getMessage());

        Path jar = writeJar(dir.resolve("c.jar"), 10);
        byte[] bytes = Files.readAllBytes(jar);
        int end = bytes.length - 22;
        int cenOffset = (bytes[end + 16] & 0xFF) | (bytes[end + 17] & 0xFF) << 8 | (bytes[end + 18] & 0xFF) << 16 | (bytes[end + 19] & 0xFF) << 24;
        bytes[cenOffset] ^= 0x01; // the first directory entry's signature
        Path damaged = dir.resolve("c-damaged.jar");
        Files.write(damaged, bytes);
        IOException broken = assertThrows(IOException.class, () -> JarContents.open(damaged));
        assertTrue(broken.getMessage().contains("central directory is damaged"), broken.getMessage());
    }

    @Test
    void readsFromManyThreadsAtOnce() throws Exception {
        Path jar = writeJar(dir.resolve("d.jar"), 200);
        try (JarContents contents = JarContents.open(jar); JarFile reference = new JarFile(jar.toFile(), false)) {
            List<String> names = contents.names().toList();
            List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Thread thread = new Thread(() -> {
                    try {
                        for (String name : names) {
                            byte[] expected;
                            synchronized (reference) {
                                expected = reference.getInputStream(reference.getJarEntry(name)).readAllBytes();
                            }
                            assertArrayEquals(expected, contents.readAll(contents.find(name)), name);
                        }
                    } catch (Throwable failed) {
                        failures.add(failed);
                    }
                });
                threads.add(thread);
                thread.start();
            }
            // An interrupted reader must not break the others (a FileChannel would close on it).
            threads.get(0).interrupt();
            for (Thread thread : threads) {
                thread.join();
            }
            assertEquals(List.of(), failures);
        }
    }

    /** Deflated and stored entries of varied sizes and contents, with a non-ASCII name among them. */
    private static Path writeJar(Path path, int entries) throws IOException {
        Random random = new Random(42);
        try (OutputStream file = Files.newOutputStream(path); JarOutputStream out = new JarOutputStream(file)) {
            for (int i = 0; i < entries; i++) {
                String name = i == 7 ? "dir/entr\u00e9e-" + i + ".bin" : "dir/entry-" + i + ".bin";
                byte[] data = new byte[random.nextInt(i % 10 == 0 ? 70_000 : 5_000)];
                if (i % 3 == 0) {
                    random.nextBytes(data);
                } else {
                    for (int j = 0; j < data.length; j++) {
                        data[j] = (byte) ("abcab".charAt(j % 5) + random.nextInt(2));
                    }
                }
                JarEntry entry = new JarEntry(name);
                if (i % 4 == 1) {
                    entry.setMethod(ZipEntry.STORED);
                    entry.setSize(data.length);
                    entry.setCompressedSize(data.length);
                    CRC32 crc = new CRC32();
                    crc.update(data);
                    entry.setCrc(crc.getValue());
                }
                out.putNextEntry(entry);
                out.write(data);
                out.closeEntry();
            }
            out.putNextEntry(new JarEntry("empty/"));
            out.closeEntry();
            out.putNextEntry(new JarEntry("text.txt"));
            out.write("hello\n".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return path;
    }
}
