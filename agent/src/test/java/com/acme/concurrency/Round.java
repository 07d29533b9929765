package com.acme.concurrency;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/** One round of an agent's work: a direct call, one through the shared pool, a two-stage future chain. */
final class Round {
    private Round() {
    }

    /** Four governed calls as {@code who}; {@code mayWrite}: also the ring-2 method. */
    static void run(String who, boolean mayWrite, ExecutorService shared) throws Exception {
        call(who, mayWrite);
        shared.submit(() -> call(who, mayWrite)).get(60, TimeUnit.SECONDS);
        CompletableFuture.supplyAsync(() -> call(who, mayWrite), shared)
                .thenApplyAsync(ignored -> call(who, mayWrite))
                .get(60, TimeUnit.SECONDS);
    }

    private static int call(String who, boolean mayWrite) {
        return mayWrite ? Vault.write(who) : Vault.read(who);
    }
}
