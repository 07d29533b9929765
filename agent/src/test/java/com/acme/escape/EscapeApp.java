package com.acme.escape;

import org.agenthypervisor.api.Hypervisor;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * Runs the intruder's techniques with the host (ring 0) doing the running, as an unsuspecting
 * application would. Each scenario prints {@code RESULT <name> <outcome>}; {@code dropped} prints how
 * many times the vault's ring-0 body ran.
 */
public final class EscapeApp {
    static final List<String> SEEN = new CopyOnWriteArrayList<>();

    private EscapeApp() {
    }

    public static void main(String[] args) throws Throwable {
        Vault vault = new Vault();
        Intruder intruder = new Intruder(vault);
        for (String scenario : args) {
            switch (scenario) {
                // The intruder builds the task; the host runs it (a hand-rolled queue, a callback).
                case "bound-ref" -> result(scenario, outcome(() -> runByHost(intruder.boundReference())));
                case "static-ref" -> result(scenario, outcome(() -> runByHost(intruder.staticReference())));
                case "unbound-ref" -> result(scenario, outcome(() -> intruder.unboundReference().apply(vault)));
                case "constructor-ref" -> result(scenario, outcome(() -> intruder.constructorReference().get()));
                case "to-string" -> result(scenario, outcome(() -> String.valueOf(intruder)));
                case "hash-code" -> result(scenario, outcome(() -> new java.util.HashSet<>(List.of(intruder)).size()));
                case "constructor" -> result(scenario, outcome(Intruder.Trap::new));
                case "static-init" -> result(scenario, outcome(() -> Intruder.Mine.VALUE));
                case "record-accessor" -> result(scenario, outcome(() -> new Intruder.Loot("gold").name()));
                case "encoder" -> result(scenario, outcome(intruder::smuggleThroughEcho));
                case "reflect-private" -> result(scenario, outcome(intruder::reflectIntoPrivate));
                case "lookup-private" -> result(scenario, outcome(() -> {
                    try {
                        return intruder.privateLookupIntoPrivate();
                    } catch (Throwable t) {
                        throw t instanceof Exception e ? e : new Exception(t);
                    }
                }));
                case "vault-private-task" -> {
                    StringBuilder out = new StringBuilder();
                    Runnable task = vault.ownPrivateTask(out);
                    result(scenario, outcome(() -> {
                        task.run();
                        return out;
                    }));
                }
                case "vault-method-ref" -> {
                    Runnable task = vault.ownMethodRef(SEEN);
                    result(scenario, outcome(() -> {
                        task.run();
                        return SEEN;
                    }));
                }
                case "thread-no-inherit" -> result(scenario, outcome(intruder::threadWithoutInheritance));
                case "platform-builder" -> result(scenario, outcome(() -> intruder.builderWithoutInheritance("ofPlatform")));
                case "virtual-builder" -> result(scenario, outcome(() -> intruder.builderWithoutInheritance("ofVirtual")));
                case "queue-offer" -> result(scenario, outcome(intruder::offeredToAQueue));
                case "host-pool" -> {
                    var pool = new java.util.concurrent.ThreadPoolExecutor(1, 1, 1, java.util.concurrent.TimeUnit.MINUTES,
                            new java.util.concurrent.LinkedBlockingQueue<>());
                    var sink = new CopyOnWriteArrayList<String>();
                    pool.execute(HostTasks.drop(vault, sink));
                    pool.submit(() -> sink.add(Hypervisor.currentAgent())).get();
                    pool.shutdown();
                    result(scenario, sink);
                }
                case "rewrite-policy" -> result(scenario, outcome(intruder::rewritePolicy));
                case "host-rewrites-policy" -> result(scenario, outcome(() -> {
                    java.nio.file.Path policy = java.nio.file.Path.of("policy.yaml");
                    java.nio.file.Files.writeString(policy, java.nio.file.Files.readString(policy)
                            .replace("intruder:\n    ring: 3", "intruder:\n    ring: 0"));
                    return "rewritten";
                }));
                case "drop-after-a-while" -> result(scenario, outcome(intruder::dropAfterAWhile));
                case "read-key" -> result(scenario, outcome(intruder::readKey));
                case "read-key-stream" -> result(scenario, outcome(intruder::readKeyWithAStream));
                case "read-key-symlink" -> result(scenario, outcome(intruder::readKeyThroughASymlink));
                case "forge-journal" -> result(scenario, outcome(intruder::forgeJournal));
                case "delete-data-dir" -> result(scenario, outcome(intruder::deleteAuditLog));
                case "own-file" -> result(scenario, outcome(intruder::ownFile));
                case "host-read-policy" -> result(scenario, outcome(() -> java.nio.file.Files.readAllBytes(
                        java.nio.file.Path.of("policy.yaml")).length > 0));
                case "hidden-class" -> result(scenario, outcome(() -> {
                    try {
                        return intruder.hiddenCopy();
                    } catch (Throwable t) {
                        throw t instanceof Exception e ? e : new Exception(t);
                    }
                }));
                case "host-hidden-class" -> result(scenario, outcome(() -> {
                    try (var in = EscapeApp.class.getResourceAsStream("Replica.class")) {
                        Class<?> hidden = java.lang.invoke.MethodHandles.lookup().defineHiddenClass(in.readAllBytes(), true)
                                .lookupClass();
                        return hidden.getMethod("drop").invoke(hidden.getConstructor().newInstance());
                    }
                }));
                case "forged-identity" -> result(scenario, outcome(intruder::forgedIdentity));
                case "host-jmx-reload" -> result(scenario, outcome(EscapeApp::jmxReload));
                case "intruder-jmx-reload" -> result(scenario, outcome(intruder::jmxReload));
                case "internals-reflection" -> result(scenario, outcome(intruder::publicReflectionIntoTheCell));
                case "internals-public-lookup" -> result(scenario, outcome(intruder::publicLookupIntoTheCell));
                case "internals-from-queue" -> result(scenario, outcome(intruder::throughAQueuedTasksClass));
                case "internals-runtime" -> result(scenario, outcome(intruder::installerRuntime));
                case "bridge-abuse" -> result(scenario, outcome(intruder::abuseTheBridge));
                case "gate-by-id" -> result(scenario, outcome(intruder::enterSitesByIdThroughTheBridge));
                case "host" -> result(scenario, Hypervisor.currentAgent());
                case "dropped" -> result(scenario, Vault.DROPPED.get());
                default -> throw new IllegalArgumentException(scenario);
            }
        }
    }

    /** The MXBean's reloadPolicy, called in-process (by whoever runs this). */
    static Object jmxReload() throws Exception {
        var server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        var name = new javax.management.ObjectName("org.agenthypervisor:type=Hypervisor");
        for (int i = 0; i < 200 && !server.isRegistered(name); i++) {
            Thread.sleep(50);
        }
        return server.invoke(name, "reloadPolicy", new Object[0], new String[0]);
    }

    /** The host thread runs what it was handed (what a hand-rolled work queue does). */
    static Object runByHost(Supplier<?> task) {
        return task.get();
    }

    /** {@code allowed:<value>}, {@code denied:<exception>:<message>} (a security refusal, even as a cause), or {@code failed:<exception>}. */
    public static String outcome(Callable<?> call) {
        try {
            return "allowed:" + call.call();
        } catch (Throwable failed) {
            Throwable t = failed;
            while (t != null && !(t instanceof SecurityException)) {
                t = t.getCause();
            }
            if (t != null) {
                return "denied:" + t.getClass().getSimpleName() + ":" + t.getMessage();
            }
            return "failed:" + failed;
        }
    }

    static void result(String name, Object value) {
        System.out.println("RESULT " + name + " " + value);
        System.out.flush();
    }
}
