package org.agenthypervisor.core.context;

import org.agenthypervisor.core.policy.PolicyParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PropagationTest {
    private final Principals principals = new Principals(PolicyParser.defaults());
    private final Context host = Context.of(principals.host());
    private final Context bot = Context.of(principals.agent("bot"));

    @BeforeEach
    void install() {
        Propagation.install(host);
    }

    @AfterEach
    void reset() {
        ContextCell.CELLS.remove();
    }

    private void runAs(Context context) {
        ContextCell.obtain(host).set(context);
    }

    @Test
    void hostTasksAreNotWrapped() {
        Runnable task = () -> { };
        assertSame(task, Propagation.wrap(task));
    }

    @Test
    void agentTasksRunInTheSubmittersContextAndRestoreTheRunnersOwn() throws Exception {
        runAs(bot);
        AtomicReference<Context> seen = new AtomicReference<>();
        Runnable wrapped = Propagation.wrap(() -> seen.set(Propagation.current(host)));
        Callable<Context> callable = Propagation.wrap(() -> Propagation.current(host));
        runAs(host);
        wrapped.run();
        assertSame(bot, seen.get());
        assertSame(bot, callable.call());
        assertSame(host, Propagation.current(host), "the runner's context is restored");
    }

    @Test
    void wrappersKeepFutureAndComparable() throws Exception {
        runAs(bot);
        FutureTask<String> future = new FutureTask<>(() -> "done");
        Runnable wrapped = Propagation.wrap(future);
        assertTrue(wrapped instanceof RunnableFuture);
        wrapped.run();
        assertEquals("done", ((RunnableFuture<?>) wrapped).get());

        Runnable low = new Prioritized(1);
        Runnable high = new Prioritized(2);
        @SuppressWarnings("unchecked")
        Comparable<Object> wrappedLow = (Comparable<Object>) Propagation.wrap(low);
        assertTrue(wrappedLow.compareTo(Propagation.wrap(high)) < 0);
        assertTrue(wrappedLow.compareTo(high) < 0, "compares with unwrapped tasks too");
        assertFalse(Propagation.wrap(() -> { }) instanceof Comparable);
    }

    @Test
    void aWorkerForgetsWhatItInherited() {
        runAs(bot);
        Propagation.resetWorker();
        assertSame(host, Propagation.current(host));
    }

    @Test
    void threadsInheritACopyOfTheCreatorsContext() throws Exception {
        runAs(bot);
        AtomicReference<Context> seen = new AtomicReference<>();
        Thread child = new Thread(() -> {
            seen.set(Propagation.current(host));
            ContextCell.obtain(host).set(host);
        });
        child.start();
        child.join();
        assertSame(bot, seen.get());
        assertSame(bot, Propagation.current(host), "the child's switch did not touch the parent's cell");
    }

    record Prioritized(int priority) implements Runnable, Comparable<Prioritized> {
        @Override
        public void run() {
        }

        @Override
        public int compareTo(Prioritized other) {
            return Integer.compare(priority, other.priority);
        }
    }
}
