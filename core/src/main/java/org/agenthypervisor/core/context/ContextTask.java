package org.agenthypervisor.core.context;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A task that runs in the context captured when it was submitted, whatever thread runs it. The
 * wrapper keeps the interfaces executors and their callers rely on: a {@link RunnableFuture} stays
 * one (so {@code shutdownNow()} results can still be cancelled), a {@link Comparable} task stays
 * comparable (so priority queues keep working).
 */
public class ContextTask implements Runnable {
    final Context captured;
    final Runnable delegate;

    ContextTask(Context captured, Runnable delegate) {
        this.captured = captured;
        this.delegate = delegate;
    }

    /** The wrapped task. */
    public Runnable delegate() {
        return delegate;
    }

    @Override
    public void run() {
        ContextCell existing = ContextCell.CELLS.get();
        Context previous = existing == null ? null : existing.context;
        ContextCell cell = existing != null ? existing : ContextCell.obtain(captured);
        cell.set(captured);
        try {
            delegate.run();
        } finally {
            restore(existing, cell, previous);
        }
    }

    /**
     * Puts the worker back exactly as it was, including "no context at all": a worker that had no
     * cell must not keep the task's agent for the next, unrelated task.
     */
    static void restore(ContextCell existing, ContextCell cell, Context previous) {
        if (existing == null) {
            if (ContextCell.CELLS.get() == cell) {
                ContextCell.CELLS.remove();
            }
        } else {
            cell.set(previous);
        }
    }

    @Override
    public String toString() {
        return delegate.toString();
    }

    /**
     * What kind of task a class is, computed once per class: an {@code instanceof} test against an
     * interface a class does not implement (every lambda, for these two) costs ~10 ns on JDK 17 because
     * negative answers are not cached, which would dominate the cost of carrying the context.
     */
    private static final ClassValue<Integer> KIND = new ClassValue<>() {
        @Override
        protected Integer computeValue(Class<?> type) {
            int kind = 0;
            if (RunnableFuture.class.isAssignableFrom(type)) {
                kind |= FUTURE;
            }
            if (Comparable.class.isAssignableFrom(type)) {
                kind |= COMPARABLE;
            }
            if (type.getName().startsWith("java.lang.VirtualThread")) {
                kind |= CONTINUATION;
            }
            return kind;
        }
    };
    private static final int FUTURE = 1;
    private static final int COMPARABLE = 2;
    private static final int CONTINUATION = 4;

    /** Whether the task is a virtual thread's continuation (which keeps its own thread locals). */
    static boolean isVirtualThreadContinuation(Runnable task) {
        return (KIND.get(task.getClass()) & CONTINUATION) != 0;
    }

    static Runnable of(Context captured, Runnable task) {
        int kind = KIND.get(task.getClass());
        boolean future = (kind & FUTURE) != 0;
        boolean comparable = (kind & COMPARABLE) != 0;
        if (future && comparable) {
            return new ComparableFuture<>(captured, (RunnableFuture<?>) task);
        } else if (future) {
            return new Future<>(captured, (RunnableFuture<?>) task);
        } else if (comparable) {
            return new ComparableTask(captured, task);
        }
        return new ContextTask(captured, task);
    }

    static Object unwrap(Object task) {
        return task instanceof ContextTask ? ((ContextTask) task).delegate : task;
    }

    /** Keeps {@link Comparable}: compares the wrapped tasks. */
    static final class ComparableTask extends ContextTask implements Comparable<Object> {
        ComparableTask(Context captured, Runnable delegate) {
            super(captured, delegate);
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public int compareTo(Object other) {
            return ((Comparable) delegate).compareTo(unwrap(other));
        }
    }

    /** Keeps {@link RunnableFuture}: every future method goes to the wrapped future. */
    static class Future<V> extends ContextTask implements RunnableFuture<V> {
        private final RunnableFuture<V> future;

        @SuppressWarnings("unchecked")
        Future(Context captured, RunnableFuture<?> delegate) {
            super(captured, delegate);
            this.future = (RunnableFuture<V>) delegate;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            return future.cancel(mayInterruptIfRunning);
        }

        @Override
        public boolean isCancelled() {
            return future.isCancelled();
        }

        @Override
        public boolean isDone() {
            return future.isDone();
        }

        @Override
        public V get() throws InterruptedException, ExecutionException {
            return future.get();
        }

        @Override
        public V get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
            return future.get(timeout, unit);
        }
    }

    /** Both of the above. */
    static final class ComparableFuture<V> extends Future<V> implements Comparable<Object> {
        ComparableFuture(Context captured, RunnableFuture<?> delegate) {
            super(captured, delegate);
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public int compareTo(Object other) {
            return ((Comparable) delegate).compareTo(unwrap(other));
        }
    }

    /** A {@link Callable} that runs in a captured context. */
    static final class ContextCallable<V> implements Callable<V> {
        private final Context captured;
        private final Callable<V> delegate;

        ContextCallable(Context captured, Callable<V> delegate) {
            this.captured = captured;
            this.delegate = delegate;
        }

        @Override
        public V call() throws Exception {
            ContextCell existing = ContextCell.CELLS.get();
            Context previous = existing == null ? null : existing.context;
            ContextCell cell = existing != null ? existing : ContextCell.obtain(captured);
            cell.set(captured);
            try {
                return delegate.call();
            } finally {
                restore(existing, cell, previous);
            }
        }

        @Override
        public String toString() {
            return delegate.toString();
        }
    }
}
