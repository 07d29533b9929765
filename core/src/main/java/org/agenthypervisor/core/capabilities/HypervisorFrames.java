package org.agenthypervisor.core.capabilities;

import java.lang.StackWalker.Option;
import java.nio.file.Path;
import java.util.Set;

/**
 * Whose doing a JDK call being denied is: the hypervisor's own code, or the JDK's own work that an
 * agent's call triggered. Only consulted on the way to a denial, so the stack walk costs nothing on the
 * paths that pass.
 */
final class HypervisorFrames {
    private static final StackWalker WALKER = StackWalker.getInstance(Set.of(Option.RETAIN_CLASS_REFERENCE));
    private static final String OWN = "org.agenthypervisor.";
    /** Libraries the agent ships (Jackson, Bouncy Castle...) are callable by anyone: they do not count. */
    private static final String SHADED = "org.agenthypervisor.shaded.";
    /** The api (annotations, exceptions) is the application's to use. */
    private static final String API = "org.agenthypervisor.api.";
    private static final ClassLoader OWN_LOADER = HypervisorFrames.class.getClassLoader();
    /** The bootstrap-side entry the JDK's woven code calls; its frame is the gate's, not a caller's. */
    private static final Class<?> BRIDGE = org.agenthypervisor.bridge.CapabilityGate.class;
    private static final String JAVA_HOME = Path.of(System.getProperty("java.home")).toAbsolutePath().normalize() + "/";
    /** The class path the host started the JVM with: directories (as prefixes ending in '/') and jars. */
    private static final java.util.List<String> CLASS_PATH = classPath();

    private static java.util.List<String> classPath() {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String property : new String[] {"java.class.path", "jdk.module.path"}) {
            String value = System.getProperty(property, "");
            for (String entry : value.split(java.io.File.pathSeparator)) {
                if (entry.isBlank()) {
                    continue;
                }
                try {
                    Path p = Path.of(entry).toAbsolutePath().normalize();
                    out.add(p.toString());
                    out.add(p + "/");
                } catch (RuntimeException invalid) {
                    // not a path: nothing to allow
                }
            }
        }
        return java.util.List.copyOf(out);
    }

    /** JDK entry points whose own JDK callers are let through: the entry class(es), then the caller decides. */
    enum CallerIsJdk {
        GETENV("java.lang.System"),
        FOREIGN("java.lang.foreign.Linker", "java.lang.foreign.SymbolLookup");

        final Set<String> entryClasses;

        CallerIsJdk(String... entryClasses) {
            this.entryClasses = Set.of(entryClasses);
        }
    }

    private HypervisorFrames() {
    }

    /**
     * The first frame outside the JDK, outside this package and outside the libraries the agent ships
     * decides: the hypervisor's if its class is one of ours, defined by the loader that defined ours
     * (the agent's own class loader, in which application code cannot define classes, so a class it
     * names {@code org.agenthypervisor.*} does not count). A shipped library's frames are passed over,
     * not trusted: the PostgreSQL driver opening the shared store's connection on an agent's thread is
     * the hypervisor's doing when the hypervisor called it, and an agent's when an agent did.
     */
    static boolean calledByHypervisor() {
        return WALKER.walk(FirstDecidingFrame.BY_HYPERVISOR);
    }

    /** Whether the code that called the JDK entry point is itself the JDK's. */
    static boolean calledByJdk(CallerIsJdk entry) {
        return WALKER.walk(FirstDecidingFrame.BY_JDK.get(entry));
    }

    /**
     * The walks of {@link #calledByHypervisor} and {@link #calledByJdk}: a loop over the frames rather
     * than a stream of lambdas, since every governed file, network and process call makes one (and
     * the first of each lambda costs a class spun at run time).
     */
    private static final class FirstDecidingFrame implements java.util.function.Function<java.util.stream.Stream<StackWalker.StackFrame>, Boolean> {
        static final FirstDecidingFrame BY_HYPERVISOR = new FirstDecidingFrame(null);
        static final java.util.Map<CallerIsJdk, FirstDecidingFrame> BY_JDK = new java.util.EnumMap<>(CallerIsJdk.class);

        static {
            for (CallerIsJdk entry : CallerIsJdk.values()) {
                BY_JDK.put(entry, new FirstDecidingFrame(entry));
            }
        }

        /** Null: is the first deciding frame the hypervisor's; else: after this entry's classes, is it the JDK's. */
        private final CallerIsJdk entry;

        private FirstDecidingFrame(CallerIsJdk entry) {
            this.entry = entry;
        }

        @Override
        public Boolean apply(java.util.stream.Stream<StackWalker.StackFrame> frames) {
            String own = HypervisorFrames.class.getPackageName();
            boolean dropping = true;
            for (java.util.Iterator<StackWalker.StackFrame> it = frames.iterator(); it.hasNext(); ) {
                Class<?> c = it.next().getDeclaringClass();
                if (c.getPackageName().equals(own) || c == BRIDGE) {
                    continue;
                }
                if (entry == null) {
                    if (isJdk(c) || (isHypervisor(c) && c.getName().startsWith(SHADED))) {
                        continue;
                    }
                    return isHypervisor(c);
                }
                if (dropping && entry.entryClasses.contains(c.getName())) {
                    continue;
                }
                dropping = false;
                return isJdk(c);
            }
            return false;
        }
    }

    /**
     * A read every agent may make: a file of the JDK's installation (time zones, security settings,
     * certificates), the class path the host started the JVM with (classes and resources, which any
     * code can read through its class loader anyway), or a read a JDK class's static initialiser makes
     * while an agent happens to be the one who first needed it.
     */
    static boolean jdkOwnRead(String path) {
        if (path.startsWith(JAVA_HOME)) {
            return true;
        }
        for (String entry : CLASS_PATH) {
            if (entry.endsWith("/") ? path.startsWith(entry) : path.equals(entry)) {
                return true;
            }
        }
        // The JVM's own container detection (jdk.internal.platform, at the first management or
        // Runtime.availableProcessors-style query) reads its cgroup files under /proc and /sys/fs/cgroup:
        // that is the JVM learning its own limits, whoever's call made it start.
        boolean containerFile = path.startsWith("/proc/") || path.startsWith("/sys/fs/cgroup");
        return WALKER.walk(frames -> frames.anyMatch(f -> isJdk(f.getDeclaringClass())
                && (f.getMethodName().equals("<clinit>")
                || containerFile && f.getDeclaringClass().getName().startsWith("jdk.internal.platform."))));
    }

    /** One of the hypervisor's own classes, the libraries it ships included, its api (annotations, exceptions) not. */
    static boolean isHypervisor(Class<?> c) {
        String n = c.getName();
        return n.startsWith(OWN) && !n.startsWith(API) && c.getClassLoader() == OWN_LOADER;
    }

    /**
     * One of the bridge's classes on the bootstrap path: its module (the bootstrap loader's unnamed one)
     * is open to everyone, so the capability check is what keeps agents out of its private members. The
     * rest of the hypervisor is in a named module that opens nothing: the JDK itself refuses there.
     */
    static boolean isBridge(Class<?> c) {
        return c.getClassLoader() == null && c.getName().startsWith(OWN + "bridge.");
    }

    static boolean isJdk(Class<?> c) {
        String n = c.getName();
        ClassLoader l = c.getClassLoader();
        return (l == null || l == ClassLoader.getPlatformClassLoader()) && (n.startsWith("java.") || n.startsWith("jdk.")
                || n.startsWith("sun.") || n.startsWith("javax.") || n.startsWith("com.sun."));
    }
}
