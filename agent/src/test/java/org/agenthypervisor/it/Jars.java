package org.agenthypervisor.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;

/** Builds jars for the tests: agents beside ours, applications, Spring Boot fat jars. */
final class Jars {
    private final List<Entry> entries = new ArrayList<>();
    private final Manifest manifest = new Manifest();

    private record Entry(String name, byte[] bytes, boolean stored) {
    }

    Jars() {
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    }

    Jars manifest(Map<String, String> attributes) {
        attributes.forEach((k, v) -> manifest.getMainAttributes().putValue(k, v));
        return this;
    }

    /** Adds the files under {@code root/prefix} with their paths relative to {@code root}, under {@code into}. */
    Jars directory(Path root, String prefix, String into) {
        Path start = root.resolve(prefix);
        try (Stream<Path> files = Files.walk(start)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String name = into + root.relativize(file).toString().replace('\\', '/');
                entries.add(new Entry(name, Files.readAllBytes(file), false));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Copies the entries of another jar whose names start with {@code prefix}. */
    Jars contentsOf(Path jar, String prefix) {
        try (JarFile source = new JarFile(jar.toFile())) {
            Enumeration<JarEntry> all = source.entries();
            while (all.hasMoreElements()) {
                JarEntry e = all.nextElement();
                if (!e.isDirectory() && e.getName().startsWith(prefix)) {
                    try (InputStream in = source.getInputStream(e)) {
                        entries.add(new Entry(e.getName(), in.readAllBytes(), false));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Adds a whole file uncompressed (nested jars in a Spring Boot jar must be stored). */
    Jars stored(String name, Path file) {
        try {
            entries.add(new Entry(name, Files.readAllBytes(file), true));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    Path writeTo(Path jar) {
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            // Directory entries too: class loaders that serve a jar's directories (Spring Boot's) need them.
            java.util.Set<String> directories = new java.util.TreeSet<>();
            for (Entry e : entries) {
                for (int slash = e.name().indexOf('/'); slash > 0; slash = e.name().indexOf('/', slash + 1)) {
                    directories.add(e.name().substring(0, slash + 1));
                }
            }
            for (String directory : directories) {
                out.putNextEntry(new ZipEntry(directory));
                out.closeEntry();
            }
            for (Entry e : entries) {
                ZipEntry z = new ZipEntry(e.name());
                if (e.stored()) {
                    CRC32 crc = new CRC32();
                    crc.update(e.bytes());
                    z.setMethod(ZipEntry.STORED);
                    z.setSize(e.bytes().length);
                    z.setCompressedSize(e.bytes().length);
                    z.setCrc(crc.getValue());
                }
                out.putNextEntry(z);
                out.write(e.bytes());
                out.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return jar;
    }

    /** A jar of the test-classes library at {@code it.libs}. */
    static Path lib(String prefix) {
        Path dir = Path.of(System.getProperty("it.libs"));
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith(prefix)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no " + prefix + "* in " + dir));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
