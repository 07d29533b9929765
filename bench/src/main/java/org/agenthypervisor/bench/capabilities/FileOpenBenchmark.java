package org.agenthypervisor.bench.capabilities;

import org.agenthypervisor.bench.rings.Contexts;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Opening and closing a small file with {@code FileInputStream}, the call the file entry point
 * check guards: by the host (one thread-local read), and by a ring-3 agent granted {@code /tmp/**}
 * (the protected-path test, the grant, the resolution of links). The difference to the run without
 * the agent is the check's cost.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@State(Scope.Thread)
public class FileOpenBenchmark {
    static final String AGENT = "-javaagent:agent/target/agent-hypervisor.jar=policy=bench/policies/bench.yaml,log=error";

    @Param({"host", "bench-granted"})
    public String caller;

    private String file;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path p = Files.createTempFile("bench-open", ".txt");
        Files.writeString(p, "x");
        p.toFile().deleteOnExit();
        file = p.toString();
    }

    @Setup(Level.Iteration) // each JMH iteration is a pool task that starts in the host's context
    public void enter() {
        if (!caller.equals("host")) {
            Contexts.runAs(caller);
        }
    }

    @Benchmark
    @Fork(value = 3, jvmArgsAppend = AGENT)
    public int openUnderAgent() throws IOException {
        try (FileInputStream in = new FileInputStream(file)) {
            return in.getFD().valid() ? 1 : 0;
        }
    }

    @Benchmark
    @Fork(3)
    public int openWithoutAgent() throws IOException {
        try (FileInputStream in = new FileInputStream(file)) {
            return in.getFD().valid() ? 1 : 0;
        }
    }
}
