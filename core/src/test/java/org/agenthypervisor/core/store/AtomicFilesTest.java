package org.agenthypervisor.core.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @TempDir
    Path dir;

    @Test
    void writesAndReplacesLeavingNoTempFiles() throws IOException {
        Path target = dir.resolve("snapshot.json");
        AtomicFiles.write(target, "one".getBytes(StandardCharsets.UTF_8), null);
        assertArrayEquals("one".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(target));
        AtomicFiles.write(target, "two, longer".getBytes(StandardCharsets.UTF_8), null);
        assertArrayEquals("two, longer".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(target));
        AtomicFiles.write(target, new byte[0], null);
        assertEquals(0, Files.size(target));
        assertEquals(List.of(target), list());
    }

    @Test
    void appliesExactPermissionsOnPosix() throws IOException {
        assumeTrue(Files.getFileStore(dir).supportsFileAttributeView("posix"));
        Path key = dir.resolve("signing.key");
        Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
        AtomicFiles.write(key, new byte[] {1, 2, 3}, ownerOnly);
        assertEquals(ownerOnly, Files.getPosixFilePermissions(key));
        // Exact, not filtered by the umask.
        Set<PosixFilePermission> groupRead = PosixFilePermissions.fromString("rw-r-----");
        AtomicFiles.write(key, new byte[] {4}, groupRead);
        assertEquals(groupRead, Files.getPosixFilePermissions(key));
    }

    @Test
    void failureLeavesTargetAndNoTemp() throws IOException {
        Path target = dir.resolve("t");
        AtomicFiles.write(target, new byte[] {1}, null);
        Path asDir = dir.resolve("sub");
        Files.createDirectory(asDir);
        Files.writeString(asDir.resolve("x"), "keeps the directory non-empty");
        // Renaming a file over a non-empty directory fails.
        assertThrows(IOException.class, () -> AtomicFiles.write(asDir, new byte[] {2}, null));
        assertArrayEquals(new byte[] {1}, Files.readAllBytes(target));
        assertEquals(List.of(asDir, target), list());
    }

    private List<Path> list() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
