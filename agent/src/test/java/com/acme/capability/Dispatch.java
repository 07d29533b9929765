package com.acme.capability;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;

/** Where an agent's task runs: its own thread, a pool the host made, a CompletableFuture, a virtual thread. */
final class Dispatch {
    /** Created by the host at start-up, before any agent ran: the agent only hands its task to it. */
    static final ExecutorService POOL = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "host-pool");
        t.setDaemon(true);
        return t;
    });

    private Dispatch() {
    }

    static String run(String mode, Callable<String> task) throws Exception {
        try {
            switch (mode) {
                case "thread":
                    return task.call();
                case "pool":
                    return POOL.submit(task).get();
                case "future":
                    return CompletableFuture.supplyAsync(() -> {
                        try {
                            return task.call();
                        } catch (Exception e) {
                            throw new java.util.concurrent.CompletionException(e);
                        }
                    }).get();
                case "virtual": {
                    FutureTask<String> f = new FutureTask<>(task);
                    Thread.class.getMethod("startVirtualThread", Runnable.class).invoke(null, f);
                    return f.get();
                }
                default:
                    throw new IllegalArgumentException(mode);
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
        }
    }
}
