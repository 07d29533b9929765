package org.agenthypervisor.core.store;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces whole files so that after a crash a reader finds either the old content or the new, never a
 * mix: for snapshots and keys. Writes go through {@link FileOutputStream} because an interrupt closes a
 * {@link FileChannel} mid-write.
 */
public final class AtomicFiles {

    private static final boolean WINDOWS =
            System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");

    private AtomicFiles() {
    }

    /**
     * Writes {@code content} to {@code target} atomically and durably: a temp file in the same
     * directory, write, force, permissions, atomic rename over the target, force of the directory.
     *
     * @param permsOrNull exact permissions for the new file (applied before the rename, and the temp
     *                    file is created with them, so a key is never readable by others even briefly);
     *                    null for the process default. Ignored on file systems without POSIX permissions.
     * @throws IOException on any failure; the target is then untouched and the temp file removed
     */
    public static void write(Path target, byte[] content, Set<PosixFilePermission> permsOrNull) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = createTemp(dir, abs.getFileName().toString(), permsOrNull);
        try {
            try (FileOutputStream out = new FileOutputStream(tmp.toFile())) {
                out.write(content);
                out.getFD().sync();
            }
            if (permsOrNull != null) {
                try {
                    // createFile's permissions pass through the umask; set the exact ones.
                    Files.setPosixFilePermissions(tmp, permsOrNull);
                } catch (UnsupportedOperationException notPosix) {
                    // No POSIX permissions here: nothing to apply.
                }
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            fsyncDirectory(dir);
        } finally {
            Files.deleteIfExists(tmp); // gone after a successful move; cleans up after a failure
        }
    }

    /**
     * {@link #write} without the two forces: after a crash the target holds the old content, the new,
     * or (if the rename was lost) the old; never a mix. For files that are only caches, where a lost
     * write costs a recomputation and a force per file would cost the start milliseconds each.
     *
     * @throws IOException on any failure; the target is then untouched and the temp file removed
     */
    public static void replaceWithoutForce(Path target, byte[] content) throws IOException {
        Path abs = target.toAbsolutePath();
        Path tmp = createTemp(abs.getParent(), abs.getFileName().toString(), null);
        try {
            Files.write(tmp, content);
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static Path createTemp(Path dir, String targetName, Set<PosixFilePermission> perms) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve("." + targetName + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            try {
                if (perms != null && isPosix(dir)) {
                    return Files.createFile(tmp, PosixFilePermissions.asFileAttribute(perms));
                }
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 10) {
                    throw e;
                }
            }
        }
    }

    private static boolean isPosix(Path dir) throws IOException {
        return Files.getFileStore(dir).supportsFileAttributeView("posix");
    }

    /**
     * Forces a directory, so that files created, renamed or removed in it survive a power loss. A no-op
     * on Windows, which cannot open a directory for this.
     *
     * <p>The channel here is interruptible; the caller's interrupt flag is cleared around the call and
     * restored after, so a pending interrupt cannot turn into a spurious failure. An interrupt arriving
     * during the force still fails it (as {@link java.nio.channels.ClosedByInterruptException}).
     */
    public static void fsyncDirectory(Path dir) throws IOException {
        if (WINDOWS) {
            return;
        }
        boolean interrupted = Thread.interrupted();
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
