package org.agenthypervisor.core.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the agent's start-up time goes, phase by phase, for the start-up log line at debug level
 * and the breakdown in {@code bench/RESULTS.md}. One instance per installation, used from the
 * installing thread only; marking a phase costs one {@code System.nanoTime()}.
 */
public final class StartupPhases {
    private final long started = System.nanoTime();
    private long last = started;
    private final List<String> names = new ArrayList<>();
    private final List<Long> nanos = new ArrayList<>();

    /** Ends the phase that ran since the previous mark (or since construction) and names it. */
    public void mark(String phase) {
        long now = System.nanoTime();
        names.add(phase);
        nanos.add(now - last);
        last = now;
    }

    /** Milliseconds since construction. */
    public long elapsedMillis() {
        return (System.nanoTime() - started) / 1_000_000;
    }

    /** {@code "policy 41.2 ms, runtime 63.0 ms, ..."}. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < names.size(); i++) {
            if (i > 0) {
                out.append(", ");
            }
            // Tenths of a millisecond by hand: String.format's first use loads the locale machinery (~10 ms).
            long tenths = (nanos.get(i) + 50_000) / 100_000;
            out.append(names.get(i)).append(' ').append(tenths / 10).append('.').append(tenths % 10).append(" ms");
        }
        return out.toString();
    }
}
