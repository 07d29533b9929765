package org.agenthypervisor.bench.capabilities;

import org.agenthypervisor.bench.rings.Contexts;
import org.agenthypervisor.bridge.CapabilityGate;
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

import java.util.concurrent.TimeUnit;

/**
 * The checks alone, as the advice in {@code FileInputStream.open} and {@code Socket.connect} calls
 * them, under the real agent: the host's path (one thread-local read), a ring-0 agent's, and a ring-3
 * agent granted the target ({@code bench-granted}: the protected-path test, its grants, the cached
 * match, and for files the resolution of symbolic links). A whole file open costs about 5.6 µs and a
 * refused connect tens of µs on this machine, so their difference with and without the agent drowns
 * in noise; this isolates what the checks add.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@State(Scope.Thread)
@Fork(value = 3, jvmArgsAppend = FileOpenBenchmark.AGENT)
public class CapabilityCheckBenchmark {
    @Param({"host", "bench-admin", "bench-granted"})
    public String caller;

    private final String file = "/tmp/bench-capability-check.txt";
    private final java.net.InetSocketAddress address = new java.net.InetSocketAddress("127.0.0.1", 9);

    @Setup(Level.Iteration) // each JMH iteration is a pool task that starts in the host's context
    public void setUp() {
        if (!caller.equals("host")) {
            Contexts.runAs(caller);
        }
    }

    @Benchmark
    public void checkRead() {
        CapabilityGate.read(file);
    }

    @Benchmark
    public void checkConnect() {
        CapabilityGate.connect(address);
    }
}
