package org.agenthypervisor.core.elevation;

import org.agenthypervisor.core.policy.Glob;
import org.agenthypervisor.core.policy.MethodPattern;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One grant: agent, ring, deadline, and optionally the methods or tools it covers. Immutable but for
 * its use counts; a new grant to the same agent replaces the object, so an expiry or a revocation
 * can tell "its" grant from a later one by identity.
 */
public final class Elevation {
    private final long id;
    private final int ring;
    private final long sinceMillis;
    private final long untilMillis;
    private final String reason;
    private final String by;
    private final String only;
    private final List<MethodPattern> onlyMethods;
    private final List<Glob> onlyTools;
    /** Targets already used under this grant: the first use of each is audited, the rest counted. */
    private final Set<String> used = ConcurrentHashMap.newKeySet();
    private final AtomicLong uses = new AtomicLong();
    /** Per method display name, whether {@code --only} covers it. */
    private final Map<String, Boolean> covered = new ConcurrentHashMap<>();

    Elevation(long id, int ring, long sinceMillis, long untilMillis, String reason, String by, String only) {
        this.id = id;
        this.ring = ring;
        this.sinceMillis = sinceMillis;
        this.untilMillis = untilMillis;
        this.reason = reason;
        this.by = by;
        this.only = only;
        List<MethodPattern> methods = new ArrayList<>();
        List<Glob> tools = new ArrayList<>();
        if (only != null) {
            for (String part : only.split(",")) {
                String p = part.strip();
                if (p.isEmpty()) {
                    throw new IllegalArgumentException("--only '" + only + "' has an empty pattern");
                }
                // ClassGlob#methodGlob names methods (as policy rules do); anything else is a tool name glob.
                if (p.indexOf('#') >= 0) {
                    methods.add(MethodPattern.parse(p));
                } else {
                    tools.add(Glob.simple(p));
                }
            }
        }
        this.onlyMethods = List.copyOf(methods);
        this.onlyTools = List.copyOf(tools);
    }

    /** A number per grant in this JVM, in the audit records so a use can be tied to its grant. */
    public long id() {
        return id;
    }

    /** The ring granted (before trust floors). */
    public int ring() {
        return ring;
    }

    public long sinceMillis() {
        return sinceMillis;
    }

    public long untilMillis() {
        return untilMillis;
    }

    public String reason() {
        return reason;
    }

    public String by() {
        return by;
    }

    /** The {@code --only} patterns as written, or null for every method and tool. */
    public String only() {
        return only;
    }

    public boolean expired(long nowMillis) {
        return nowMillis >= untilMillis;
    }

    /**
     * Whether the grant covers method {@code methodName} of {@code className}; {@code display} (the
     * site's stable name) keys a cache, so a loop under the grant matches the globs once.
     */
    public boolean coversMethod(String className, String methodName, String display) {
        if (only == null) {
            return true;
        }
        Boolean known = covered.get(display);
        if (known != null) {
            return known;
        }
        boolean covers = false;
        for (MethodPattern m : onlyMethods) {
            covers |= m.matches(className, methodName);
        }
        covered.put(display, covers);
        return covers;
    }

    /** Whether the grant covers the tool the model calls {@code tool}. */
    public boolean coversTool(String tool) {
        if (only == null) {
            return true;
        }
        for (Glob t : onlyTools) {
            if (t.matches(tool)) {
                return true;
            }
        }
        return false;
    }

    /** Counts a use; true the first time {@code target} is used under this grant. */
    boolean use(String target) {
        uses.incrementAndGet();
        return !used.contains(target) && used.add(target);
    }

    /** How many calls the grant allowed so far. */
    public long uses() {
        return uses.get();
    }
}
