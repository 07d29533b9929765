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
                t("java.util.concurrent.ThreadPoolExecutor", "execute", "(Ljava/lang/Runnable;)", "WrapForPool"),
                t("java.util.concurrent.ThreadPoolExecutor", "getTask", "()", "NextPoolTask"),
                // Threads that do not inherit the starter's cell (inheritInheritableThreadLocals(false)).
                t("java.lang.Thread", "start", "(", "CaptureStart"),
                t("java.lang.Thread", "run", "()V", "EnterStartedThread"),
                t("java.lang.VirtualThread", "start", "(", "CaptureStart"),
                t("java.lang.VirtualThread", "run", "(Ljava/lang/Runnable;)V", "EnterStartedThread"),
                t("java.util.concurrent.ThreadPoolExecutor$Worker", "run", "()", "ResetWorker"),
                t("java.util.concurrent.ScheduledThreadPoolExecutor", "schedule", "(Ljava/lang/Runnable;", "WrapRunnable"),
                t("java.util.concurrent.ScheduledThreadPoolExecutor", "schedule", "(Ljava/util/concurrent/Callable;", "WrapCallable"),
                t("java.util.concurrent.ScheduledThreadPoolExecutor", "scheduleAtFixedRate", "(Ljava/lang/Runnable;", "WrapRunnable"),
                t("java.util.concurrent.ScheduledThreadPoolExecutor", "scheduleWithFixedDelay", "(Ljava/lang/Runnable;", "WrapRunnable"),
                t("java.util.concurrent.ForkJoinPool", "execute", "(Ljava/lang/Runnable;)", "WrapRunnable"),
                t("java.util.concurrent.ForkJoinPool", "submit", "(Ljava/lang/Runnable;", "WrapRunnable"),
                t("java.util.concurrent.ForkJoinPool", "submit", "(Ljava/util/concurrent/Callable;)", "WrapCallable"),
                t("java.util.concurrent.ForkJoinPool", "invokeAll", "(Ljava/util/Collection;", "WrapCallables"),
                t("java.util.concurrent.ForkJoinPool", "invokeAny", "(Ljava/util/Collection;", "WrapCallables"),
                t("java.util.concurrent.ForkJoinPool", "execute", "(Ljava/util/concurrent/ForkJoinTask;)", "CaptureTaskArgument"),
                t("java.util.concurrent.ForkJoinPool", "submit", "(Ljava/util/concurrent/ForkJoinTask;)", "CaptureTaskArgument"),
                t("java.util.concurrent.ForkJoinPool", "invoke", "(Ljava/util/concurrent/ForkJoinTask;)", "CaptureTaskArgument"),
                // JDK 19+ (lazySubmit, externalSubmit) and JDK 25+ (the scheduling methods): absent
                // methods are not woven on older JDKs.
                t("java.util.concurrent.ForkJoinPool", "lazySubmit", "(Ljava/util/concurrent/ForkJoinTask;)", "CaptureTaskArgument"),
                t("java.util.concurrent.ForkJoinPool", "externalSubmit", "(Ljava/util/concurrent/ForkJoinTask;)", "CaptureTaskArgument"),
                t("java.util.concurrent.ForkJoinPool", "schedule", "(Ljava/lang/Runnable;", "WrapRunnable"),
                t("java.util.concurrent.ForkJoinPool", "schedule", "(Ljava/util/concurrent/Callable;", "WrapCallable"),
                t("java.util.concurrent.ForkJoinPool", "scheduleAtFixedRate", "(Ljava/lang/Runnable;", "WrapRunnable"),
                t("java.util.concurrent.ForkJoinPool", "scheduleWithFixedDelay", "(Ljava/lang/Runnable;", "WrapRunnable"),
                t("java.util.concurrent.ForkJoinPool", "submitWithTimeout", "(Ljava/util/concurrent/Callable;", "WrapCallable"),
                t("java.util.concurrent.ForkJoinTask", "fork", "()", "CaptureThisTask"),
                // Every fork/join task runs through doExec (adapted Runnables and Callables too, not only
                // RecursiveTask, RecursiveAction and CountedCompleter, whose exec methods differ).
                t("java.util.concurrent.ForkJoinTask", "doExec", "()", "RunTask"),
                t("java.util.concurrent.ForkJoinWorkerThread", "run", "()", "ResetWorker"),
                // JDK 25: the common pool's delay scheduler thread, started by whoever schedules first.
                t("java.util.concurrent.DelayScheduler", "run", "()", "ResetWorker"));
    }

    /** A target whose advice is the class nested in {@code ExecutorAdvice} under {@code advice}: named, and loaded only to weave. */
    private static Target t(String type, String method, String descriptorPrefix, String advice) {
        return Target.of(type, method, descriptorPrefix, JdkExecutors.class.getPackageName() + ".ExecutorAdvice$" + advice, FEATURE);
    }
}
