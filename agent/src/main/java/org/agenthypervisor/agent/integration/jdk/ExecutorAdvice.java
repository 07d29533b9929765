package org.agenthypervisor.agent.integration.jdk;

import net.bytebuddy.asm.Advice;
import org.agenthypervisor.bridge.Propagation;

import java.util.Collection;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinTask;

/**
 * Advice for the JDK's executors: tasks carry the submitter's context (SPEC §1). See
 * {@link Propagation} for the rules.
 */
public final class ExecutorAdvice {
    private ExecutorAdvice() {
    }

    /** {@code execute(Runnable)}, {@code submit(Runnable...)}, {@code schedule(Runnable, ...)}. */
    public static final class WrapRunnable {
        private WrapRunnable() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(value = 0, readOnly = false) Runnable task) {
            task = Propagation.wrap(task);
        }
    }

    /**
     * {@code ThreadPoolExecutor.execute(Runnable)} and the scheduled executor's {@code schedule*}:
     * wrapped for the host too, so a worker knows a task that bypassed them (see
     * {@link Propagation#enterPoolTask}).
     */
    public static final class WrapForPool {
        private WrapForPool() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(value = 0, readOnly = false) Runnable task) {
            task = Propagation.wrapForPool(task);
        }
    }

    /** {@code ThreadPoolExecutor.getTask()}: the worker's next task decides what it runs as. */
    public static final class NextPoolTask {
        private NextPoolTask() {
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Return Runnable task) {
            Propagation.enterPoolTask(task);
        }
    }

    /** {@code Thread.start()}, {@code VirtualThread.start(...)}: remember the starter's context. */
    public static final class CaptureStart {
        private CaptureStart() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.This Thread thread) {
            Propagation.captureStart(thread);
        }
    }

    /** {@code Thread.run()}, {@code VirtualThread.run(Runnable)}: a thread that inherited nothing takes its starter's context. */
    public static final class EnterStartedThread {
        private EnterStartedThread() {
        }

        @Advice.OnMethodEnter
        static void enter() {
            Propagation.enterStartedThread();
        }
    }

    /** {@code submit(Callable)}, {@code schedule(Callable, ...)}. */
    public static final class WrapCallable {
        private WrapCallable() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(value = 0, readOnly = false) Callable<?> task) {
            task = Propagation.wrap(task);
        }
    }

    /** {@code invokeAll(Collection)}, {@code invokeAny(Collection)}. */
    public static final class WrapCallables {
        private WrapCallables() {
        }

        @Advice.OnMethodEnter
        @SuppressWarnings({"unchecked", "rawtypes"})
        static void enter(@Advice.Argument(value = 0, readOnly = false) Collection tasks) {
            tasks = Propagation.wrapAll(tasks);
        }
    }

    /** {@code ForkJoinPool.execute/submit/invoke(ForkJoinTask)}: remember the submitter's context. */
    public static final class CaptureTaskArgument {
        private CaptureTaskArgument() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) ForkJoinTask<?> task) {
            Propagation.capture(task);
        }
    }

    /** {@code ForkJoinTask.fork()}: remember the forking task's context. */
    public static final class CaptureThisTask {
        private CaptureThisTask() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.This ForkJoinTask<?> task) {
            Propagation.capture(task);
        }
    }

    /** {@code RecursiveTask.exec()} and friends: run in the captured context, then restore. */
    public static final class RunTask {
        private RunTask() {
        }

        @Advice.OnMethodEnter
        static Object enter(@Advice.This ForkJoinTask<?> task) {
            return Propagation.enterTask(task);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.Enter Object token) {
            Propagation.exitTask(token);
        }
    }

    /** A pool worker starts: it forgets the context it inherited from whoever created it. */
    public static final class ResetWorker {
        private ResetWorker() {
        }

        @Advice.OnMethodEnter
        static void enter() {
            Propagation.resetWorker();
        }
    }
}
