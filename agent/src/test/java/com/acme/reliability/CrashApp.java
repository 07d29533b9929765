package com.acme.reliability;

import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * {@code CrashApp run SEED COUNT}: COUNT sagas on four threads, a third of them failing (the saga
 * or one of its steps), until killed; {@code CrashApp recover}: only the start, whose recovery of
 * the unfinished sagas runs before {@code main}. Prints {@code MAIN} when {@code main} begins.
 */
public final class CrashApp {
    private CrashApp() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("MAIN");
        System.out.flush();
        if (args[0].equals("recover")) {
            return;
        }
        long seed = Long.parseLong(args[1]);
        int count = Integer.parseInt(args[2]);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        for (int i = 0; i < count; i++) {
            Random random = new Random(seed * 1_000_003L + i);
            int steps = 1 + random.nextInt(4);
            int kind = random.nextInt(6);
            int failAfter = kind == 0 ? random.nextInt(steps + 1) : -1;
            int failingStep = kind == 1 ? 1 + random.nextInt(steps) : -1;
            pool.execute(() -> {
                try {
                    Bookings.book(steps, failAfter, failingStep);
                } catch (IllegalStateException expected) {
                    // rolled back
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(10, TimeUnit.MINUTES);
        System.out.println("DONE");
    }
}
