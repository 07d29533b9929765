package org.agenthypervisor.core.capabilities;

import org.agenthypervisor.api.CapabilityDeniedException;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.ContextCell;
import org.agenthypervisor.core.context.Principal;

import java.io.File;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * The static entry points the advice in the JDK's file entry points calls (see the agent's
 * {@code FileEntryPoints} table). The host passes with one thread-local read: a thread with no
 * context cell, or whose context is the host's, returns at once. Everything else is the slow path,
 * where a file operation costs microseconds anyway.
 *
 * <p>The hypervisor's own work (the audit writer, the journal, the ledger, key files) can run on an
 * agent's thread; a frame of the hypervisor's own classes (loaded by the agent's own class loader,
 * in which application code cannot define classes) calling the JDK is let through.
 */
public final class CapabilityGate {
    /** Set once by the runtime; null (nothing to enforce) before that. */
    private static volatile Rules rules;
    private static final ThreadLocal<Boolean> CHECKING = new ThreadLocal<>();

    private CapabilityGate() {
    }

    /** What the runtime decides with: the protected paths, the mode, and where denials go. */
    public interface Rules {
        ProtectedPaths protectedPaths();

        /** Whether a denial throws ({@code enforce}) or is only recorded ({@code audit}). */
        boolean enforcing();

        /** Reports a denial (audit, log, anomaly); never throws. */
        void denied(Context context, Capability capability, String target, String reason, boolean enforced);
    }

    public static void install(Rules r) {
        rules = r;
    }

    /** {@code FileInputStream}, {@code RandomAccessFile("r")}: reading a path given as a string. */
    public static void read(String path) {
        ContextCell cell = ContextCell.peek();
        if (cell == null || cell.get() == null || cell.get().isHost()) {
            return;
        }
        check(cell.get(), Capability.FILES_READ, path == null ? null : Path.of(path));
    }

    /** {@code FileOutputStream}, {@code RandomAccessFile("rw")}, {@code File.delete}: writing a path. */
    public static void write(String path) {
        ContextCell cell = ContextCell.peek();
        if (cell == null || cell.get() == null || cell.get().isHost()) {
            return;
        }
        check(cell.get(), Capability.FILES_WRITE, path == null ? null : Path.of(path));
    }

    /** {@code java.io.File} targets ({@code File.delete}, {@code renameTo}). */
    public static void writeFile(File file) {
        write(file == null ? null : file.getPath());
    }

    /** An NIO path, for reading. */
    public static void readPath(Object path) {
        ContextCell cell = ContextCell.peek();
        if (cell == null || cell.get() == null || cell.get().isHost() || !(path instanceof Path)) {
            return;
        }
        check(cell.get(), Capability.FILES_READ, (Path) path);
    }

    /** An NIO path, for writing (delete, create, move, copy's target). */
    public static void writePath(Object path) {
        ContextCell cell = ContextCell.peek();
        if (cell == null || cell.get() == null || cell.get().isHost() || !(path instanceof Path)) {
            return;
        }
        check(cell.get(), Capability.FILES_WRITE, (Path) path);
    }

    /**
     * {@code Files.createSymbolicLink(link, target)} and {@code Files.createLink(link, existing)}:
     * writing the link, and a link that leads into the protected state is refused outright (so the
     * other checks can compare paths without resolving links).
     */
    public static void link(Object link, Object target) {
        ContextCell cell = ContextCell.peek();
        if (cell == null || cell.get() == null || cell.get().isHost() || !(link instanceof Path) || !(target instanceof Path)) {
            return;
        }
        check(cell.get(), Capability.FILES_WRITE, (Path) link);
        Rules r = rules;
        if (r != null && r.protectedPaths().coversLinkTarget((Path) link, (Path) target)) {
            check(cell.get(), Capability.FILES_WRITE, (Path) link, true);
        }
    }

    /** An NIO open with options: a write when it writes, appends, creates or deletes on close. */
    public static void open(Object path, Set<? extends OpenOption> options) {
        ContextCell cell = ContextCell.peek();
        if (cell == null || cell.get() == null || cell.get().isHost() || !(path instanceof Path)) {
            return;
        }
        boolean writes = options != null && (options.contains(StandardOpenOption.WRITE)
                || options.contains(StandardOpenOption.APPEND) || options.contains(StandardOpenOption.CREATE)
                || options.contains(StandardOpenOption.CREATE_NEW) || options.contains(StandardOpenOption.DELETE_ON_CLOSE)
                || options.contains(StandardOpenOption.TRUNCATE_EXISTING));
        check(cell.get(), writes ? Capability.FILES_WRITE : Capability.FILES_READ, (Path) path);
        if (writes && options.contains(StandardOpenOption.READ)) {
            check(cell.get(), Capability.FILES_READ, (Path) path);
        }
    }

    private static void check(Context context, Capability capability, Path target) {
        check(context, capability, target, false);
    }

    /** @param covered the caller already found the target protected (a link into the protected state) */
    private static void check(Context context, Capability capability, Path target, boolean covered) {
        Rules r = rules;
        if (r == null || target == null || CHECKING.get() != null) {
            return;
        }
        CHECKING.set(Boolean.TRUE);
        try {
            if (!(covered || r.protectedPaths().covers(target)) || HypervisorFrames.calledByHypervisor()) {
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
                throw new CapabilityDeniedException("agent '" + who.id() + "' (effective ring "
                        + context.ringSource().effectiveRing() + ") may not " + verb(capability) + " " + shown + ": "
                        + reason, who.id(), context.ringSource().effectiveRing(), capability.key(), shown);
            }
        } finally {
            CHECKING.remove();
        }
    }

    private static String verb(Capability capability) {
        return capability == Capability.FILES_READ ? "read" : "write";
    }
}
