package org.agenthypervisor.core.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The names in a directory, for the listings every start makes (each log's segments, the key
 * directory, the caches). {@code File.list} rather than {@code Files.newDirectoryStream}: on Linux
 * the stream is a {@code SecureDirectoryStream} whose {@code close} links a lambda, and with the
 * stream's own classes it cost ~2 ms of every start on JDK 25 (issue 11). A listing that fails is
 * asked again through the stream, which says why (no such file, not a directory, access denied).
 */
public final class DirectoryListing {
    private DirectoryListing() {
    }

    /** The names of the entries of {@code dir}, in no particular order. */
    public static List<String> names(Path dir) throws IOException {
        if (dir.getFileSystem() == FileSystems.getDefault()) {
            String[] names = dir.toFile().list();
            if (names != null) {
                return Arrays.asList(names);
            }
        }
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                names.add(p.getFileName().toString());
            }
        } catch (java.nio.file.DirectoryIteratorException failed) {
            throw failed.getCause();
        }
        return names;
    }
}
