package org.agenthypervisor.core.store.postgres;

import org.agenthypervisor.core.log.Log;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The store's listening connection: {@code LISTEN} on the schema's channel, and on every
 * notification (another JVM committed an append) the logs catch up. After each (re)connection they
 * catch up too, so appends made while this JVM was cut off are applied as soon as it is back.
 */
final class Listener implements Runnable {
    private static final Log LOG = Log.get("store");
    /** How long one wait for notifications lasts; also how soon {@link #stop} is noticed. */
    private static final int POLL_MILLIS = 250;
    private static final long MAX_BACKOFF_MILLIS = 2_000;

    private final PostgresStore store;
    private final CountDownLatch firstListen = new CountDownLatch(1);
    private volatile boolean stopped;
    private Thread thread;

    Listener(PostgresStore store) {
        this.store = store;
    }

    /** Starts the thread and waits (a few seconds at most) until it listens. */
    void start() {
        thread = new Thread(this, "agent-hypervisor-store-listener");
        thread.setDaemon(true);
        thread.start();
        try {
            if (!firstListen.await(PostgresStore.CONNECT_TIMEOUT_SECONDS * 2L, TimeUnit.SECONDS)) {
                LOG.warn("shared store " + store.describe() + ": not listening for other JVMs' changes yet; they apply"
                        + " once the listening connection is up");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void stop() {
        stopped = true;
        if (thread != null) {
            thread.interrupt();
        }
    }

    @Override
    public void run() {
        long backoff = 100;
        boolean lost = false;
        while (!stopped) {
            try (Connection c = store.connect(0); Statement st = c.createStatement()) {
                st.execute("LISTEN " + store.channel());
                if (lost) {
                    LOG.warn("shared store " + store.describe() + ": listening again; catching up on what other JVMs"
                            + " changed meanwhile");
                }
                lost = false;
                backoff = 100;
                firstListen.countDown();
                store.fireAppended();
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!stopped) {
                    PGNotification[] n = pg.getNotifications(POLL_MILLIS);
                    if (n != null && n.length > 0) {
                        store.fireAppended();
                    }
                }
            } catch (SQLException | RuntimeException failure) {
                if (stopped) {
                    return;
                }
                if (!lost) {
                    LOG.error("shared store " + store.describe() + ": lost the listening connection (" + failure.getMessage()
                            + "); other JVMs' slashes reach this JVM again once it reconnects");
                }
                lost = true;
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException e) {
                    return;
                }
                backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
            }
        }
    }
}
