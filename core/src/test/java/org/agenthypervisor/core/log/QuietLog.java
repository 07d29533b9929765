package org.agenthypervisor.core.log;

import java.io.OutputStream;
import java.io.PrintStream;

/**
 * For suites that provoke thousands of logged problems on purpose (the tamper suites): the
 * agent's log lines go nowhere until the returned handle is closed, so the build output keeps
 * what matters.
 */
public final class QuietLog implements AutoCloseable {
    private QuietLog() {
        Log.setFallback(new PrintStream(OutputStream.nullOutputStream()));
    }

    public static QuietLog quiet() {
        return new QuietLog();
    }

    @Override
    public void close() {
        Log.setFallback(System.err);
    }
}
