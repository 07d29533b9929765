package org.agenthypervisor.core.context;

/**
 * The per-thread holder of the current {@link Context}. The hot path reads it with one
 * thread-local lookup and then only plain field reads; switching context is a field write.
 *
 * <p>It is an {@link InheritableThreadLocal}: a thread (platform or virtual) inherits a copy of the
 * context of the code that constructed it, so {@code new Thread(...)} and
 * {@code Thread.ofVirtual()} run in their creator's context. Pool worker threads of the JDK's
 * executors are reset to the host when they start (see {@link Propagation#resetWorker}), because
 * they run other tasks later; those tasks carry their own captured context.
 *
 * <p>A thread with no cell (or a null one) runs as the host.
 */
public final class ContextCell {
    static final InheritableThreadLocal<ContextCell> CELLS = new InheritableThreadLocal<>() {
        @Override
        protected ContextCell childValue(ContextCell parent) {
            // A copy, never the parent's cell: the cell is mutated on every context switch.
            return parent == null || parent.context == null || parent.context.carriesNothing() ? null
                    : new ContextCell(parent.context);
        }
    };

    /** Never null once the cell exists. */
    Context context;
    /** {@code context.ringSource()}, kept beside it so the ring check saves a dependent load. */
    Principal ringSource;

    ContextCell(Context context) {
        set(context);
    }

    /** The calling thread's cell, or null if it never left the host context. One thread-local read. */
    public static ContextCell peek() {
        return CELLS.get();
    }

    /** The calling thread's cell, created (holding {@code initial}) if missing. */
    public static ContextCell obtain(Context initial) {
        ContextCell cell = CELLS.get();
        if (cell == null) {
            cell = new ContextCell(initial);
            CELLS.set(cell);
        }
        return cell;
    }

    public Context get() {
        return context;
    }

    public void set(Context context) {
        this.context = context;
        this.ringSource = context == null ? null : context.ringSource();
    }

    /** Whose effective ring the ring check reads for this thread. */
    public Principal ringSource() {
        return ringSource;
    }
}
