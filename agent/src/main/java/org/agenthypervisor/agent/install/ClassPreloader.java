package org.agenthypervisor.agent.install;

import org.agenthypervisor.core.log.Log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * Loads the agent's own classes ahead of the installer, on the second core. A warm start of this
 * build in this data directory writes the classes its installation loaded, in order; the next start
 * reads that list and loads (without initialising) each class on a background thread while the
 * installer opens the logs and weaves, so the installer mostly finds its classes defined. Only the
 * agent's own classes are named: a list someone else wrote can at worst make the agent load its own
 * classes early. Loading is all it does; nothing is initialised, nothing waits for it.
 */
final class ClassPreloader {
    private static final Log LOG = Log.get("agent");
    private static final String FILE = "classes.list";
    private static final String OWN = "org.agenthypervisor.";

    private ClassPreloader() {
    }

    /** Starts loading the classes {@code directory} lists, if it lists any. */
    static void start(Path directory) {
        Path list = directory.resolve(FILE);
        if (!Files.isRegularFile(list)) {
            return;
        }
        Thread preload = new Thread(new Preload(list, ClassPreloader.class.getClassLoader()), "agent-hypervisor-preload");
        preload.setDaemon(true);
        preload.start();
    }

    /** The preloading thread's work (a class, not a lambda: each lambda costs ~0.5 ms to link at start-up). */
    private static final class Preload implements Runnable {
        private final Path list;
        private final ClassLoader loader;

        Preload(Path list, ClassLoader loader) {
            this.list = list;
            this.loader = loader;
        }

        @Override
        public void run() {
            try {
                for (String name : Files.readAllLines(list, StandardCharsets.UTF_8)) {
                    if (name.startsWith(OWN)) {
                        try {
                            Class.forName(name, false, loader);
                        } catch (ClassNotFoundException | LinkageError gone) {
                            // Another build's list, or a class this start does not have: the installer loads what it needs.
                        }
                    }
                }
            } catch (IOException | RuntimeException unreadable) {
                LOG.debug("cannot read the start-up class list " + list + ": " + unreadable);
            }
        }
    }

    /**
     * Writes the classes this installation loaded, when it took every woven class from the cache
     * (a cold start also loads Byte Buddy's weaving classes, which a warm start never needs) and no
     * list is there yet.
     */
    static void record(Path directory, boolean warm) {
        ClassLoader loader = ClassPreloader.class.getClassLoader();
        if (!(loader instanceof Supplier<?> supplier)) {
            return;
        }
        Object names = supplier.get(); // stops the recording either way
        Path list = directory.resolve(FILE);
        if (!warm || !(names instanceof List<?> loaded) || loaded.isEmpty() || Files.exists(list) || !Files.isDirectory(directory)) {
            return;
        }
        StringBuilder out = new StringBuilder();
        for (Object name : loaded) {
            out.append(name).append('\n');
        }
        try {
            org.agenthypervisor.core.store.AtomicFiles.replaceWithoutForce(list, out.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException failed) {
            LOG.debug("cannot write the start-up class list " + list + ": " + failed);
        }
    }
}
