package org.agenthypervisor.bench.rings;

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

import java.util.concurrent.TimeUnit;

/**
 * The allowed path: the same method body plain and behind {@code @Ring(3)}, in the same JVM with
 * the agent attached, called by the host and by a ring-3 agent; and both without the agent. Run
 * from the repository root (the agent and policy paths are relative to it).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@State(Scope.Thread)
public class RingCheckBenchmark {
    static final String AGENT = "-javaagent:agent/target/agent-hypervisor.jar=policy=bench/policies/bench.yaml,log=error";

    private final Target target = new Target();
    private int x;

    @State(Scope.Thread)
    public static class AsAgent {
        // Per iteration: JMH runs each iteration as a task on a pool thread, which starts it in the
        // submitter's (the host's) context, as the agent makes every pool task do.
        @Setup(Level.Iteration)
        public void enter() {
            Contexts.runAs("bench-user");
        }
    }

    @Benchmark
    @Fork(value = 3, jvmArgsAppend = AGENT)
    public int plainUnderAgent() {
        return target.plain(x++);
    }

    @Benchmark
    @Fork(value = 3, jvmArgsAppend = AGENT)
    public int guardedByHost() {
        return target.guarded(x++);
    }

    @Benchmark
    @Fork(value = 3, jvmArgsAppend = AGENT)
    public int guardedByAgent(AsAgent agent) {
        return target.guarded(x++);
    }

    @Benchmark
    @Fork(3)
    public int plainWithoutAgent() {
        return target.plain(x++);
    }

    @Benchmark
    @Fork(3)
    public int guardedWithoutAgent() {
        return target.guarded(x++);
    }
}
