package org.agenthypervisor.agent.install;

import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.pool.TypePool;
import org.agenthypervisor.agent.advice.ExecutorAdvice;
import org.agenthypervisor.core.context.Propagation;
import org.agenthypervisor.core.log.Log;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Makes the JDK's executors carry the submitter's context (SPEC §1): wraps tasks at submission to
 * {@code ThreadPoolExecutor}, {@code ScheduledThreadPoolExecutor} and {@code ForkJoinPool}, captures
 * fork/join tasks, restores them when they execute, and resets pool workers to the host when they
 * start. New threads (platform and virtual) need nothing here: they inherit the context cell.
 *
 * <p>Targets are named by class, method name and parameter descriptor (return types differ between
 * JDK versions); a target missing from a JDK version is simply not instrumented.
 */
final class ExecutorInstrumentation implements ClassFileTransformer {
    private static final Log LOG = Log.get("instrumentation");

    private record Target(String method, String parametersPrefix, Class<?> advice) {
    }

    private static final Map<String, List<Target>> TARGETS = Map.of(
            "java/util/concurrent/ThreadPoolExecutor", List.of(
                    new Target("execute", "(Ljava/lang/Runnable;)", ExecutorAdvice.WrapRunnable.class)),
            "java/util/concurrent/ThreadPoolExecutor$Worker", List.of(
                    new Target("run", "()", ExecutorAdvice.ResetWorker.class)),
            "java/util/concurrent/ScheduledThreadPoolExecutor", List.of(
                    new Target("schedule", "(Ljava/lang/Runnable;", ExecutorAdvice.WrapRunnable.class),
                    new Target("schedule", "(Ljava/util/concurrent/Callable;", ExecutorAdvice.WrapCallable.class),
                    new Target("scheduleAtFixedRate", "(Ljava/lang/Runnable;", ExecutorAdvice.WrapRunnable.class),
                    new Target("scheduleWithFixedDelay", "(Ljava/lang/Runnable;", ExecutorAdvice.WrapRunnable.class)),
            "java/util/concurrent/ForkJoinPool", List.of(
                    new Target("execute", "(Ljava/lang/Runnable;)", ExecutorAdvice.WrapRunnable.class),
                    new Target("submit", "(Ljava/lang/Runnable;", ExecutorAdvice.WrapRunnable.class),
                    new Target("submit", "(Ljava/util/concurrent/Callable;)", ExecutorAdvice.WrapCallable.class),
                    new Target("invokeAll", "(Ljava/util/Collection;", ExecutorAdvice.WrapCallables.class),
                    new Target("invokeAny", "(Ljava/util/Collection;", ExecutorAdvice.WrapCallables.class),
                    new Target("execute", "(Ljava/util/concurrent/ForkJoinTask;)", ExecutorAdvice.CaptureTaskArgument.class),
                    new Target("submit", "(Ljava/util/concurrent/ForkJoinTask;)", ExecutorAdvice.CaptureTaskArgument.class),
                    new Target("invoke", "(Ljava/util/concurrent/ForkJoinTask;)", ExecutorAdvice.CaptureTaskArgument.class)),
            "java/util/concurrent/ForkJoinTask", List.of(
                    new Target("fork", "()", ExecutorAdvice.CaptureThisTask.class)),
            "java/util/concurrent/RecursiveTask", List.of(
                    new Target("exec", "()", ExecutorAdvice.RunTask.class)),
            "java/util/concurrent/RecursiveAction", List.of(
                    new Target("exec", "()", ExecutorAdvice.RunTask.class)),
            "java/util/concurrent/CountedCompleter", List.of(
                    new Target("exec", "()", ExecutorAdvice.RunTask.class)),
            "java/util/concurrent/ForkJoinWorkerThread", List.of(
                    new Target("run", "()", ExecutorAdvice.ResetWorker.class)));

    private final ClassFileLocator adviceLocator;
    private final Map<Class<?>, Advice> advice = new ConcurrentHashMap<>();
    private final Set<String> instrumented = ConcurrentHashMap.newKeySet();
    private final ByteBuddy byteBuddy = new ByteBuddy()
            .with(TypeValidation.DISABLED)
            .with(Implementation.Context.Disabled.Factory.INSTANCE);

    ExecutorInstrumentation(ClassFileLocator adviceLocator) {
        this.adviceLocator = adviceLocator;
        // Built up front: describing an advice class loads the JDK types in its signature, and a class
        // loaded while a transformer runs is never shown to the transformers.
        for (List<Target> targets : TARGETS.values()) {
            for (Target target : targets) {
                advice.computeIfAbsent(target.advice(), c -> Advice.to(TypeDescription.ForLoadedType.of(c), adviceLocator));
            }
        }
    }

    /** Registers the transformer and retransforms the targets the JVM has already loaded. */
    void install(Instrumentation instrumentation) {
        // java.base must be able to link the advice's calls into the agent's bootstrap classes.
        Module agentModule = Propagation.class.getModule();
        instrumentation.redefineModule(Object.class.getModule(), Set.of(agentModule), Map.of(), Map.of(), Set.of(), Map.of());
        // Load every target first, then retransform them all in one batch, rather than rely on seeing each load.
        List<Class<?>> loaded = new ArrayList<>();
        for (String internalName : TARGETS.keySet()) {
            try {
                Class<?> type = Class.forName(internalName.replace('/', '.'), false, null);
                if (instrumentation.isModifiableClass(type)) {
                    loaded.add(type);
                }
            } catch (ClassNotFoundException absent) {
                LOG.debug("no " + internalName + " in this JDK");
            }
        }
        instrumentation.addTransformer(this, true);
        try {
            instrumentation.retransformClasses(loaded.toArray(new Class<?>[0]));
        } catch (Throwable batchFailed) {
            // One bad class fails the batch: retry one by one so the others still get context propagation.
            for (Class<?> type : loaded) {
                try {
                    instrumentation.retransformClasses(type);
                } catch (Throwable failure) {
                    LOG.error("could not retransform " + type.getName() + " for context propagation: " + failure, failure);
                }
            }
        }
    }

    /** Binary names of the JDK classes instrumented so far (for the self-check). */
    Set<String> instrumented() {
        return instrumented;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String internalName, Class<?> redefined,
                            ProtectionDomain domain, byte[] bytes) {
        if (loader != null || internalName == null) {
            return null;
        }
        List<Target> targets = TARGETS.get(internalName);
        if (targets == null) {
            return null;
        }
        try {
            String binaryName = internalName.replace('/', '.');
            ClassFileLocator locator = new ClassFileLocator.Compound(ClassFileLocator.Simple.of(binaryName, bytes),
                    ClassFileLocator.ForClassLoader.ofBootLoader());
            TypePool pool = new TypePool.Default.WithLazyResolution(new TypePool.CacheProvider.Simple(), locator,
                    TypePool.Default.ReaderMode.FAST);
            TypeDescription type = pool.describe(binaryName).resolve();
            AsmVisitorWrapper.ForDeclaredMethods methods = new AsmVisitorWrapper.ForDeclaredMethods();
            for (Target target : targets) {
                methods = methods.method(
                        (MethodDescription m) -> m.getInternalName().equals(target.method())
                                && m.getDescriptor().startsWith(target.parametersPrefix())
                                && !m.isAbstract() && !m.isBridge(),
                        advice.get(target.advice()));
            }
            byte[] out = byteBuddy.decorate(type, locator).visit(methods).make().getBytes();
            instrumented.add(binaryName);
            if (LOG.isDebugEnabled()) {
                LOG.debug("context propagation woven into " + binaryName);
            }
            return out;
        } catch (Throwable failure) {
            LOG.error("could not instrument " + internalName.replace('/', '.')
                    + " for context propagation; tasks submitted to it may run as the host: " + failure, failure);
            return null;
        }
    }
}
