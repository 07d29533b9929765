package org.agenthypervisor.core.context;

import java.lang.StackWalker.Option;
import java.lang.StackWalker.StackFrame;
import java.util.Iterator;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Whether a bridge entry point was called by the JDK method the agent wove the call into, not by
 * an agent calling the public bridge itself. Used only where a call could leave the thread with less
 * context than it has (a pool worker forgetting what it inherited, a task's context being
 * restored): a thread without a context runs as the host, so an agent able to clear its own cell
 * would be the host.
 *
 * <p>The first frame that is not this module's and not the bridge class itself must be one of the
 * allowed JDK methods, defined by the bootstrap loader. Hidden frames are shown, so a method
 * reference to the bridge run by a JDK method ({@code new Thread(Propagation::resetWorker)}) is
 * seen as the lambda's class, and reflection or method-handle frames never pass for the JDK
 * method. Costs a stack walk of a few frames; only the rare paths pay it.
 */
final class JdkCallers {
    private static final StackWalker WALKER = StackWalker.getInstance(Set.of(Option.RETAIN_CLASS_REFERENCE,
            Option.SHOW_HIDDEN_FRAMES));
    private static final ClassLoader OWN = JdkCallers.class.getClassLoader();

    /** {@code ThreadPoolExecutor$Worker.run}, {@code ForkJoinWorkerThread.run}, {@code DelayScheduler.run} (JDK 25). */
    static final Set<String> WORKER_START = Set.of("java.util.concurrent.ThreadPoolExecutor$Worker#run",
            "java.util.concurrent.ForkJoinWorkerThread#run", "java.util.concurrent.DelayScheduler#run");
    /** {@code ThreadPoolExecutor.getTask()}'s exit. */
    static final Set<String> NEXT_POOL_TASK = Set.of("java.util.concurrent.ThreadPoolExecutor#getTask");
    /** {@code ForkJoinTask.doExec()}. */
    static final Set<String> RUN_TASK = Set.of("java.util.concurrent.ForkJoinTask#doExec");

    private JdkCallers() {
    }

    static boolean calledFrom(Set<String> allowed, Class<?> bridge) {
        return WALKER.walk(new FirstForeignFrame(allowed, bridge));
    }

    /**
     * The walk of {@link #calledFrom}: whether the first frame that is not this module's (nor the
     * bridge's) is an allowed JDK method. A loop over the frames rather than a stream of lambdas, which
     * cost ~0.5 ms each to link at start-up (issue 11).
     */
    private static final class FirstForeignFrame implements Function<Stream<StackFrame>, Boolean> {
        private final Set<String> allowed;
        private final Class<?> bridge;

        FirstForeignFrame(Set<String> allowed, Class<?> bridge) {
            this.allowed = allowed;
            this.bridge = bridge;
        }

        @Override
        public Boolean apply(Stream<StackFrame> frames) {
            for (Iterator<StackFrame> it = frames.iterator(); it.hasNext(); ) {
                StackFrame f = it.next();
                if (!own(f.getDeclaringClass(), bridge)) {
                    return f.getDeclaringClass().getClassLoader() == null && allowed.contains(key(f));
                }
            }
            return false;
        }
    }

    private static boolean own(Class<?> type, Class<?> bridge) {
        return type == bridge || (OWN != null && type.getClassLoader() == OWN && type.getName().startsWith("org.agenthypervisor.core."));
    }

    private static String key(StackFrame frame) {
        return frame.getClassName() + "#" + frame.getMethodName();
    }
}
