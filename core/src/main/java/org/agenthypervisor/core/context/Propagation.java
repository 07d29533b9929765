package org.agenthypervisor.core.context;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinTask;

/**
 * How the current context follows a task into the JDK's executors (SPEC §1). The advice the agent
 * inlines into {@code ThreadPoolExecutor}, {@code ScheduledThreadPoolExecutor} and
 * {@code ForkJoinPool} calls these methods; without them an agent could escape its ring by handing a
 * lambda to a pool whose threads run as the host.
 *
 * <ul>
 *   <li>{@code Runnable}s and {@code Callable}s are wrapped at submission ({@link #wrap}).</li>
 *   <li>{@code ForkJoinTask}s cannot be wrapped without changing what {@code submit} returns, so
 *   their context is kept in a weak identity table ({@link #capture}) and restored when the task
 *   executes ({@link #enterTask}).</li>
 *   <li>Pool workers forget the context they inherited when they start ({@link #resetWorker}).</li>
 * </ul>
 *
 * Submissions from the host cost one thread-local read and allocate nothing.
 */
public final class Propagation {
    static final Object UNCHANGED = new Object();
    private static final WeakIdentityTable CAPTURED = new WeakIdentityTable();
    /** Started threads and their starter's context, until the thread runs. */
    private static final WeakIdentityTable STARTED = new WeakIdentityTable();
    private static volatile Context hostContext;
    private static volatile Context unidentifiedContext;
    private static final String SCHEDULED_TASK = "java.util.concurrent.ScheduledThreadPoolExecutor$ScheduledFutureTask";
    /** {@link #enterTask}'s token when the thread had no cell before the task. */
    private static final Object NO_CELL = new Object();

    private Propagation() {
    }

    /** Sets the host's context; called once by the runtime before any advice can run. */
    public static void install(Context host) {
        hostContext = host;
    }

    /** The host's context, or null before the runtime installed it. */
    public static Context host() {
        return hostContext;
    }

    /** The context to carry along, or null when it is the host (nothing to carry). */
    private static Context carried() {
        ContextCell cell = ContextCell.CELLS.get();
        Context context = cell == null ? null : cell.context;
        // A host context that carries a saga or a session is carried too (its steps belong to the saga).
        return context == null || context.carriesNothing() ? null : context;
    }

    /** The current context (the host's when the thread has none). */
    public static Context current(Context hostContext) {
        ContextCell cell = ContextCell.CELLS.get();
        return cell == null || cell.context == null ? hostContext : cell.context;
    }

    /**
     * Wraps a task submitted to an executor so it runs in the submitter's context. A virtual
     * thread's continuation is left alone: virtual threads keep their own thread locals, and carrying
     * context onto the carrier thread would only cost an allocation per unpark.
     */
    public static Runnable wrap(Runnable task) {
        if (task == null || task instanceof ContextTask) {
            return task;
        }
        Context context = carried();
        if (context == null || ContextTask.isVirtualThreadContinuation(task)) {
            return task;
        }
        return ContextTask.of(context, task);
    }

    /** Like {@link #wrap(Runnable)} for a {@link Callable}. */
    public static <V> Callable<V> wrap(Callable<V> task) {
        if (task == null || task instanceof ContextTask.ContextCallable) {
            return task;
        }
        Context context = carried();
        return context == null ? task : new ContextTask.ContextCallable<>(context, task);
    }

    /** Wraps every task of a collection ({@code invokeAll}, {@code invokeAny}). */
    public static <V, C extends Collection<? extends Callable<V>>> Collection<Callable<V>> wrapAll(C tasks) {
        Context context = carried();
        if (tasks == null || context == null) {
            @SuppressWarnings("unchecked")
            Collection<Callable<V>> same = (Collection<Callable<V>>) tasks;
            return same;
        }
        List<Callable<V>> wrapped = new ArrayList<>(tasks.size());
        for (Callable<V> task : tasks) {
            wrapped.add(task == null ? null : new ContextTask.ContextCallable<>(context, task));
        }
        return wrapped;
    }

    /** Wraps unconditionally, also when the context is the host (for the facade's explicit wrapping). */
    public static Runnable wrapExplicitly(Runnable task, Context context) {
        return task instanceof ContextTask ? task : ContextTask.of(context, task);
    }

    /** Like {@link #wrapExplicitly(Runnable, Context)} for a {@link Callable}. */
    public static <V> Callable<V> wrapExplicitly(Callable<V> task, Context context) {
        return task instanceof ContextTask.ContextCallable ? task : new ContextTask.ContextCallable<>(context, task);
    }

    /** Remembers the submitter's context for a fork/join task (submission, fork). */
    public static void capture(ForkJoinTask<?> task) {
        Context context = carried();
        if (task != null && context != null) {
            CAPTURED.put(task, context);
        }
    }

    /**
     * Called when a fork/join task starts executing: switches to the context captured when it was
     * submitted or forked. A task with nothing captured (submitted by the host, or run directly with
     * {@code invoke()} in the caller's thread) keeps the current context: pool workers start as the
     * host, and a caller running a task itself must not gain the host's privileges.
     *
     * @return what {@link #exitTask} needs to restore
     */
    public static Object enterTask(ForkJoinTask<?> task) {
        Context captured = CAPTURED.get(task);
        if (captured == null) {
            return UNCHANGED;
        }
        ContextCell cell = ContextCell.CELLS.get();
        if (cell == null) {
            ContextCell.obtain(captured);
            return NO_CELL;
        }
        Context previous = cell.context;
        if (previous == captured) {
            return UNCHANGED;
        }
        cell.set(captured);
        return previous;
    }

    /** Whether a context was captured for the task (its execution will switch to it). */
    static boolean hasCaptured(ForkJoinTask<?> task) {
        return task != null && CAPTURED.get(task) != null;
    }

    /** Restores what {@link #enterTask} replaced. */
    public static void exitTask(Object token) {
        if (token == NO_CELL) {
            ContextCell.CELLS.remove(); // the worker had no context before the task: it has none after
        } else if (token != UNCHANGED) {
            ContextCell cell = ContextCell.CELLS.get();
            if (cell != null) {
                cell.set((Context) token);
            }
        }
    }

    /** A pool worker starts: forget the context inherited from whoever caused its creation. */
    public static void resetWorker() {
        ContextCell.CELLS.remove();
    }

    /**
     * {@code Thread.start()} (and a virtual thread's): remember the starter's context for the new
     * thread. A thread normally inherits it through the inheritable cell, but a thread created with
     * {@code inheritInheritableThreadLocals(false)} or {@code new Thread(g, r, n, 0, false)} does not,
     * and would otherwise run its task as the host.
     */
    public static void captureStart(Thread thread) {
        Context context = carried();
        if (thread != null && context != null) {
            STARTED.put(thread, context);
        }
    }

    /**
     * The first code of a started thread ({@code Thread.run()}, a virtual thread's
     * {@code run(Runnable)}): a thread that inherited no context takes the one its starter had.
     */
    public static void enterStartedThread() {
        Context started = STARTED.remove(Thread.currentThread());
        if (started != null && ContextCell.CELLS.get() == null) {
            ContextCell.obtain(started);
        }
    }

    /**
     * A {@code ThreadPoolExecutor} submission: wrapped even when the host submits it, so that a worker
     * can tell a task that came through {@code execute} from one put straight into the pool's queue
     * ({@link #enterPoolTask}). Costs the host one small allocation per submission.
     */
    public static Runnable wrapForPool(Runnable task) {
        if (task == null || task instanceof ContextTask) {
            return task;
        }
        ContextCell cell = ContextCell.CELLS.get();
        Context context = cell == null || cell.context == null ? hostContext : cell.context;
        if (context == null) {
            return task; // before install: nothing governs anything yet
        }
        return ContextTask.of(context, task);
    }

    /**
     * A {@code ThreadPoolExecutor} worker took its next task from the queue. A task that carries a
     * context sets its own; one that does not was never submitted through {@code execute} (offered
     * straight into the queue, or by code the agent does not know): it runs as the unidentified
     * principal at {@code frameworks.unidentifiedRing}, never as the host.
     */
    public static void enterPoolTask(Object task) {
        // A scheduled executor's own task: only its schedule methods create one, and they wrap what
        // an agent schedules, so it runs as the host unless a context inside it says otherwise.
        if (task == null || task instanceof ContextTask || task.getClass().getName().equals(SCHEDULED_TASK)) {
            ContextCell.CELLS.remove();
            return;
        }
        Context unidentified = unidentifiedContext;
        if (unidentified != null) {
            ContextCell cell = ContextCell.CELLS.get();
            if (cell == null) {
                ContextCell.obtain(unidentified);
            } else {
                cell.set(unidentified);
            }
        }
    }

    /** What a task that reached a pool worker without a context runs as; set once by the runtime. */
    public static void installUnidentified(Context unidentified) {
        unidentifiedContext = unidentified;
    }

    /** A small synchronized weak-keyed identity map; fork/join submissions from agents are rare. */
    private static final class WeakIdentityTable {
        private final ReferenceQueue<Object> queue = new ReferenceQueue<>();
        private final Map<Key, Context> map = new HashMap<>();

        synchronized void put(Object key, Context value) {
            expunge();
            map.put(new Key(key, queue), value);
        }

        synchronized Context remove(Object key) {
            if (map.isEmpty()) {
                return null;
            }
            expunge();
            return map.remove(new Key(key, null));
        }

        synchronized Context get(Object key) {
            if (map.isEmpty()) {
                return null;
            }
            expunge();
            return map.get(new Key(key, null));
        }

        private void expunge() {
            for (Object ref; (ref = queue.poll()) != null; ) {
                map.remove(ref);
            }
        }

        private static final class Key extends WeakReference<Object> {
            private final int hash;

            Key(Object referent, ReferenceQueue<Object> queue) {
                super(referent, queue);
                this.hash = System.identityHashCode(referent);
            }

            @Override
            public int hashCode() {
                return hash;
            }

            @Override
            public boolean equals(Object other) {
                if (this == other) {
                    return true;
                }
                if (!(other instanceof Key)) {
                    return false;
                }
                Object mine = get();
                return mine != null && mine == ((Key) other).get();
            }
        }
    }
}
