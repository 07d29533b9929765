package org.agenthypervisor.core.runtime;

import org.agenthypervisor.core.log.Log;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;

/**
 * Watches the policy file's directory and asks for a reload shortly after the file changes. Editors
 * save in bursts (truncate, write, rename), so events are debounced; the reload itself compares
 * the file's hash and ignores a save that changed nothing.
 */
final class PolicyWatcher {
    private static final Log LOG = Log.get("policy");
    private static final long DEBOUNCE_MILLIS = 150;

    private final Path file;
    private final Runnable reload;
    private volatile WatchService service;
    private Thread thread;

    PolicyWatcher(Path file, Runnable reload) {
        this.file = file.toAbsolutePath().normalize();
        this.reload = reload;
    }

    void start() {
        try {
            service = FileSystems.getDefault().newWatchService();
            file.getParent().register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        } catch (IOException failure) {
            LOG.error("cannot watch " + file + " for changes; hot reload is off: " + failure);
            return;
        }
        thread = new Thread(this::run, "agent-hypervisor-policy-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    void stop() {
        try {
            if (service != null) {
                service.close();
            }
        } catch (IOException ignored) {
            // Closing a watch service only fails if it is already closed.
        }
    }

    private void run() {
        Path name = file.getFileName();
        try {
            while (true) {
                WatchKey key = service.take();
                boolean ours = false;
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (name.equals(event.context()) || event.kind() == StandardWatchEventKinds.OVERFLOW) {
                        ours = true;
                    }
                }
                key.reset();
                if (!ours) {
                    continue;
                }
                // Let the burst of events of one save settle, then reload once.
                for (WatchKey more; (more = service.poll(DEBOUNCE_MILLIS, TimeUnit.MILLISECONDS)) != null; ) {
                    more.pollEvents();
                    more.reset();
                }
                try {
                    reload.run();
                } catch (Throwable failure) {
                    LOG.error("policy reload failed: " + failure, failure);
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException stopped) {
            // Shutting down.
        }
    }
}
