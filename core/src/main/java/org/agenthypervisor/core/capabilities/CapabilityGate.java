package org.agenthypervisor.core.capabilities;

import org.agenthypervisor.api.CapabilityDeniedException;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.ContextCell;
import org.agenthypervisor.core.context.Principal;

import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The static entry points the advice in the JDK's entry points calls (the agent's
 * {@code FileEntryPoints} and {@code SystemEntryPoints} tables). The host passes with one thread-local
 * read: a thread with no context cell, or whose context is the host's, returns at once; a ring-0 agent
 * passes after reading its ring (file checks also keep it out of the hypervisor's own files). A granted
 * agent pays a lookup of its grants and a cached match of the target. Everything else is the slow path,
 * where a denial is reported and thrown.
 *
 * <p>The hypervisor's own work (the audit writer, the journal, the ledger, key files) can run on an
 * agent's thread; a frame of the hypervisor's own classes (loaded by the agent's own class loader, in which application code
 * cannot define classes) calling the JDK is let through. So is the JDK's
 * own work that an agent's call happens to trigger: a JDK class's static initialiser, the built-in class
 * loaders reading the class path, reading the JDK's own installation, a native library a JDK class loads.
 */
public final class CapabilityGate {
    /** Set once by the runtime; null (nothing to enforce) before that. */
    private static volatile Rules rules;
    private static final ThreadLocal<Boolean> CHECKING = new ThreadLocal<>();
    /** {@code host/address} pairs confirmed by a lookup: a host name an agent attached to an address itself is not believed. */
    private static final ConcurrentHashMap<String, Boolean> RESOLVED = new ConcurrentHashMap<>();

    private CapabilityGate() {
    }

    /** What the runtime decides with: the protected paths, the grants, the mode, and where denials go. */
    public interface Rules {
        ProtectedPaths protectedPaths();

        /** The capabilities of every ring and agent under the policy in force. */
        CapabilityTable table();

        /** Whether a denial throws ({@code enforce}) or is only recorded ({@code audit}). */
        boolean enforcing();

        /** The agent a class belongs to ({@code @Agent} or {@code agents.<id>.classes}), or null. */
        String ownerOf(Class<?> type);

        /** Reports a denial (audit, log, anomaly); never throws. */
        void denied(Context context, Capability capability, String target, String reason, boolean enforced);
    }

    public static void install(Rules r) {
        rules = r;
    }

    /**
     * What the agent of {@code c} may do at the ring it runs at, or null when there is nothing to check:
     * no rules yet, or ring 0 (which may do everything).
     */
    private static Grants grantsOf(Context c, Rules r) {
        if (r == null) {
            return null;
        }
        int ring = c.ringSource().effectiveRing();
        return ring == 0 ? null : r.table().grants(c.principal(), ring);
    }

    /** The current agent's context, or null for the host (and before any context exists). */
    private static Context agent() {
        ContextCell cell = ContextCell.peek();
        if (cell == null) {
            return null;
        }
        Context c = cell.get();
        return c == null || c.isHost() ? null : c;
    }

    // ---------------------------------------------------------------------------------------------
    // Files

    /** {@code FileInputStream}, {@code RandomAccessFile("r")}: reading a path given as a string. */
    public static void read(String path) {
        Context c = agent();
        if (c != null && path != null) {
            file(c, Capability.FILES_READ, path);
        }
    }

    /** {@code FileOutputStream}, {@code RandomAccessFile("rw")}, {@code File.delete}: writing a path. */
    public static void write(String path) {
        Context c = agent();
        if (c != null && path != null) {
            file(c, Capability.FILES_WRITE, path);
        }
    }

    /**
     * A path given as a string: when it is already absolute and normal (the common case: what
     * {@code File.getPath()} of an absolute file gives) it is matched as it is, without building a
     * {@code Path}; otherwise as a {@code Path}.
     */
    private static void file(Context context, Capability capability, String path) {
        if (!isPlainAbsolute(path)) {
            file(context, capability, Path.of(path), false);
            return;
        }
        Rules r = rules;
        if (r == null || CHECKING.get() != null) {
            return;
        }
        if (r.protectedPaths().covers(path)) {
            protectedState(context, capability, Path.of(path), false, r);
            return;
        }
        Grants g = grantsOf(context, r);
        if (g == null) {
            return;
        }
        if (g.allowsAll(capability)) {
            return;
        }
        granted(context, capability, path, g, r, null);
    }

    /** Absolute, no empty, "." or ".." segment, no trailing slash: already what normalising would give. */
    static boolean isPlainAbsolute(String p) {
        int n = p.length();
        if (n < 2 || p.charAt(0) != '/' || p.charAt(n - 1) == '/') {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (p.charAt(i) == '/') {
                int next = i + 1;
                if (next < n && p.charAt(next) == '/') {
                    return false;
                }
                if (next < n && p.charAt(next) == '.') {
                    int after = next + 1;
                    if (after == n || p.charAt(after) == '/'
                            || (p.charAt(after) == '.' && (after + 1 == n || p.charAt(after + 1) == '/'))) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** The grant decides on the path as written and on the file it really names (links followed). */
    private static void granted(Context context, Capability capability, String shown, Grants g, Rules r,
                                Path target) {
        if (g.allows(capability, shown)) {
            String real = RealPaths.of(shown);
            if (real.equals(shown) || g.allows(capability, real)) {
                return;
            }
            deny(context, capability, shown + " (a link to " + real + ")", g, r,
                    suggestion(capability, Path.of(shown)));
            return;
        }
        deny(context, capability, shown, g, r, suggestion(capability, target != null ? target : Path.of(shown)));
    }

    /** {@code java.io.File} targets ({@code File.delete}, {@code renameTo}). */
    public static void writeFile(File file) {
        write(file == null ? null : file.getPath());
    }

    /** An NIO path, for reading. */
    public static void readPath(Object path) {
        Context c = agent();
        if (c != null && path instanceof Path) {
            file(c, Capability.FILES_READ, (Path) path, false);
        }
    }

    /** An NIO path, for writing (delete, create, move, copy's target). */
    public static void writePath(Object path) {
        Context c = agent();
        if (c != null && path instanceof Path) {
            file(c, Capability.FILES_WRITE, (Path) path, false);
        }
    }

    /**
     * {@code Files.createSymbolicLink(link, target)} and {@code Files.createLink(link, existing)}:
     * writing the link; a link that leads into the protected state is refused outright, and the agent
     * must be able to read and write what the link leads to (a link is a way to reach its target).
     */
    public static void link(Object link, Object target) {
        Context c = agent();
        if (c == null || !(link instanceof Path) || !(target instanceof Path)) {
            return;
        }
        file(c, Capability.FILES_WRITE, (Path) link, false);
        Rules r = rules;
        if (r != null && r.protectedPaths().coversLinkTarget((Path) link, (Path) target)) {
            file(c, Capability.FILES_WRITE, (Path) link, true);
        }
        Path parent = ((Path) link).toAbsolutePath().normalize().getParent();
        Path leadsTo = parent == null ? (Path) target : parent.resolve((Path) target);
        file(c, Capability.FILES_READ, leadsTo, false);
        file(c, Capability.FILES_WRITE, leadsTo, false);
    }

    /** An NIO open with options: a write when it writes, appends, creates or deletes on close. */
    public static void open(Object path, Set<? extends OpenOption> options) {
        Context c = agent();
        if (c == null || !(path instanceof Path)) {
            return;
        }
        boolean writes = options != null && (options.contains(StandardOpenOption.WRITE)
                || options.contains(StandardOpenOption.APPEND) || options.contains(StandardOpenOption.CREATE)
                || options.contains(StandardOpenOption.CREATE_NEW) || options.contains(StandardOpenOption.DELETE_ON_CLOSE)
                || options.contains(StandardOpenOption.TRUNCATE_EXISTING));
        file(c, writes ? Capability.FILES_WRITE : Capability.FILES_READ, (Path) path, false);
        if (writes && options.contains(StandardOpenOption.READ)) {
            file(c, Capability.FILES_READ, (Path) path, false);
        }
    }

    /** @param covered the caller already found the target protected (a link into the protected state) */
    private static void file(Context context, Capability capability, Path target, boolean covered) {
        Rules r = rules;
        if (r == null || CHECKING.get() != null) {
            return;
        }
        if (covered || r.protectedPaths().covers(target)) {
            protectedState(context, capability, target, covered, r);
            return;
        }
        Grants g = grantsOf(context, r);
        if (g == null) {
            return;
        }
        if (g.allowsAll(capability)) {
            return;
        }
        // Symbolic links are followed before matching: what the path really names must be granted too.
        granted(context, capability, target.toAbsolutePath().normalize().toString(), g, r, target);
    }

    private static void protectedState(Context context, Capability capability, Path target, boolean covered, Rules r) {
        CHECKING.set(Boolean.TRUE);
        try {
            if (HypervisorFrames.calledByHypervisor()) {
                return;
            }
            Principal who = context.principal();
            String shown = target.toAbsolutePath().normalize().toString();
            String reason = (covered ? "it would link to " : "it is ")
                    + "the hypervisor's own state (its data directory or its policy file), which no"
                    + " agent may read or write whatever it is granted";
            boolean enforced = r.enforcing();
            r.denied(context, capability, shown, reason, enforced);
            if (enforced) {
                int ring = context.ringSource().effectiveRing();
                throw new CapabilityDeniedException("agent '" + who.id() + "' (effective ring " + ring + ") may not "
                        + capability.verb() + " " + shown + ": " + reason, who.id(), ring, capability.key(), shown, null);
            }
        } finally {
            CHECKING.remove();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Network

    /**
     * {@code Socket.connect}, {@code SocketChannel.connect}, {@code AsynchronousSocketChannel.connect},
     * a datagram channel's {@code connect} and {@code send}: reaching {@code address}.
     */
    public static void connect(Object address) {
        Context c = agent();
        if (c == null) {
            return;
        }
        Rules r = rules;
        Grants g = grantsOf(c, r);
        if (g == null || address == null || g.allowsAll(Capability.NETWORK_CONNECT)) {
            return;
        }
        if (g.connectAllowedBefore(address)) {
            return;
        }
        String shown;
        String suggestion;
        if (address instanceof InetSocketAddress) {
            InetSocketAddress a = (InetSocketAddress) address;
            int port = a.getPort();
            String host = a.getHostString().toLowerCase(Locale.ROOT);
            InetAddress ip = a.getAddress();
            String literal = ip == null ? null : bracket(ip.getHostAddress());
            if (literal != null && g.allows(Capability.NETWORK_CONNECT, literal + ":" + port)) {
                g.rememberConnectAllowed(address);
                return;
            }
            String byName = bracket(host) + ":" + port;
            if (!byName.equals(literal + ":" + port) && g.allows(Capability.NETWORK_CONNECT, byName)
                    && (ip == null || resolvesTo(host, ip))) {
                g.rememberConnectAllowed(address);
                return;
            }
            shown = literal == null || byName.equals(literal + ":" + port) ? byName : byName + " (" + literal + ")";
            suggestion = byName;
        } else if (address instanceof UnixDomainSocketAddress) {
            String path = "unix:" + ((UnixDomainSocketAddress) address).getPath().toAbsolutePath().normalize();
            if (g.allows(Capability.NETWORK_CONNECT, path)) {
                return;
            }
            shown = path;
            suggestion = path;
        } else {
            shown = String.valueOf(address);
            suggestion = shown;
        }
        deny(c, Capability.NETWORK_CONNECT, shown, g, r, suggestion);
    }

    /** Whether {@code host} really resolves to {@code ip} (an agent can pair any name with any address). */
    private static boolean resolvesTo(String host, InetAddress ip) {
        String key = host + "/" + ip.getHostAddress();
        Boolean known = RESOLVED.get(key);
        if (known != null) {
            return known;
        }
        boolean ok = false;
        Boolean outer = CHECKING.get();
        CHECKING.set(Boolean.TRUE);
        try {
            ok = Arrays.asList(InetAddress.getAllByName(host)).contains(ip);
        } catch (Exception unresolvable) {
            ok = false;
        } finally {
            if (outer == null) {
                CHECKING.remove();
            }
        }
        if (RESOLVED.size() >= Grants.CACHE_LIMIT) {
            RESOLVED.clear();
        }
        RESOLVED.put(key, ok);
        return ok;
    }

    private static String bracket(String host) {
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /** {@code ServerSocket.bind}, {@code ServerSocketChannel.bind}, {@code AsynchronousServerSocketChannel.bind}. */
    public static void listen(Object address) {
        Context c = agent();
        if (c == null) {
            return;
        }
        Rules r = rules;
        Grants g = grantsOf(c, r);
        if (g == null) {
            return;
        }
        String port = address instanceof InetSocketAddress ? String.valueOf(((InetSocketAddress) address).getPort())
                : address instanceof UnixDomainSocketAddress ? "unix:" + ((UnixDomainSocketAddress) address).getPath() : "0";
        if (!g.allows(Capability.NETWORK_LISTEN, port)) {
            deny(c, Capability.NETWORK_LISTEN, "port " + port, g, r, port);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Processes, exit, native code, environment, threads, reflection

    /** {@code ProcessBuilder.start} and {@code Runtime.exec} (the JDK's {@code ProcessImpl.start}). */
    public static void startProcess(String[] command) {
        Context c = agent();
        if (c != null) {
            checkSwitch(c, Capability.PROCESS_START, command == null ? "?" : String.join(" ", command), null);
        }
    }

    /** {@code System.exit}, {@code Runtime.exit} and {@code Runtime.halt}. */
    public static void exit(int status) {
        Context c = agent();
        if (c != null) {
            checkSwitch(c, Capability.EXIT, "status " + status, null);
        }
    }

    /**
     * {@code System.load/loadLibrary}, {@code Runtime.load/loadLibrary}: {@code from} is the class
     * that asked (the JDK passes it along); the JDK's own libraries are not the agent's doing.
     */
    public static void loadNative(Class<?> from, String library) {
        Context c = agent();
        if (c != null && !(from != null && HypervisorFrames.isJdk(from))) {
            checkSwitch(c, Capability.NATIVE, library, null);
        }
    }

    /** The foreign function API on JDK 22+ ({@code Linker.nativeLinker}, {@code SymbolLookup.libraryLookup}). */
    public static void foreign(Object what) {
        Context c = agent();
        if (c != null) {
            checkSwitch(c, Capability.NATIVE, String.valueOf(what), HypervisorFrames.CallerIsJdk.FOREIGN);
        }
    }

    /** {@code Thread.stop/suspend/resume} where the JDK still has them. */
    public static void modifyThread(Thread target) {
        Context c = agent();
        if (c != null) {
            checkSwitch(c, Capability.THREADS_MODIFY, target == null ? "?" : "thread '" + target.getName() + "'", null);
        }
    }

    /** {@code System.getenv(name)}; {@code name} null for {@code System.getenv()}, the whole environment. */
    public static void readEnv(String name) {
        Context c = agent();
        if (c == null) {
            return;
        }
        Rules r = rules;
        Grants g = grantsOf(c, r);
        if (g == null) {
            return;
        }
        String target = name == null ? "*" : name;
        if (!g.allows(Capability.ENV_READ, target)) {
            deny(c, Capability.ENV_READ, name == null ? "(the whole environment)" : name, g, r, target,
                    HypervisorFrames.CallerIsJdk.GETENV);
        }
    }

    /**
     * {@code setAccessible(true)}, {@code trySetAccessible()} and {@code MethodHandles.privateLookupIn}:
     * opening the private members of {@code declaring} from {@code caller}. The hypervisor's own classes
     * are closed to every agent; the JDK's classes and other agents' classes need
     * {@code reflection.private}; an agent's own classes, and application classes no agent owns, are
     * open to it. The JDK's own reflection (serialisation, proxies) is not the agent's doing.
     */
    public static void privateAccess(Object member, Class<?> caller, Class<?> declaring) {
        Context c = agent();
        if (c == null || declaring == null || (caller != null && HypervisorFrames.isJdk(caller))) {
            return;
        }
        // A public member of a public class is not private access (libraries open those to skip checks).
        if (member instanceof java.lang.reflect.Member
                && java.lang.reflect.Modifier.isPublic(((java.lang.reflect.Member) member).getModifiers())
                && java.lang.reflect.Modifier.isPublic(declaring.getModifiers()) && !HypervisorFrames.isBridge(declaring)) {
            return;
        }
        Rules r = rules;
        if (r == null || CHECKING.get() != null) {
            return;
        }
        String name = declaring.getName();
        if (HypervisorFrames.isBridge(declaring)) {
            protectedClass(c, name, r);
            return;
        }
        Grants g = grantsOf(c, r);
        if (g == null) {
            return;
        }
        if (g.allowsAll(Capability.REFLECTION_PRIVATE)) {
            return;
        }
        if (!HypervisorFrames.isJdk(declaring)) {
            String owner = r.ownerOf(declaring);
            if (owner == null || owner.equals(c.principal().id())) {
                return;
            }
        }
        deny(c, Capability.REFLECTION_PRIVATE, name, g, r, null);
    }

    private static void protectedClass(Context context, String name, Rules r) {
        CHECKING.set(Boolean.TRUE);
        try {
            if (HypervisorFrames.calledByHypervisor()) {
                return;
            }
            Principal who = context.principal();
            int ring = context.ringSource().effectiveRing();
            String reason = "it is one of the hypervisor's own classes, which no agent may open whatever it is granted";
            boolean enforced = r.enforcing();
            r.denied(context, Capability.REFLECTION_PRIVATE, name, reason, enforced);
            if (enforced) {
                throw new CapabilityDeniedException("agent '" + who.id() + "' (effective ring " + ring + ") may not "
                        + Capability.REFLECTION_PRIVATE.verb() + " " + name + ": " + reason, who.id(), ring,
                        Capability.REFLECTION_PRIVATE.key(), name, null);
            }
        } finally {
            CHECKING.remove();
        }
    }

    private static void checkSwitch(Context c, Capability capability, String shown, HypervisorFrames.CallerIsJdk exempt) {
        Rules r = rules;
        Grants g = grantsOf(c, r);
        if (g != null && !g.allowsAll(capability)) {
            deny(c, capability, shown, g, r, null, exempt);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Denial

    private static void deny(Context context, Capability capability, String shown, Grants g, Rules r,
                             String suggestion) {
        deny(context, capability, shown, g, r, suggestion, null);
    }

    private static void deny(Context context, Capability capability, String shown, Grants g, Rules r,
                             String suggestion, HypervisorFrames.CallerIsJdk exempt) {
        if (CHECKING.get() != null) {
            return;
        }
        CHECKING.set(Boolean.TRUE);
        try {
            int ring = context.ringSource().effectiveRing();
            if (HypervisorFrames.calledByHypervisor() || (exempt != null && HypervisorFrames.calledByJdk(exempt))
                    || (capability == Capability.FILES_READ && HypervisorFrames.jdkOwnRead(shown))) {
                return;
            }
            Principal who = context.principal();
            String key = "agents." + who.id() + ".capabilities." + capability.key();
            String allow = capability.kind() == Capability.Kind.SWITCH || suggestion == null ? key + ": true"
                    : key + ": [\"" + suggestion + "\"]";
            String reason = capability.key() + " is not granted " + (g.patterns(capability).isEmpty()
                    ? "at ring " + ring : "for this target (granted: " + String.join(", ", g.patterns(capability)) + ")")
                    + (who.grantedRing() < ring ? "; its own grants are suspended while its trust keeps it below ring "
                    + who.grantedRing() : "")
                    + "; to allow it, write in the policy " + allow;
            boolean enforced = r.enforcing();
            r.denied(context, capability, shown, reason, enforced);
            if (enforced) {
                throw new CapabilityDeniedException("agent '" + who.id() + "' (effective ring " + ring + ") may not "
                        + capability.verb() + " " + shown + ": " + reason, who.id(), ring, capability.key(), shown, key);
            }
        } finally {
            CHECKING.remove();
        }
    }

    /** A glob that would grant this path: its directory and everything under it. */
    private static String suggestion(Capability capability, Path target) {
        Path abs = target.toAbsolutePath().normalize();
        Path dir = abs.getParent();
        return dir == null ? abs.toString() : dir + "/**";
    }
}
