package org.agenthypervisor.agent.install;

import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.ContextCell;
import org.agenthypervisor.core.context.Propagation;
import org.agenthypervisor.core.runtime.HypervisorRuntime;
import net.bytebuddy.dynamic.ClassFileLocator;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Proves, before the application's {@code main} runs, that the instrumentation works on this JVM:
 * a canary class loaded in a throwaway class loader must be woven, its open method must run, its
 * ring-0 method must reach the gate when called by a ring-3 principal, and a task handed to a
 * {@code ThreadPoolExecutor} must run in its submitter's context. (Transformation errors are
 * otherwise easy to miss: a {@code ClassFileTransformer} that throws is silently ignored.)
 */
final class SelfCheck {
    private static final String CANARY = "org.agenthypervisor.selfcheck.Canary";

    private SelfCheck() {
    }

    /** @return what failed; empty when everything works */
    static List<String> run(HypervisorRuntime runtime, GovernedClassTransformer transformer,
                            org.agenthypervisor.agent.integration.IntegrationTransformer executors, ClassFileLocator jar) {
        List<String> failures = new ArrayList<>();
        ThreadPoolExecutor pool = null;
        try {
            // The probe's worker starts now, while the canary loads, and waits for its task: the probe
            // then waits for a running thread rather than a new one (a few milliseconds of every start).
            // The task reaches a worker started before the probe's context was set, so its context must
            // come with the task, as it must for any pool whose threads outlive a task.
            pool = new ThreadPoolExecutor(1, 1, 0L, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
            pool.prestartCoreThread();
            byte[] bytes = jar.locate(CANARY).resolve();
            CanaryLoader loader = new CanaryLoader(bytes);
            Class.forName(CANARY, true, loader); // its initialiser hands the loader an instance
            if (!transformer.wasWoven(CANARY)) {
                failures.add("the canary class was not instrumented (" + transformer.errors() + " transformation error(s))");
                return failures;
            }
            java.util.function.IntUnaryOperator canary = loader.canary;
            if (canary == null) {
                failures.add("the canary class gave no instance to call");
                return failures;
            }
            if (canary.applyAsInt(0) != 1) {
                failures.add("the canary's open method returned a wrong value");
            }
            long before = runtime.gate().selfCheckDenials();
            Context probe = Context.of(runtime.principals().selfCheck());
            ContextCell cell = ContextCell.obtain(runtime.gate().hostContext());
            Context previous = cell.get();
            cell.set(probe);
            try {
                try {
                    canary.applyAsInt(1); // may run (an audit-only mode): the count of denials below decides
                } catch (SecurityException expected) {
                    // denied
                } catch (RuntimeException | Error unexpected) {
                    failures.add("the canary's ring-0 method failed unexpectedly: " + unexpected);
                }
                if (runtime.gate().selfCheckDenials() != before + 1) {
                    failures.add("a ring-3 call of the canary's ring-0 method did not reach the ring check");
                }
                Future<Context> seen = pool.submit(new CurrentContext(runtime));
                if (seen.get(10, TimeUnit.SECONDS) != probe) {
                    failures.add("a task submitted to a ThreadPoolExecutor did not run in its submitter's context"
                            + " (instrumented JDK classes: " + executors.instrumented() + ")");
                }
            } finally {
                cell.set(previous);
            }
        } catch (Throwable failure) {
            failures.add("the self-check failed: " + failure);
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
        return failures;
    }

    /** The context a pool task runs in (a class, not a lambda: linking one costs ~0.5 ms at start-up). */
    private static final class CurrentContext implements java.util.concurrent.Callable<Context> {
        private final HypervisorRuntime runtime;

        CurrentContext(HypervisorRuntime runtime) {
            this.runtime = runtime;
        }

        @Override
        public Context call() {
            return Propagation.current(runtime.gate().hostContext());
        }
    }

    /**
     * Defines the canary itself, from the bytes the agent's own loader found under {@code inst/}, and
     * takes the instance the canary's initialiser hands it.
     */
    private static final class CanaryLoader extends ClassLoader implements java.util.function.Consumer<Object> {
        private final byte[] bytes;
        private volatile java.util.function.IntUnaryOperator canary;

        @Override
        public void accept(Object candidate) {
            if (candidate instanceof java.util.function.IntUnaryOperator operator && candidate.getClass().getClassLoader() == this
                    && candidate.getClass().getName().equals(CANARY)) {
                canary = operator;
            }
        }

        CanaryLoader(byte[] bytes) {
            super(null);
            this.bytes = bytes;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.equals(CANARY)) {
                synchronized (getClassLoadingLock(name)) {
                    Class<?> loaded = findLoadedClass(name);
                    return loaded != null ? loaded : defineClass(name, bytes, 0, bytes.length);
                }
            }
            return super.loadClass(name, resolve);
        }
    }
}
