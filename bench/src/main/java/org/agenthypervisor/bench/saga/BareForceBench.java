package org.agenthypervisor.bench.saga;

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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/** The floor for {@code fsync}: append about one journal record's bytes and {@code FileChannel.force(false)}. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class BareForceBench {
    private Path dir;
    private FileChannel channel;
    private final ByteBuffer record = ByteBuffer.allocate(400);

    @Setup(Level.Iteration)
    public void open() throws IOException {
        dir = JournalDirs.fresh("force-bench");
        channel = FileChannel.open(dir.resolve("file"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        byte[] bytes = new byte[400];
        Arrays.fill(bytes, (byte) 'x');
        record.clear();
        record.put(bytes).flip();
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException {
        channel.close();
        JournalDirs.delete(dir);
    }

    @Benchmark
    public void writeAndForce() throws IOException {
        record.rewind();
        channel.write(record);
        channel.force(false);
    }
}
