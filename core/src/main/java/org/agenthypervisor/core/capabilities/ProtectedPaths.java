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

    private final List<String> directoryStrings;
    private final List<String> fileStrings;

    public ProtectedPaths(List<Path> directories, List<Path> files) {
        this.directories = real(directories);
        this.files = real(files);
        this.directoryStrings = strings(this.directories);
        this.fileStrings = strings(this.files);
    }

    /** The paths as text; a loop, not a stream of lambdas, which cost ~0.5 ms each to link at start-up (issue 11). */
    private static List<String> strings(List<Path> paths) {
        String[] out = new String[paths.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = paths.get(i).toString();
        }
        return List.of(out);
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

    /**
     * Whether {@code target} is (or is inside) one of the protected paths, compared lexically (after
     * making it absolute and normalising it) against both the configured and the real form of each:
     * nanoseconds, no file system access. Symbolic links are dealt with where they are made: an agent
     * cannot create one that leads into the protected state ({@link #coversLinkTarget}).
     */
    /** {@link #covers(Path)} for a path already absolute and normal, without building a {@code Path}. */
    public boolean covers(String absoluteNormal) {
        for (String d : directoryStrings) {
            if (absoluteNormal.startsWith(d) && (absoluteNormal.length() == d.length() || absoluteNormal.charAt(d.length()) == '/'
                    || d.equals("/"))) {
                return true;
            }
        }
        for (String f : fileStrings) {
            if (absoluteNormal.equals(f)) {
                return true;
            }
        }
        return false;
    }

    public boolean covers(Path target) {
        Path plain = target.toAbsolutePath().normalize();
        for (Path d : directories) {
            if (plain.startsWith(d)) {
                return true;
            }
        }
        for (Path f : files) {
            if (plain.equals(f)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a link at {@code link} to {@code target} (relative to the link's directory, as the
     * file system reads it) would lead into the protected state, following every symbolic link on
     * the way, dangling ones too.
     */
    public boolean coversLinkTarget(Path link, Path target) {
        Path parent = link.toAbsolutePath().normalize().getParent();
        Path joined = parent == null ? target : parent.resolve(target);
        return covers(joined) || covers(resolve(joined));
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
