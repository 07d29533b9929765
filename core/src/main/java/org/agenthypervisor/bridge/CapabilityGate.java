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

        void connect(Object address);

        void listen(Object address);

        void startProcess(String[] command);

        void exit(int status);

        void loadNative(Class<?> from, String library);

        void foreign(Object what);

        void modifyThread(Thread target);

        void readEnv(String name);

        void privateAccess(Object member, Class<?> caller, Class<?> declaring);
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

    public static void connect(Object address) {
        IMPL.connect(address);
    }

    public static void listen(Object address) {
        IMPL.listen(address);
    }

    public static void startProcess(String[] command) {
        IMPL.startProcess(command);
    }

    public static void exit(int status) {
        IMPL.exit(status);
    }

    public static void loadNative(Class<?> from, String library) {
        IMPL.loadNative(from, library);
    }

    public static void foreign(Object what) {
        IMPL.foreign(what);
    }

    public static void modifyThread(Thread target) {
        IMPL.modifyThread(target);
    }

    public static void readEnv(String name) {
        IMPL.readEnv(name);
    }

    public static void privateAccess(Object member, Class<?> caller, Class<?> declaring) {
        IMPL.privateAccess(member, caller, declaring);
    }
}
