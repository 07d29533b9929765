package com.acme.escape;

import org.agenthypervisor.api.Agent;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A ring-3 agent trying to make {@link Vault#drop}'s body run. Each method is one technique from the
 * red-team run (issue 10); the tests assert the body never ran.
 */
@Agent("intruder")
public class Intruder {
    private final Vault vault;

    public Intruder(Vault vault) {
        this.vault = vault;
    }

    // ------------------------------------------------------------ method references

    /** A method reference to the vault's ring-0 method, handed to code the host runs. */
    public Supplier<String> boundReference() {
        return vault::drop;
    }

    public Supplier<String> staticReference() {
        return Vault::dropStatic;
    }

    public java.util.function.Function<Vault, String> unboundReference() {
        return Vault::drop;
    }

    public Supplier<Object> constructorReference() {
        return Trap::new;
    }

    // ------------------------------------------------------------ code the host calls incidentally

    @Override
    public String toString() {
        return "intruder:" + vault.drop();
    }

    @Override
    public int hashCode() {
        vault.drop();
        return 1;
    }

    /** Its constructor runs in whoever constructs it. */
    public static final class Trap {
        public Trap() {
            new Vault().drop();
        }
    }

    /** Its static initialiser runs in whoever touches it first. */
    public static final class Mine {
        public static final String VALUE = new Vault().drop();

        private Mine() {
        }
    }

    /** A record whose accessor the host (or the hypervisor's payload encoder) calls. */
    public record Loot(String name) {
        @Override
        public String name() {
            new Vault().drop();
            return name;
        }
    }

    /** Hands the vault a value whose accessor drops: the hand-off's return value gets encoded. */
    public Object smuggleThroughEcho() {
        return vault.echo(new Loot("gold"));
    }

    // ------------------------------------------------------------ threads and pools

    /** A host-written task on a thread that inherits no thread-locals. */
    public String threadWithoutInheritance() throws Exception {
        List<String> sink = new CopyOnWriteArrayList<>();
        Thread t = new Thread(null, HostTasks.drop(vault, sink), "no-inherit", 0, false);
        t.start();
        t.join();
        return sink.toString();
    }

    /** The same with the JDK 21+ builders (called reflectively: this code compiles for 17). */
    public String builderWithoutInheritance(String kind) throws Exception {
        List<String> sink = new CopyOnWriteArrayList<>();
        Object builder = Thread.class.getMethod(kind).invoke(null);
        Class<?> type = Class.forName("java.lang.Thread$Builder");
        builder = type.getMethod("inheritInheritableThreadLocals", boolean.class).invoke(builder, false);
        Thread t = (Thread) type.getMethod("start", Runnable.class).invoke(builder, HostTasks.drop(vault, sink));
        t.join();
        return sink.toString();
    }

    /** A host-written task put straight into a pool's queue, never through execute(). */
    public String offeredToAQueue() throws Exception {
        List<String> sink = new CopyOnWriteArrayList<>();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>());
        try {
            pool.prestartAllCoreThreads();
            pool.getQueue().offer(HostTasks.drop(vault, sink));
            for (int i = 0; i < 500 && sink.isEmpty(); i++) {
                Thread.sleep(10);
            }
            return sink.toString();
        } finally {
            pool.shutdown();
        }
    }

    // ------------------------------------------------------------ the hypervisor's own files

    /** Rewrites the policy file it was started with so that it would be ring 0. */
    public String rewritePolicy() throws Exception {
        rewritePolicyFile();
        return "rewritten";
    }

    /** What anyone rewriting the policy would write. */
    static void rewritePolicyFile() throws Exception {
        java.nio.file.Path policy = java.nio.file.Path.of("policy.yaml");
        java.nio.file.Files.writeString(policy, java.nio.file.Files.readString(policy)
                .replace("intruder:\n    ring: 3", "intruder:\n    ring: 0"));
    }

    /** Waits for a reload that should not come, then tries the vault. */
    public String dropAfterAWhile() throws Exception {
        Thread.sleep(2500);
        return vault.drop();
    }

    /** Asks the hypervisor's MXBean, in-process, to reload the policy. */
    public Object jmxReload() throws Exception {
        return EscapeApp.jmxReload();
    }

    public int readKey() throws Exception {
        return java.nio.file.Files.readAllBytes(java.nio.file.Path.of(".agent-hypervisor/keys/hypervisor.key")).length;
    }

    public int readKeyWithAStream() throws Exception {
        try (var in = new java.io.FileInputStream(".agent-hypervisor/keys/hypervisor.key")) {
            return in.readAllBytes().length;
        }
    }

    public int readKeyThroughASymlink() throws Exception {
        java.nio.file.Path link = java.nio.file.Path.of("innocent");
        java.nio.file.Files.createSymbolicLink(link, java.nio.file.Path.of(".agent-hypervisor/keys").toAbsolutePath());
        return java.nio.file.Files.readAllBytes(link.resolve("hypervisor.key")).length;
    }

    public String forgeJournal() throws Exception {
        java.nio.file.Files.writeString(java.nio.file.Path.of(".agent-hypervisor/saga/forged.log"), "forged");
        return "written";
    }

    public boolean deleteAuditLog() {
        return new java.io.File(".agent-hypervisor").delete();
    }

    /** An ordinary file of its own: capabilities are not enforced yet beyond the hypervisor's state. */
    public int ownFile() throws Exception {
        java.nio.file.Files.writeString(java.nio.file.Path.of("notes.txt"), "mine");
        return java.nio.file.Files.readAllBytes(java.nio.file.Path.of("notes.txt")).length;
    }

    // ------------------------------------------------------------ classes the transformer never saw

    /** Defines a hidden copy of {@link Replica} (hidden classes bypass class file transformers) and calls it. */
    public Object hiddenCopy() throws Throwable {
        byte[] bytes;
        try (var in = Intruder.class.getResourceAsStream("Replica.class")) {
            bytes = in.readAllBytes();
        }
        Class<?> hidden = MethodHandles.lookup().defineHiddenClass(bytes, true).lookupClass();
        Object copy = hidden.getConstructor().newInstance();
        return hidden.getMethod("drop").invoke(copy);
    }

    /** Defines a class carrying {@code @Agent("vault")} with its own loader and runs it. */
    public Object forgedIdentity() throws Exception {
        byte[] bytes;
        try (var in = Intruder.class.getResourceAsStream("forged/FakeVault.class")) {
            bytes = in.readAllBytes();
        }
        ClassLoader loader = new ClassLoader(Intruder.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.equals("com.acme.escape.forged.FakeVault")) {
                    synchronized (getClassLoadingLock(name)) {
                        Class<?> c = findLoadedClass(name);
                        return c != null ? c : defineClass(name, bytes, 0, bytes.length);
                    }
                }
                return super.loadClass(name, resolve);
            }
        };
        Class<?> fake = loader.loadClass("com.acme.escape.forged.FakeVault");
        return fake.getMethod("go").invoke(fake.getConstructor().newInstance());
    }

    // ------------------------------------------------------------ private entry points

    public Object reflectIntoPrivate() throws Exception {
        Method m = Vault.class.getDeclaredMethod("secretDrop");
        m.setAccessible(true);
        return m.invoke(vault);
    }

    public Object privateLookupIntoPrivate() throws Throwable {
        MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(Vault.class, MethodHandles.lookup());
        MethodHandle h = lookup.findVirtual(Vault.class, "secretDrop", MethodType.methodType(String.class));
        return (String) h.invoke(vault);
    }
}
