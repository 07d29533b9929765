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

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

/**
 * A {@code Socket.connect} to a closed local port (the kernel refuses it at once), the call the
 * network entry point check guards: by the host and by a ring-3 agent granted {@code 127.0.0.1:*}.
 * The difference to the run without the agent is the check's cost.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@State(Scope.Thread)
public class SocketConnectBenchmark {
    @Param({"host", "bench-granted"})
    public String caller;

    private InetSocketAddress closed;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        closed = new InetSocketAddress("127.0.0.1", port);
    }

    @Setup(Level.Iteration) // each JMH iteration is a pool task that starts in the host's context
    public void enter() {
        if (!caller.equals("host")) {
            Contexts.runAs(caller);
        }
    }

    @Benchmark
    @Fork(value = 3, jvmArgsAppend = FileOpenBenchmark.AGENT)
    public int connectUnderAgent() throws IOException {
        return connect();
    }

    @Benchmark
    @Fork(3)
    public int connectWithoutAgent() throws IOException {
        return connect();
    }

    private int connect() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(closed);
            return 1;
        } catch (ConnectException refused) {
            return 0;
        }
    }
}
