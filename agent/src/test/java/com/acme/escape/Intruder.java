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

    // ------------------------------------------------------------ the hypervisor's internals (issue 9)

    private static final String CELL = "org.agenthypervisor.core.context.ContextCell";
    private static final String CONTEXT = "org.agenthypervisor.core.context.Context";
    private static final String PRINCIPALS = "org.agenthypervisor.core.context.Principals";
    private static final String INSTALLER = "org.agenthypervisor.agent.install.Installer";

    /** One step of a technique: "ok" when it worked, else the exception's simple name. */
    interface Step {
        Object run() throws Throwable;
    }

    static String attempt(Step step) {
        try {
            step.run();
            return "ok";
        } catch (java.lang.reflect.InvocationTargetException wrapped) {
            return "threw:" + wrapped.getCause().getClass().getSimpleName();
        } catch (Throwable blocked) {
            return blocked.getClass().getSimpleName();
        }
    }

    /** After a technique, the proof: does the vault's ring-0 body run for us now? */
    private String andThenDrop(String steps) {
        String drop;
        try {
            vault.drop();
            drop = "ran";
        } catch (SecurityException denied) {
            drop = "denied";
        }
        return steps + ";as=" + org.agenthypervisor.api.Hypervisor.currentAgent() + ";drop=" + drop;
    }

    /**
     * The five lines of plain public reflection from issue 9: find the context cell, take this
     * thread's, put the host's context in it. Tried through every loader an agent can name.
     */
    public String publicReflectionIntoTheCell() {
        StringBuilder steps = new StringBuilder();
        for (ClassLoader loader : new ClassLoader[] {Intruder.class.getClassLoader(), null,
                Thread.currentThread().getContextClassLoader()}) {
            steps.append("forName=").append(attempt(() -> {
                Class<?> cell = Class.forName(CELL, true, loader);
                Object mine = cell.getMethod("peek").invoke(null);
                Class<?> context = Class.forName(CONTEXT, true, loader);
                Class<?> principals = Class.forName(PRINCIPALS, true, loader);
                Object host = principals.getField("HOST").get(null);
                Object hostContext = context.getMethod("of", Class.forName("org.agenthypervisor.core.context.Principal",
                        true, loader)).invoke(null, host);
                return cell.getMethod("set", context).invoke(mine, hostContext);
            })).append(',');
        }
        return andThenDrop(steps.toString());
    }

    /** The same through {@code MethodHandles.publicLookup()}. */
    public String publicLookupIntoTheCell() throws Exception {
        String steps = "findClass=" + attempt(() -> MethodHandles.publicLookup().findClass(CELL));
        Class<?> cell = internalClass(CELL);
        steps += ",findStatic=" + attempt(() -> MethodHandles.publicLookup()
                .findStatic(cell, "peek", MethodType.methodType(cell)).invoke());
        return andThenDrop(steps);
    }

    /**
     * A class object of the internals, taken from what an agent can see: the wrapper around a task
     * waiting in a {@code ThreadPoolExecutor}'s queue. Then everything reflection offers.
     */
    public String throughAQueuedTasksClass() throws Exception {
        Class<?> wrapper = queuedTaskClass();
        Class<?> cell = internalClass(CELL);
        StringBuilder steps = new StringBuilder("wrapper=" + wrapper.getName());
        steps.append(",module=").append(wrapper.getModule().isNamed() ? wrapper.getModule().getName() : "unnamed");
        steps.append(",invoke=").append(attempt(() -> cell.getMethod("peek").invoke(null)));
        steps.append(",setAccessible=").append(attempt(() -> {
            Method peek = cell.getMethod("peek");
            peek.setAccessible(true);
            return peek.invoke(null);
        }));
        steps.append(",fieldSetAccessible=").append(attempt(() -> {
            java.lang.reflect.Field f = wrapper.getSuperclass() == Object.class ? wrapper.getDeclaredFields()[0]
                    : wrapper.getSuperclass().getDeclaredFields()[0];
            f.setAccessible(true);
            return f.get(null);
        }));
        steps.append(",privateLookupIn=").append(attempt(() -> MethodHandles.privateLookupIn(cell, MethodHandles.lookup())));
        steps.append(",findStatic=").append(attempt(() -> MethodHandles.publicLookup()
                .findStatic(cell, "peek", MethodType.methodType(cell)).invoke()));
        steps.append(",addOpens=").append(attempt(() -> cell.getModule().addOpens(cell.getPackageName(), Intruder.class.getModule())));
        steps.append(",entry=").append(attempt(() -> {
            // The layer's way in: its one entry was used by the agent's start.
            for (java.util.function.Supplier<?> s : java.util.ServiceLoader.load(cell.getModule().getLayer(),
                    java.util.function.Supplier.class)) {
                Object entry = s.get();
                if (entry instanceof org.agenthypervisor.agent.Internals internals) {
                    internals.install("", null, false, null);
                }
            }
            return null;
        }));
        return andThenDrop(steps.toString());
    }

    /** {@code Installer.runtime().principals().setTrust(..)}, with the class taken from the agent's own loader. */
    public String installerRuntime() throws Exception {
        String steps = "forName=" + attempt(() -> Class.forName(INSTALLER));
        Class<?> installer = internalClass(INSTALLER);
        steps += ",runtime=" + attempt(() -> installer.getMethod("runtime").invoke(null));
        steps += ",findStatic=" + attempt(() -> MethodHandles.publicLookup().findStatic(installer, "runtime",
                MethodType.methodType(Class.forName("org.agenthypervisor.core.runtime.HypervisorRuntime", false,
                        installer.getClassLoader()))).invoke());
        steps += ",privateLookupIn=" + attempt(() -> MethodHandles.privateLookupIn(installer, MethodHandles.lookup()));
        return andThenDrop(steps);
    }

    /**
     * The bridge is public and open to deep reflection: its entry points that could clear this
     * thread's context (and no context is the host) ignore callers other than the JDK, and its
     * implementation fields are final.
     */
    public String abuseTheBridge() throws Exception {
        String steps = "resetWorker=" + attempt(() -> {
            org.agenthypervisor.bridge.Propagation.resetWorker();
            return null;
        }) + ":" + org.agenthypervisor.api.Hypervisor.currentAgent();
        steps += ",enterPoolTask=" + attempt(() -> {
            org.agenthypervisor.bridge.Propagation.enterPoolTask(null);
            return null;
        }) + ":" + org.agenthypervisor.api.Hypervisor.currentAgent();
        steps += ",exitTask=" + attempt(() -> {
            org.agenthypervisor.bridge.Propagation.exitTask(new Object());
            return null;
        }) + ":" + org.agenthypervisor.api.Hypervisor.currentAgent();
        steps += ",replaceImpl=" + attempt(() -> {
            java.lang.reflect.Field impl = org.agenthypervisor.bridge.Gate.class.getDeclaredField("IMPL");
            impl.setAccessible(true);
            impl.set(null, null);
            return null;
        });
        steps += ",replaceFacade=" + attempt(() -> {
            java.lang.reflect.Field backend = Class.forName("org.agenthypervisor.api.spi.Backends$Holder")
                    .getDeclaredField("BACKEND");
            backend.setAccessible(true);
            backend.set(null, null);
            return null;
        });
        steps += ",reinstall=" + attempt(() -> {
            org.agenthypervisor.bridge.Bridges.install(new org.agenthypervisor.bridge.Bridges.Implementations(
                    new NoGate(), noop(org.agenthypervisor.bridge.Propagation.Impl.class),
                    noop(org.agenthypervisor.bridge.HiddenClasses.Impl.class),
                    noop(org.agenthypervisor.bridge.CapabilityGate.Impl.class),
                    noop(org.agenthypervisor.bridge.Frameworks.Impl.class),
                    noop(org.agenthypervisor.bridge.LangChain4jHooks.Impl.class),
                    noop(org.agenthypervisor.bridge.SpringAiHooks.Impl.class)));
            return null;
        });
        return andThenDrop(steps);
    }

    static <T> T noop(Class<T> type) {
        return type.cast(java.lang.reflect.Proxy.newProxyInstance(Intruder.class.getClassLoader(), new Class<?>[] {type},
                (proxy, method, arguments) -> null));
    }

    /**
     * Calls the gate's public bridge with every site id (and a guessed key), as if entering the vault's
     * methods without calling them: each is refused, and the intruder stays itself.
     */
    public String enterSitesByIdThroughTheBridge() {
        int refused = 0;
        String first = null;
        for (int site = 0; site < 400; site++) {
            for (long key : new long[] {0L, site, -1L}) {
                try {
                    Object token = org.agenthypervisor.bridge.Gate.enter(site, key);
                    if (!"intruder".equals(org.agenthypervisor.api.Hypervisor.currentAgent())) {
                        return "became " + org.agenthypervisor.api.Hypervisor.currentAgent() + " through site " + site;
                    }
                    if (token != null) {
                        return "got a token for site " + site;
                    }
                } catch (SecurityException expected) {
                    refused++;
                    if (first == null) {
                        first = expected.getClass().getSimpleName() + ":" + expected.getMessage();
                    }
                }
                try {
                    org.agenthypervisor.bridge.Gate.enterConstructor(site, key);
                    if (!"intruder".equals(org.agenthypervisor.api.Hypervisor.currentAgent())) {
                        return "became " + org.agenthypervisor.api.Hypervisor.currentAgent() + " through constructor site " + site;
                    }
                } catch (SecurityException expected) {
                    refused++;
                }
            }
        }
        return "refused " + refused + " as " + org.agenthypervisor.api.Hypervisor.currentAgent() + "; first: " + first;
    }

    /** A gate that lets everything through, which the bridge must never call. */
    static final class NoGate implements org.agenthypervisor.bridge.Gate.Impl {
        public Object details() {
            return null;
        }

        public void check(int site, int requiredRing) {
        }

        public Object enter(int site, long key) {
            return null;
        }

        public Object enterConstructor(int site, long key) {
            return null;
        }

        public void exitConstructor(Object token) {
        }

        public Object enterWithDetails(int site, long key, Class<?> type, Object self, Object[] arguments) {
            return null;
        }

        public void exit(Object token, Object returned, Throwable thrown) {
        }
    }

    /** An internal class by name, through the loader of the task wrapper found in a pool's queue. */
    private static Class<?> internalClass(String name) throws Exception {
        return Class.forName(name, false, queuedTaskClass().getClassLoader());
    }

    private static Class<?> queuedTaskClass() throws Exception {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>());
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try {
            pool.execute(() -> {
                try {
                    release.await();
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            });
            pool.execute(() -> { });
            Runnable queued = pool.getQueue().peek();
            return queued.getClass();
        } finally {
            release.countDown();
            pool.shutdown();
        }
    }
}
