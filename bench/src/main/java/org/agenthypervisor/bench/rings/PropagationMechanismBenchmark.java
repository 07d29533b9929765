package org.agenthypervisor.bench.rings;

import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.ContextCell;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.context.Propagation;
import org.agenthypervisor.core.policy.PolicyParser;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * The propagation mechanism alone, in-process without the agent: wrapping a task with the current
 * agent context and running it (switch and restore), against running it bare.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(3)
@State(Scope.Thread)
public class PropagationMechanismBenchmark {
    private Blackhole blackhole;
    private final Runnable task = () -> blackhole.consume(this);

    @Setup(Level.Trial)
    public void setUp(Blackhole blackhole) {
        this.blackhole = blackhole;
        Principals principals = new Principals(PolicyParser.defaults());
        Context host = Context.of(principals.host());
        Propagation.install(host);
        ContextCell.obtain(host).set(Context.of(principals.agent("bench-user")));
    }

    @Benchmark
    public void bare() {
        task.run();
    }

    private Runnable wrapped;

    @Setup(Level.Trial)
    public void wrapOnce() {
        wrapped = Propagation.wrap(task);
    }

    @Benchmark
    public void wrapAndRun() {
        Propagation.wrap(task).run();
    }

    @Benchmark
    public Runnable wrapOnly() {
        return Propagation.wrap(task);
    }

    @Benchmark
    public void runWrapped() {
        wrapped.run();
    }

    @Benchmark
    public boolean nameCheck() {
        return task.getClass().getName().startsWith("java.lang.VirtualThread");
    }

    @Benchmark
    public boolean interfaceChecks() {
        return task instanceof java.util.concurrent.RunnableFuture || task instanceof Comparable;
    }

    @Benchmark
    public Object currentContext() {
        return ContextCell.peek();
    }
}
