package com.acme.concurrency;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ConcurrencyApp CALLS}: about CALLS governed calls, half from 16 platform threads and half
 * from 10,000 virtual threads (JDK 21+; on older JDKs all from platform threads), each thread
 * alternating the low, mid and high agents and the host over one shared pool. Prints {@code RESULT}
 * lines: calls, misattributed calls, refused calls, whether virtual threads ran, throughput.
 */
public final class ConcurrencyApp {
    private static final int PLATFORM_THREADS = 16;
    private static final int VIRTUAL_THREADS = 10_000;
    private static final int CALLS_PER_ROUND = 4;

    private ConcurrencyApp() {
    }

    public static void main(String[] args) throws Exception {
        long calls = Long.parseLong(args[0]);
        ExecutorService shared = Executors.newFixedThreadPool(4);
        LowAgent low = new LowAgent();
        MidAgent mid = new MidAgent();
        HighAgent high = new HighAgent();
        HostWork host = new HostWork();
        AtomicLong refused = new AtomicLong();
        ExecutorService virtual = virtualThreads();
        long rounds = calls / CALLS_PER_ROUND;
        long platformRounds = virtual == null ? rounds : rounds / 2;
        long started = System.nanoTime();
        List<Thread> platform = new ArrayList<>();
        for (int t = 0; t < PLATFORM_THREADS; t++) {
            int thread = t;
            long mine = share(platformRounds, PLATFORM_THREADS, t);
            Thread worker = new Thread(() -> {
                for (long i = 0; i < mine; i++) {
                    turn(thread + i, low, mid, high, host, shared, refused);
                }
            }, "platform-" + t);
            platform.add(worker);
            worker.start();
        }
        if (virtual != null) {
            List<Future<?>> done = new ArrayList<>();
            for (int v = 0; v < VIRTUAL_THREADS; v++) {
                int thread = v;
                long mine = share(rounds - platformRounds, VIRTUAL_THREADS, v);
                done.add(virtual.submit(() -> {
                    for (long i = 0; i < mine; i++) {
                        turn(thread + i, low, mid, high, host, shared, refused);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.MINUTES);
            }
            virtual.shutdown();
        }
        for (Thread worker : platform) {
            worker.join();
        }
        long nanos = System.nanoTime() - started;
        shared.shutdown();
        long made = Vault.CALLS.sum();
        System.out.println("RESULT calls " + made);
        System.out.println("RESULT misattributed " + Vault.MISATTRIBUTED.sum());
        System.out.println("RESULT refused " + refused.get());
        System.out.println("RESULT virtual " + (virtual != null));
        System.out.println("RESULT calls-per-second " + Math.round(made / (nanos / 1e9)));
    }

    private static void turn(long i, LowAgent low, MidAgent mid, HighAgent high, HostWork host, ExecutorService shared,
                             AtomicLong refused) {
        try {
            switch ((int) (i % 4)) {
                case 0 -> low.round(shared);
                case 1 -> mid.round(shared);
                case 2 -> high.round(shared);
                default -> host.round(shared);
            }
        } catch (Exception e) {
            // A refusal (a SecurityException, possibly wrapped by the pool or the future) means a call was taken for
            // another agent: none of these calls is above its caller's ring.
            refused.incrementAndGet();
            if (refused.get() <= 3) {
                e.printStackTrace();
            }
        }
    }

    /** Thread {@code index}'s part of {@code total} rounds over {@code threads}: the remainder goes to the first. */
    private static long share(long total, int threads, int index) {
        return total / threads + (index < total % threads ? 1 : 0);
    }

    /** {@code Executors.newVirtualThreadPerTaskExecutor()} on JDK 21+, else null (the test classes target 17). */
    private static ExecutorService virtualThreads() {
        try {
            return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (ReflectiveOperationException absent) {
            return null;
        }
    }
}
