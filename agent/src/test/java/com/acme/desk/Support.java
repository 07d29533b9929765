package com.acme.desk;

import org.agenthypervisor.api.Agent;
import org.agenthypervisor.api.Hypervisor;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** A public-facing ring-3 agent that tries to reach the ledger directly and through pools. */
@Agent("support")
public class Support {
    public String askLedger(Ledger ledger) {
        return ledger.rawSql("select * from refunds");
    }

    public String openVault() {
        return new Vault() != null ? "opened" : "?";
    }

    public String readArchive() {
        return new Archive().read("k");
    }

    public String archiveStat() {
        return Archive.stat();
    }

    public String archiveIndex(Archive archive) {
        return archive.index();
    }

    public String archiveRead(Archive archive) {
        return archive.read("k");
    }

    public String db(String sql) {
        return new Db().executeUpdate(sql);
    }

    public String dbQuery(String sql) {
        return new Db().query(sql);
    }

    /** A hand-off into a method of the ledger that needs no ring: the ledger may still refuse the payload. */
    public String askReconcile(Ledger ledger) {
        return ledger.reconcile();
    }

    public String whoAmI() {
        return Hypervisor.currentAgent();
    }

    /**
     * Defines its own copy of {@code com.acme.escape.SecretVault} with a null class name (the JVM
     * reads the name from the bytes) and calls its ring-0 method.
     */
    public String callNullNamedCopy() throws Exception {
        byte[] bytes;
        try (java.io.InputStream in = Support.class.getClassLoader().getResourceAsStream("com/acme/escape/SecretVault.class")) {
            bytes = in.readAllBytes();
        }
        ClassLoader own = new ClassLoader(Support.class.getClassLoader()) {
            Class<?> define() {
                return defineClass(null, bytes, 0, bytes.length);
            }
        };
        Class<?> copy = (Class<?>) own.getClass().getDeclaredMethod("define").invoke(own);
        try {
            return (String) copy.getMethod("open").invoke(null);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
        }
    }

    /** A task class the support agent wrote, handed to someone else to run. */
    public static final class Cleanup implements java.util.concurrent.Callable<String> {
        private final Ledger ledger;

        Cleanup(Ledger ledger) {
            this.ledger = ledger;
        }

        @Override
        public String call() {
            return ledger.rawSql("cleanup");
        }
    }

    /** Creates the task; whoever runs it (here: the host), it runs as the support agent. */
    public java.util.concurrent.Callable<String> cleanupTask(Ledger ledger) {
        return new Cleanup(ledger);
    }

    /** Runs a task on a pool someone else owns, and reports who the task ran as. */
    public String whoRunsOn(ExecutorService pool) throws Exception {
        return pool.submit(org.agenthypervisor.api.Hypervisor::currentAgent).get(30, TimeUnit.SECONDS);
    }

    public String viaExecutor(Ledger ledger) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            return pool.submit(Tasks.rawSql(ledger, "executor")).get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdown();
        }
    }

    public String viaExecute(Ledger ledger) throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            CompletableFuture<String> result = new CompletableFuture<>();
            pool.execute(Tasks.runnable(Tasks.rawSql(ledger, "execute"), result));
            return result.get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdown();
        }
    }

    public String viaScheduled(Ledger ledger) throws Exception {
        var pool = Executors.newScheduledThreadPool(1);
        try {
            return pool.schedule(Tasks.rawSql(ledger, "scheduled"), 10, TimeUnit.MILLISECONDS).get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdown();
        }
    }

    public String viaCompletableFuture(Ledger ledger) {
        return CompletableFuture.supplyAsync(Tasks.supplier(ledger, "completable")).join();
    }

    public String viaCompletableFutureOnPool(Ledger ledger) {
        ForkJoinPool pool = new ForkJoinPool(4);
        try {
            return CompletableFuture.supplyAsync(Tasks.supplier(ledger, "completable-pool"), pool).join();
        } finally {
            pool.shutdown();
        }
    }

    public String viaForkJoin(Ledger ledger) throws Exception {
        return ForkJoinPool.commonPool().submit(Tasks.rawSql(ledger, "forkjoin")).get(30, TimeUnit.SECONDS);
    }

    /** A task run by CompletableFuture's delayed executor (on JDK 25, the common pool's scheduler). */
    public String viaDelayedExecutor(Ledger ledger) throws Exception {
        java.util.concurrent.Executor delayed = CompletableFuture.delayedExecutor(10, TimeUnit.MILLISECONDS);
        return CompletableFuture.supplyAsync(() -> Tasks.callQuietly(Tasks.rawSql(ledger, "delayed")), delayed)
                .get(30, TimeUnit.SECONDS);
    }

    /** A Callable adapted into a ForkJoinTask and submitted to the common pool. */
    public String viaAdaptedTask(Ledger ledger) throws Exception {
        return ForkJoinPool.commonPool().submit(java.util.concurrent.ForkJoinTask.adapt(Tasks.rawSql(ledger, "adapt")))
                .get(30, TimeUnit.SECONDS);
    }

    public String viaRecursiveTask(Ledger ledger) {
        ForkJoinPool pool = new ForkJoinPool(4);
        try {
            return pool.invoke(Tasks.recursive(ledger, 3));
        } finally {
            pool.shutdown();
        }
    }

    public String viaNewThread(Ledger ledger) throws Exception {
        AtomicReference<String> seen = new AtomicReference<>();
        Thread thread = new Thread(Tasks.runnable(Tasks.rawSql(ledger, "thread"), seen));
        thread.start();
        thread.join(30_000);
        return seen.get();
    }

    /** {@code Thread.ofVirtual().start(task)} through method handles: this class compiles for Java 17. */
    public String viaVirtualThread(Ledger ledger) throws Throwable {
        AtomicReference<String> seen = new AtomicReference<>();
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        Class<?> builder = Class.forName("java.lang.Thread$Builder$OfVirtual");
        Object ofVirtual = lookup.findStatic(Thread.class, "ofVirtual", MethodType.methodType(builder)).invoke();
        MethodHandle start = lookup.findVirtual(builder, "start", MethodType.methodType(Thread.class, Runnable.class));
        Thread thread = (Thread) start.invoke(ofVirtual, Tasks.runnable(Tasks.rawSql(ledger, "virtual"), seen));
        thread.join(30_000);
        return seen.get();
    }
}
