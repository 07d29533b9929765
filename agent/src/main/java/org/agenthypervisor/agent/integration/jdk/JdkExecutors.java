package org.agenthypervisor.agent.integration.jdk;

import org.agenthypervisor.agent.integration.Target;

import java.util.List;

/**
 * Makes the JDK's executors carry the submitter's context (SPEC §1): wraps tasks at submission to
 * {@code ThreadPoolExecutor}, {@code ScheduledThreadPoolExecutor} and {@code ForkJoinPool}, captures
 * fork/join tasks, restores them when they execute, and resets pool workers to the host when they
 * start. New threads (platform and virtual) inherit the context cell; one created without inheriting
 * thread-locals takes its starter's context when it first runs. A {@code ThreadPoolExecutor} task
 * that reached a worker without going through {@code execute} runs as the unidentified principal.
 *
 * <p>Targets are named by class, method name and parameter descriptor (return types differ between
 * JDK versions); a target missing from a JDK version is simply not instrumented.
 */
public final class JdkExecutors extends JdkIntegration {
    private static final String FEATURE = "context propagation";

    @Override
    public String name() {
        return "JDK executors";
    }

    @Override
    public List<Target> targets() {
        return List.of(
                t("java.util.concurrent.ThreadPoolExecutor", "execute", "(Ljava/lang/Runnable;)", ExecutorAdvice.WrapForPool.class),
                t("java.util.concurrent.ThreadPoolExecutor", "getTask", "()", ExecutorAdvice.NextPoolTask.class),
                // Threads that do not inherit the starter's cell (inheritInheritableThreadLocals(false)).
                t("java.lang.Thread", "start", "(", ExecutorAdvice.CaptureStart.class),
                t("java.lang.Thread", "run", "()V", ExecutorAdvice.EnterStartedThread.class),
                t("java.lang.VirtualThread", "start", "(", ExecutorAdvice.CaptureStart.class),
                t("java.lang.VirtualThread", "run", "(Ljava/lang/Runnable;)V", ExecutorAdvice.EnterStartedThread.class),
                t("java.util.concurrent.ThreadPoolExecutor$Worker", "run", "()", ExecutorAdvice.ResetWorker.class),
                t("java.util.concurrent.ScheduledThreadPoolExecutor", "schedule", "(Ljava/lang/Runnable;", ExecutorAdvice.WrapRunnable.class),
                t("java.util.concurrent.ScheduledThreadPoolExecutor", "schedule", "(Ljava/util/concurrent/Callable;", ExecutorAdvice.WrapCallable.class),
                t("java.util.concurrent.ScheduledThreadPoolExecutor", "scheduleAtFixedRate", "(Ljava/lang/Runnable;", ExecutorAdvice.WrapRunnable.class),
                t("java.util.concurrent.ScheduledThreadPoolExecutor", "scheduleWithFixedDelay", "(Ljava/lang/Runnable;", ExecutorAdvice.WrapRunnable.class),
                t("java.util.concurrent.ForkJoinPool", "execute", "(Ljava/lang/Runnable;)", ExecutorAdvice.WrapRunnable.class),
                t("java.util.concurrent.ForkJoinPool", "submit", "(Ljava/lang/Runnable;", ExecutorAdvice.WrapRunnable.class),
                t("java.util.concurrent.ForkJoinPool", "submit", "(Ljava/util/concurrent/Callable;)", ExecutorAdvice.WrapCallable.class),
                t("java.util.concurrent.ForkJoinPool", "invokeAll", "(Ljava/util/Collection;", ExecutorAdvice.WrapCallables.class),
                t("java.util.concurrent.ForkJoinPool", "invokeAny", "(Ljava/util/Collection;", ExecutorAdvice.WrapCallables.class),
                t("java.util.concurrent.ForkJoinPool", "execute", "(Ljava/util/concurrent/ForkJoinTask;)", ExecutorAdvice.CaptureTaskArgument.class),
                t("java.util.concurrent.ForkJoinPool", "submit", "(Ljava/util/concurrent/ForkJoinTask;)", ExecutorAdvice.CaptureTaskArgument.class),
                t("java.util.concurrent.ForkJoinPool", "invoke", "(Ljava/util/concurrent/ForkJoinTask;)", ExecutorAdvice.CaptureTaskArgument.class),
                // JDK 19+ (lazySubmit, externalSubmit) and JDK 25+ (the scheduling methods): absent
                // methods are not woven on older JDKs.
                t("java.util.concurrent.ForkJoinPool", "lazySubmit", "(Ljava/util/concurrent/ForkJoinTask;)", ExecutorAdvice.CaptureTaskArgument.class),
                t("java.util.concurrent.ForkJoinPool", "externalSubmit", "(Ljava/util/concurrent/ForkJoinTask;)", ExecutorAdvice.CaptureTaskArgument.class),
                t("java.util.concurrent.ForkJoinPool", "schedule", "(Ljava/lang/Runnable;", ExecutorAdvice.WrapRunnable.class),
                t("java.util.concurrent.ForkJoinPool", "schedule", "(Ljava/util/concurrent/Callable;", ExecutorAdvice.WrapCallable.class),
                t("java.util.concurrent.ForkJoinPool", "scheduleAtFixedRate", "(Ljava/lang/Runnable;", ExecutorAdvice.WrapRunnable.class),
                t("java.util.concurrent.ForkJoinPool", "scheduleWithFixedDelay", "(Ljava/lang/Runnable;", ExecutorAdvice.WrapRunnable.class),
                t("java.util.concurrent.ForkJoinPool", "submitWithTimeout", "(Ljava/util/concurrent/Callable;", ExecutorAdvice.WrapCallable.class),
                t("java.util.concurrent.ForkJoinTask", "fork", "()", ExecutorAdvice.CaptureThisTask.class),
                // Every fork/join task runs through doExec (adapted Runnables and Callables too, not only
                // RecursiveTask, RecursiveAction and CountedCompleter, whose exec methods differ).
                t("java.util.concurrent.ForkJoinTask", "doExec", "()", ExecutorAdvice.RunTask.class),
                t("java.util.concurrent.ForkJoinWorkerThread", "run", "()", ExecutorAdvice.ResetWorker.class),
                // JDK 25: the common pool's delay scheduler thread, started by whoever schedules first.
                t("java.util.concurrent.DelayScheduler", "run", "()", ExecutorAdvice.ResetWorker.class));
    }

    private static Target t(String type, String method, String descriptorPrefix, Class<?> advice) {
        return Target.of(type, method, descriptorPrefix, advice, FEATURE);
    }
}
