package com.acme.desk;

import org.agenthypervisor.api.Hypervisor;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.List;

/**
 * The application the integration tests run under the agent. Each argument names a scenario; each
 * scenario prints {@code RESULT <name> <outcome>}.
 */
public final class DeskApp {
    private DeskApp() {
    }

    public static void main(String[] args) throws Throwable {
        Ledger ledger = new Ledger();
        Support support = new Support();
        Billing billing = new Billing();
        for (String scenario : args) {
            switch (scenario) {
                case "facade" -> {
                    result("active", Hypervisor.isActive());
                    result("agent", Hypervisor.currentAgent());
                    result("support-agent", support.whoAmI());
                    result("support-ring", Hypervisor.effectiveRing("support"));
                    result("billing-ring", Hypervisor.effectiveRing("billing"));
                    result("billing-granted", Hypervisor.grantedRing("billing"));
                    result("billing-trust", Hypervisor.trust("billing"));
                }
                case "support->ledger" -> result(scenario, Outcome.of(() -> support.askLedger(ledger)));
                case "ledger-own" -> result(scenario, Outcome.of(ledger::reconcile));
                case "support-reconcile" -> result(scenario, Outcome.of(() -> support.askReconcile(ledger)));
                case "host->ledger" -> result(scenario, Outcome.of(() -> ledger.rawSql("host query")));
                case "executed" -> result(scenario, Ledger.EXECUTED.get());
                case "executor" -> result(scenario, Outcome.of(() -> support.viaExecutor(ledger)));
                case "execute" -> result(scenario, Outcome.of(() -> support.viaExecute(ledger)));
                case "scheduled" -> result(scenario, Outcome.of(() -> support.viaScheduled(ledger)));
                case "completable" -> result(scenario, Outcome.of(() -> support.viaCompletableFuture(ledger)));
                case "completable-pool" -> result(scenario, Outcome.of(() -> support.viaCompletableFutureOnPool(ledger)));
                case "forkjoin" -> result(scenario, Outcome.of(() -> support.viaForkJoin(ledger)));
                case "delayed" -> result(scenario, Outcome.of(() -> support.viaDelayedExecutor(ledger)));
                case "host-delayed" -> result(scenario, Outcome.of(() -> java.util.concurrent.CompletableFuture.supplyAsync(
                        () -> Hypervisor.currentAgent(), java.util.concurrent.CompletableFuture.delayedExecutor(10,
                                java.util.concurrent.TimeUnit.MILLISECONDS)).get()));
                case "fj-adapt" -> result(scenario, Outcome.of(() -> support.viaAdaptedTask(ledger)));
                case "recursive" -> result(scenario, Outcome.of(() -> support.viaRecursiveTask(ledger)));
                case "thread" -> result(scenario, Outcome.of(() -> support.viaNewThread(ledger)));
                case "virtual" -> result(scenario, Outcome.of(() -> {
                    try {
                        return support.viaVirtualThread(ledger);
                    } catch (Throwable t) {
                        throw new Exception(t);
                    }
                }));
                case "nested-task" -> result(scenario, Outcome.of(support.cleanupTask(ledger)));
                case "null-name" -> result(scenario, Outcome.of(support::callNullNamedCopy));
                case "shared-worker" -> {
                    // One worker thread: the support agent uses it first, then the host does.
                    var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
                    try {
                        result("shared-worker-agent", support.whoRunsOn(pool));
                        result("shared-worker-host", pool.submit(Hypervisor::currentAgent).get());
                        var fj = new java.util.concurrent.ForkJoinPool(1);
                        result("shared-fj-agent", support.whoRunsOn(fj));
                        result("shared-fj-host", fj.submit(() -> Hypervisor.currentAgent()).get());
                        fj.shutdown();
                    } finally {
                        pool.shutdown();
                    }
                }
                case "host-executor" -> result(scenario, Outcome.of(() -> {
                    var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
                    try {
                        return pool.submit(Tasks.rawSql(ledger, "host executor")).get();
                    } finally {
                        pool.shutdown();
                    }
                }));
                case "billing-approve" -> result(scenario, Outcome.of(() -> billing.approve("r-7")));
                case "host-approve" -> result(scenario, Outcome.of(() -> Vault.approve("r-8")));
                case "support-vault" -> result(scenario, Outcome.of(() -> support.openVault()));
                case "host-vault" -> result(scenario, Outcome.of(() -> new Vault().toString().isEmpty() ? "?" : "opened"));
                case "vault-opened" -> result(scenario, Vault.opened);
                case "support-archive" -> result(scenario, Outcome.of(() -> support.readArchive()));
                case "support-archive-stat" -> result(scenario, Outcome.of(support::archiveStat));
                case "support-archive-index" -> result(scenario, Outcome.of(() -> support.archiveIndex(new Archive())));
                case "support-archive-read" -> result(scenario, Outcome.of(() -> support.archiveRead(new Archive())));
                case "billing-archive" -> result(scenario, Outcome.of(billing::archive));
                case "support-db" -> result(scenario, Outcome.of(() -> support.db("delete from refunds")));
                case "support-db-query" -> result(scenario, Outcome.of(() -> support.dbQuery("select 1")));
                case "db-executed" -> result(scenario, Db.executed);
                case "host-db" -> result(scenario, Outcome.of(() -> new Db().executeUpdate("host update")));
                case "wait-for-reload" -> waitForReload(support, ledger);
                case "jmx" -> jmx();
                case "attach-wait" -> {
                    // Classes already loaded and used before the agent arrives.
                    result("before-attach", Outcome.of(() -> support.askLedger(ledger)));
                    System.out.println("READY " + ProcessHandle.current().pid());
                    System.out.flush();
                    new BufferedReader(new InputStreamReader(System.in)).readLine();
                    result("after-attach", Outcome.of(() -> support.askLedger(ledger)));
                    result("after-attach-executor", Outcome.of(() -> support.viaExecutor(ledger)));
                }
                case "storm" -> storm(support, ledger);
                case "jmx-lost" -> result("jmx-lost", jmxCounter("auditRecordsLost"));
                case "storm-recover" -> stormRecover(support);
                case "dir-removed" -> dirRemoved(support);
                default -> throw new IllegalArgumentException("unknown scenario " + scenario);
            }
        }
    }

    /** Prints READY, then retries until support may call the ledger or stdin says stop. */
    private static void waitForReload(Support support, Ledger ledger) throws Exception {
        result("before", Outcome.of(() -> support.askLedger(ledger)));
        System.out.println("READY");
        System.out.flush();
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            String outcome = Outcome.of(() -> support.askLedger(ledger));
            if (outcome.startsWith("allowed")) {
                result("after", outcome);
                return;
            }
            Thread.sleep(50);
        }
        result("after", "timed out");
    }

    /** Reads the hypervisor's MXBean from this JVM's platform MBean server (registered in the background). */
    private static void jmx() throws Exception {
        var server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        var name = new javax.management.ObjectName("org.agenthypervisor:type=Hypervisor");
        for (int i = 0; i < 100 && !server.isRegistered(name); i++) {
            Thread.sleep(50);
        }
        result("jmx-mode", server.getAttribute(name, "Mode"));
        var counters = (javax.management.openmbean.TabularData) server.getAttribute(name, "Counters");
        result("jmx-denials", counters.get(new Object[] {"denials"}).get("value"));
        var rings = (javax.management.openmbean.TabularData) server.getAttribute(name, "EffectiveRings");
        result("jmx-billing-ring", rings.get(new Object[] {"billing"}).get("value"));
        var trust = (javax.management.openmbean.TabularData) server.getAttribute(name, "TrustScores");
        result("jmx-billing-trust", trust.get(new Object[] {"billing"}).get("value"));
        result("jmx-policy-has-agents", server.getAttribute(name, "Policy").toString().contains("agents:"));
    }

    /**
     * 3,000 calls the policy (mode: audit) would deny (the support agent calls the ring-0 {@code Db}, no
     * hand-off), so each must leave exactly one audit record: how many
     * ran, how many were refused, and the first refusal. Run under a file-size limit the audit log
     * cannot write past.
     */
    static void storm(Support support, Ledger ledger) {
        int ran = 0;
        int refused = 0;
        String first = null;
        for (int i = 0; i < 3_000; i++) {
            if (i == 1_500) {
                // Let the audit writer catch up: a fast JVM can otherwise queue all 3,000 records before
                // the writer's first batch meets the limit, and then no call is ever refused.
                pause(500);
            }
            String outcome = Outcome.of(() -> support.db("delete from refunds"));
            if (outcome.startsWith("allowed:")) {
                ran++;
            } else {
                refused++;
                if (first == null) {
                    first = outcome;
                }
            }
        }
        result("storm-ran", ran);
        result("storm-refused", refused);
        result("storm-first-refusal", first);
        result("storm-executed", Db.executed);
    }

    /**
     * Would-deny calls (each must leave one audit record) until one is refused because the audit log
     * cannot write; then waits for a line on standard input (the test lifts the file-size limit) and
     * calls again, a tenth of a second apart for at most two minutes, until calls are accepted; then
     * ten more. Prints how many calls were made in all.
     */
    static void stormRecover(Support support) throws Exception {
        long calls = 0;
        String refusal = null;
        while (refusal == null && calls < 1_000_000) {
            calls++;
            String outcome = Outcome.of(() -> support.db("delete from refunds"));
            if (!outcome.startsWith("allowed:")) {
                refusal = outcome;
            }
        }
        result("refused", refusal);
        new BufferedReader(new InputStreamReader(System.in)).readLine();
        boolean resumed = false;
        for (int i = 0; i < 1_200 && !resumed; i++) {
            calls++;
            resumed = Outcome.of(() -> support.db("delete from refunds")).startsWith("allowed:");
            if (!resumed) {
                Thread.sleep(100);
            }
        }
        result("resumed", resumed);
        for (int i = 0; i < 10; i++) {
            calls++;
            Outcome.of(() -> support.db("delete from refunds"));
        }
        result("calls", calls);
    }

    /**
     * Audited calls, then READY and a wait for a line on standard input (the test removes the data
     * directory meanwhile), then calls for at most 20 s until one is refused; then ten more, to show
     * the refusal lasts. Prints the first refusal and how many of the last ten ran.
     */
    static void dirRemoved(Support support) throws Exception {
        for (int i = 0; i < 50; i++) {
            Outcome.of(() -> support.db("delete from refunds"));
        }
        result("ready", true);
        new BufferedReader(new InputStreamReader(System.in)).readLine();
        String refusal = null;
        long deadline = System.currentTimeMillis() + 20_000;
        while (refusal == null && System.currentTimeMillis() < deadline) {
            String outcome = Outcome.of(() -> support.db("delete from refunds"));
            if (!outcome.startsWith("allowed:")) {
                refusal = outcome;
            }
        }
        result("refused", refusal);
        int ran = 0;
        for (int i = 0; i < 10; i++) {
            Thread.sleep(300); // past the writer's first attempts to reopen the log
            if (Outcome.of(() -> support.db("delete from refunds")).startsWith("allowed:")) {
                ran++;
            }
        }
        result("ran-after", ran);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A counter of the hypervisor's MXBean (registered in the background: waits up to ten seconds for it). */
    static Object jmxCounter(String name) throws Exception {
        javax.management.ObjectName bean = new javax.management.ObjectName("org.agenthypervisor:type=Hypervisor");
        javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        for (int i = 0; i < 100 && !server.isRegistered(bean); i++) {
            Thread.sleep(100);
        }
        javax.management.openmbean.TabularData counters = (javax.management.openmbean.TabularData) server.getAttribute(bean, "Counters");
        for (Object row : counters.values()) {
            javax.management.openmbean.CompositeData entry = (javax.management.openmbean.CompositeData) row;
            if (name.equals(entry.get("key"))) {
                return entry.get("value");
            }
        }
        return "absent";
    }

    static void result(String name, Object value) {
        System.out.println("RESULT " + name + " " + value);
        System.out.flush();
    }

    static List<String> lines() throws Exception {
        return new BufferedReader(new InputStreamReader(System.in)).lines().toList();
    }
}
