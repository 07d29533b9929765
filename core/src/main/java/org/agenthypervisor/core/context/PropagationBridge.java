package org.agenthypervisor.core.context;

import java.util.Collection;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinTask;

/**
 * Binds the bridge's {@code Propagation} to {@link Propagation}. Stateless. The entries that could
 * take context away from the calling thread (and a thread without context runs as the host) first
 * check that the JDK method they are woven into called them ({@link JdkCallers}); called by anyone
 * else they do nothing. The check costs a short stack walk and runs only on paths that are rare:
 * a worker that inherited a context, a worker left with the unidentified context, a fork/join task
 * that an agent submitted.
 */
public final class PropagationBridge implements org.agenthypervisor.bridge.Propagation.Impl {
    private static final Class<?> BRIDGE = org.agenthypervisor.bridge.Propagation.class;

    @Override
    public Runnable wrap(Runnable task) {
        return Propagation.wrap(task);
    }

    @Override
    public <V> Callable<V> wrap(Callable<V> task) {
        return Propagation.wrap(task);
    }

    @Override
    public <V, C extends Collection<? extends Callable<V>>> Collection<Callable<V>> wrapAll(C tasks) {
        return Propagation.wrapAll(tasks);
    }

    @Override
    public Runnable wrapForPool(Runnable task) {
        return Propagation.wrapForPool(task);
    }

    @Override
    public void enterPoolTask(Object task) {
        // A worker with no context (the common case) has nothing to lose; otherwise only getTask may change it.
        if (ContextCell.peek() != null && !JdkCallers.calledFrom(JdkCallers.NEXT_POOL_TASK, BRIDGE)) {
            return;
        }
        Propagation.enterPoolTask(task);
    }

    @Override
    public void capture(ForkJoinTask<?> task) {
        Propagation.capture(task);
    }

    @Override
    public Object enterTask(ForkJoinTask<?> task) {
        if (Propagation.hasCaptured(task) && !JdkCallers.calledFrom(JdkCallers.RUN_TASK, BRIDGE)) {
            return Propagation.UNCHANGED;
        }
        return Propagation.enterTask(task);
    }

    @Override
    public void exitTask(Object token) {
        if (token != Propagation.UNCHANGED && !JdkCallers.calledFrom(JdkCallers.RUN_TASK, BRIDGE)) {
            return;
        }
        Propagation.exitTask(token);
    }

    @Override
    public void resetWorker() {
        if (ContextCell.peek() != null && JdkCallers.calledFrom(JdkCallers.WORKER_START, BRIDGE)) {
            Propagation.resetWorker();
        }
    }

    @Override
    public void captureStart(Thread thread) {
        Propagation.captureStart(thread);
    }

    @Override
    public void enterStartedThread() {
        Propagation.enterStartedThread();
    }
}
