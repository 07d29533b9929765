package org.agenthypervisor.core.capabilities;

import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a path really names (symbolic links followed, {@link ProtectedPaths#resolve}), remembered for
 * a second. Resolving costs several system calls (microseconds, more for a file that does not exist
 * yet); an agent that opens the same file again within the second pays a hash lookup. The second is
 * safe because an agent cannot create a link to what it may not read and write (checked where links
 * are made); what changes within it are links made by others, the operator's business.
 */
final class RealPaths {
    static final long TTL_NANOS = 1_000_000_000L;
    private static final int LIMIT = 4096;
    private static final ConcurrentHashMap<String, Resolved> CACHE = new ConcurrentHashMap<>();

    private record Resolved(String real, long until) {
    }

    private RealPaths() {
    }

    /** @param absoluteNormal an absolute, normalised path */
    static String of(String absoluteNormal) {
        long now = System.nanoTime();
        Resolved r = CACHE.get(absoluteNormal);
        if (r != null && now - r.until < 0) {
            return r.real;
        }
        String real = ProtectedPaths.resolve(Path.of(absoluteNormal)).toString();
        if (CACHE.size() >= LIMIT) {
            CACHE.clear();
        }
        CACHE.put(absoluteNormal, new Resolved(real, now + TTL_NANOS));
        return real;
    }
}
