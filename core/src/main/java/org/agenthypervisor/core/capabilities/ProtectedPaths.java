package org.agenthypervisor.core.capabilities;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The hypervisor's own files: no agent reads or writes them, whatever it is granted. Paths are
 * compared after resolving symbolic links (of the target, or of its nearest existing parent when it
 * does not exist yet), so a link into the data directory does not help.
 */
public final class ProtectedPaths {
    private final List<Path> directories;
    private final List<Path> files;

    public ProtectedPaths(List<Path> directories, List<Path> files) {
        this.directories = real(directories);
        this.files = real(files);
    }

    private static List<Path> real(List<Path> paths) {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            if (p != null) {
                out.add(resolve(p));
                out.add(p.toAbsolutePath().normalize());
            }
        }
        return List.copyOf(out);
    }

    /** Whether {@code target} is (or is inside) one of the protected paths. */
    public boolean covers(Path target) {
        Path real = resolve(target);
        Path plain = target.toAbsolutePath().normalize();
        for (Path d : directories) {
            if (real.startsWith(d) || plain.startsWith(d)) {
                return true;
            }
        }
        for (Path f : files) {
            if (real.equals(f) || plain.equals(f)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The real path of {@code p}: symbolic links followed, also dangling ones (a link to a directory
     * the hypervisor has not created yet must not become a way to write there later), and for a path
     * that does not exist, its nearest existing ancestor's real path with the rest appended.
     */
    static Path resolve(Path p) {
        return resolve(p.toAbsolutePath().normalize(), 0);
    }

    private static Path resolve(Path absolute, int depth) {
        if (depth > 40) {
            return absolute; // a link loop: the JDK's own open fails on it too
        }
        Path existing = absolute;
        Path rest = null;
        while (existing != null) {
            try {
                if (Files.isSymbolicLink(existing)) {
                    Path joined = existing.resolveSibling(Files.readSymbolicLink(existing));
                    return resolve((rest == null ? joined : joined.resolve(rest)).toAbsolutePath().normalize(), depth + 1);
                }
                if (Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
                    Path real = existing.toRealPath();
                    return rest == null ? real : real.resolve(rest).normalize();
                }
            } catch (IOException | SecurityException unreadable) {
                break;
            }
            Path name = existing.getFileName();
            if (name == null) {
                break;
            }
            rest = rest == null ? name : name.resolve(rest);
            existing = existing.getParent();
        }
        return absolute;
    }
}
