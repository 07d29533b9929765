package com.acme.desk;

import org.agenthypervisor.api.Hypervisor;

import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * Host code (bound to no agent) that builds tasks. An agent handing such a task to a pool must not
 * escape its ring: the task must run in the agent's context, not the host's.
 */
public final class Tasks {
    private Tasks() {
    }

    public static Callable<String> rawSql(Ledger ledger, String query) {
        return () -> Hypervisor.currentAgent() + "|" + Outcome.of(() -> ledger.rawSql(query));
    }

    /** A runnable (host code) that runs a callable and hands its result over. */
    public static Runnable runnable(Callable<String> call, java.util.concurrent.atomic.AtomicReference<String> out) {
        return () -> out.set(callQuietly(call));
    }

    public static Runnable runnable(Callable<String> call, java.util.concurrent.CompletableFuture<String> out) {
        return () -> out.complete(callQuietly(call));
    }

    static String callQuietly(Callable<String> call) {
        try {
            return call.call();
        } catch (Exception e) {
            return "failed:" + e;
        }
    }

    /** A fork/join task (host code) that forks subtasks down to depth 0, which call the ledger. */
    public static java.util.concurrent.RecursiveTask<String> recursive(Ledger ledger, int depth) {
        return new java.util.concurrent.RecursiveTask<>() {
            @Override
            protected String compute() {
                if (depth == 0) {
                    return Hypervisor.currentAgent() + "|" + Outcome.of(() -> ledger.rawSql("recursive"));
                }
                java.util.concurrent.RecursiveTask<String> left = recursive(ledger, depth - 1);
                left.fork();
                String right = recursive(ledger, depth - 1).invoke();
                String joined = left.join();
                return joined.equals(right) ? joined : joined + " != " + right;
            }
        };
    }

    public static Supplier<String> supplier(Ledger ledger, String query) {
        return () -> Hypervisor.currentAgent() + "|" + Outcome.of(() -> ledger.rawSql(query));
    }
}
