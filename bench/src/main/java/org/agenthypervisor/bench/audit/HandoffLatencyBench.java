package org.agenthypervisor.bench.audit;

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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Issue 11, part 4: what handing a request to another thread and waiting for its answer costs on
 * this machine, with no work in between. This is the part of the signed governance pipeline that is
 * neither the pipeline's own work nor the signature: a session close asks the audit log's writer
 * thread for a signed tree head and waits (spinning for up to 200 µs, as {@code AuditLog} does).
 * The writer either parks between batches (the audit log's way: {@code parked}) or spins waiting
 * for work ({@code spinning}: a core taken from the producers).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HandoffLatencyBench {
    @Param({"parked", "spinning"})
    public String writer;

    private final AtomicLong requested = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private volatile boolean running;
    private volatile Thread worker;

    @Setup(Level.Trial)
    public void start() {
        running = true;
        boolean spin = writer.equals("spinning");
        Thread t = new Thread(() -> {
            long done = 0;
            while (running) {
                long wanted = requested.get();
                if (wanted > done) {
                    done = wanted;
                    answered.set(done);
                } else if (spin) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                }
            }
        }, "writer");
        t.setDaemon(true);
        worker = t;
        t.start();
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
        running = false;
        LockSupport.unpark(worker);
        worker.join();
    }

    /** One request to the writer thread and its answer. */
    @Benchmark
    public long roundTrip() {
        long ticket = requested.incrementAndGet();
        LockSupport.unpark(worker);
        long spinUntil = System.nanoTime() + 200_000;
        while (answered.get() < ticket) {
            if (System.nanoTime() < spinUntil) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        return ticket;
    }
}
