package org.agenthypervisor.bridge;

import java.io.File;
import java.nio.file.OpenOption;
import java.util.Set;

/**
 * The static checks the advice woven into the JDK's resource entry points calls (see the
 * hypervisor's {@code core.capabilities.CapabilityGate}, which decides). Adding a check is three
 * lines: a method in {@link Impl}, a static here that delegates to it, and its one-line
 * implementation in the hypervisor's {@code CapabilityBridge}.
 */
public final class CapabilityGate {
    static final Impl IMPL = Bridges.pending() == null ? null : Bridges.pending().capabilities();

    private CapabilityGate() {
    }

    /** What the hypervisor implements: one method per static check below. */
    public interface Impl {
        void read(String path);

        void write(String path);

        void writeFile(File file);

        void readPath(Object path);

        void writePath(Object path);

        void link(Object link, Object target);

        void open(Object path, Set<? extends OpenOption> options);
    }

    public static void read(String path) {
        IMPL.read(path);
    }

    public static void write(String path) {
        IMPL.write(path);
    }

    public static void writeFile(File file) {
        IMPL.writeFile(file);
    }

    public static void readPath(Object path) {
        IMPL.readPath(path);
    }

    public static void writePath(Object path) {
        IMPL.writePath(path);
    }

    public static void link(Object link, Object target) {
        IMPL.link(link, target);
    }

    public static void open(Object path, Set<? extends OpenOption> options) {
        IMPL.open(path, options);
    }
}
