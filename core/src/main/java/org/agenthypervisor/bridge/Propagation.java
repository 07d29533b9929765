package org.agenthypervisor.bridge;

import java.util.Collection;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinTask;

/**
 * The static entry points the advice woven into the JDK's executors and {@code Thread} calls, so
 * that a task runs in its submitter's context (see the hypervisor's {@code core.context.Propagation}).
 * The entries that could leave a thread with less context than it has ({@link #resetWorker},
 * {@link #enterPoolTask}, {@link #exitTask}) check that the JDK frame they are woven into called them.
 */
public final class Propagation {
    static final Impl IMPL = Bridges.pending() == null ? null : Bridges.pending().propagation();

    private Propagation() {
    }

    /** What the hypervisor implements. */
    public interface Impl {
        Runnable wrap(Runnable task);

        <V> Callable<V> wrap(Callable<V> task);

        <V, C extends Collection<? extends Callable<V>>> Collection<Callable<V>> wrapAll(C tasks);

        Runnable wrapForPool(Runnable task);

        void enterPoolTask(Object task);

        void capture(ForkJoinTask<?> task);

        Object enterTask(ForkJoinTask<?> task);

        void exitTask(Object token);

        void resetWorker();

        void captureStart(Thread thread);

        void enterStartedThread();
    }

    public static Runnable wrap(Runnable task) {
        return IMPL.wrap(task);
    }

    public static <V> Callable<V> wrap(Callable<V> task) {
        return IMPL.wrap(task);
    }

    public static <V, C extends Collection<? extends Callable<V>>> Collection<Callable<V>> wrapAll(C tasks) {
        return IMPL.wrapAll(tasks);
    }

    public static Runnable wrapForPool(Runnable task) {
        return IMPL.wrapForPool(task);
    }

    public static void enterPoolTask(Object task) {
        IMPL.enterPoolTask(task);
    }

    public static void capture(ForkJoinTask<?> task) {
        IMPL.capture(task);
    }

    public static Object enterTask(ForkJoinTask<?> task) {
        return IMPL.enterTask(task);
    }

    public static void exitTask(Object token) {
        IMPL.exitTask(token);
    }

    public static void resetWorker() {
        IMPL.resetWorker();
    }

    public static void captureStart(Thread thread) {
        IMPL.captureStart(thread);
    }

    public static void enterStartedThread() {
        IMPL.enterStartedThread();
    }
}
