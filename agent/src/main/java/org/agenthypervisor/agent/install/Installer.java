package org.agenthypervisor.agent.install;

import net.bytebuddy.dynamic.ClassFileLocator;
import org.agenthypervisor.agent.cache.WovenClassCache;
import org.agenthypervisor.agent.integration.IntegrationTransformer;
import org.agenthypervisor.agent.integration.Integrations;
import org.agenthypervisor.agent.integration.langchain4j.LangChain4jBridge;
import org.agenthypervisor.agent.integration.springai.SpringAiBridge;
import org.agenthypervisor.api.spi.Backends;
import org.agenthypervisor.bridge.Bridges;
import org.agenthypervisor.core.capabilities.CapabilityBridge;
import org.agenthypervisor.core.context.PropagationBridge;
import org.agenthypervisor.core.frameworks.FrameworksBridge;
import org.agenthypervisor.core.gate.GateBridge;
import org.agenthypervisor.core.audit.AuditLog;
import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.PolicyException;
import org.agenthypervisor.core.runtime.HypervisorRuntime;
import org.agenthypervisor.core.runtime.JmxView;
import org.agenthypervisor.core.policy.ComposedPolicyCache;
import org.agenthypervisor.core.runtime.PolicyLoader;
import org.agenthypervisor.core.runtime.RuntimeOptions;
import org.agenthypervisor.core.runtime.StartupPhases;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Starts the hypervisor in this JVM (called once, from {@code premain} or {@code agentmain}, through
 * the launcher, inside the agent's own class loader and module). A bad policy or a failed self-check
 * stops the JVM before {@code main} with a message that says why: the agent fails closed.
 *
 * <p>The first thing it does is bind the bootstrap-side bridge to this module's implementations.
 * A second copy of the internals (someone calling the launcher again) finds the bridge bound and
 * stops there, before it opens any of the hypervisor's state.
 */
public final class Installer {
    private static final Log LOG = Log.get("agent");
    private static volatile HypervisorRuntime runtime;

    private Installer() {
    }

    /** The running hypervisor, or null before installation (and when disabled). */
    public static HypervisorRuntime runtime() {
        return runtime;
    }

    public static synchronized void install(String rawOptions, Instrumentation instrumentation, boolean attached, String jarPath) {
        if (runtime != null) {
            LOG.warn("the agent is already installed in this JVM; ignoring a second installation");
            return;
        }
        StartupPhases phases = new StartupPhases();
        try {
            Bridges.install(new Bridges.Implementations(new GateBridge(), new PropagationBridge(), new GateBridge.Hidden(),
                    new CapabilityBridge(), new FrameworksBridge(), new LangChain4jBridge.Hooks(), new SpringAiBridge.Hooks()));
        } catch (IllegalStateException bound) {
            LOG.warn("the agent is already installed in this JVM (its bridge is bound); ignoring a second installation");
            return;
        }
        // Before the class preloader can load them at an unknown moment: see loadJdkTargets.
        IntegrationTransformer.loadJdkTargets(Integrations.all());
        initialiseStackWalkers();
        warmUpSigning();
        AgentOptions options;
        try {
            options = AgentOptions.parse(rawOptions);
        } catch (IllegalArgumentException bad) {
            throw fatal("bad agent options: " + bad.getMessage());
        }
        Log.setThreshold(options.log());
        phases.mark("bridge+options");
        RuntimeOptions runtimeOptions = RuntimeOptions.resolve(options.policy(), options.dataDir(), options.mode(), options.watch() != Boolean.FALSE);
        String build = buildIdentity(jarPath);
        // The class list is found before the policy is parsed, in the data directory given as an option or
        // else the default one (a policy that moves it gets a second preloader below): the second core loads
        // the classes the audit log and the weavers need while this one parses the policy.
        String earlyDataDir = options.dataDir() != null ? options.dataDir() : Policy.DEFAULT_DATA_DIR;
        boolean preloading = options.weaveCache() && build != null;
        if (preloading) {
            ClassPreloader.start(wovenCacheDirectory(runtimeOptions, earlyDataDir, build));
        }
        Policy policy;
        ComposedPolicyCache policyCache = null;
        try {
            policyCache = composedPolicyCache(options, runtimeOptions);
            policy = PolicyLoader.load(runtimeOptions, policyCache);
        } catch (PolicyException invalid) {
            throw fatal(invalid.getMessage());
        } catch (IOException unreadable) {
            throw fatal("cannot read the policy: " + unreadable.getMessage());
        }
        phases.mark("policy");
        if (policy.mode() == Policy.Mode.OFF) {
            LOG.info("mode off (" + policy.source() + "): nothing is instrumented or governed");
            return;
        }
        if (preloading && !earlyDataDir.equals(policy.dataDir())) {
            ClassPreloader.start(wovenCacheDirectory(runtimeOptions, policy.dataDir(), build));
        }

        HypervisorRuntime rt;
        try {
            rt = HypervisorRuntime.start(runtimeOptions, policy, new OpenAuditLog(), phases);
        } catch (IOException | RuntimeException failure) {
            throw fatal("cannot start: " + org.agenthypervisor.core.store.IoProblems.describe(failure));
        }
        if (policyCache != null && policyCache.rejected() != null) {
            rt.audit().recordBestEffort("policy.cache.rejected", Map.of("problem", policyCache.rejected()));
        }
        ClassFileLocator jar = adviceLocator(jarPath);
        WovenClassCache cache = options.weaveCache() && build != null ? openCache(rt, build) : WovenClassCache.disabled();
        phases.mark("weave cache");
        IntegrationTransformer integrations = new IntegrationTransformer(Integrations.all(), policy, jar, cache);
        phases.mark("integration advice");
        integrations.install(instrumentation);
        phases.mark("integration weaving");
        rt.frameworks().useScanner(new ScanClass());
        GovernedClassTransformer transformer = new GovernedClassTransformer(rt.gate(), new Weaver(jar),
                CandidateFilter.of(policy), instrumentation, new AuditProblem(rt, "instrumentation.problem"), cache);
        instrumentation.addTransformer(transformer, true);
        // Hidden classes bypass transformers; the hook gives their bytes the same treatment.
        org.agenthypervisor.core.gate.HiddenClasses.install(new WeaveHidden(transformer));
        phases.mark("governed transformer");
        retransform(instrumentation, transformer, loadedCandidates(instrumentation, transformer.filter(), policy, Set.of()));
        phases.mark("retransform loaded");

        List<String> failures = SelfCheck.run(rt, transformer, integrations, jar);
        phases.mark("self-check");
        if (!failures.isEmpty()) {
            String message = "the post-install self-check failed: " + String.join("; ", failures);
            if (policy.onInternalError() == Policy.OnInternalError.ALLOW) {
                LOG.error(message + " -- continuing because the policy says onInternalError: allow; governance may be incomplete");
            } else {
                throw fatal(message + " (fail closed; the policy can say onInternalError: allow)");
            }
        }
        Backends.install(rt.backend());
        // After weaving and the facade: recovered compensations are woven and may call Hypervisor.currentStep().
        rt.recoverSagasOnStart();
        phases.mark("saga recovery");
        rt.onReload(new Reweave(rt, transformer, instrumentation));
        rt.startWatching(options.watch() == Boolean.TRUE);
        Runtime.getRuntime().addShutdownHook(new Thread(new Shutdown(rt), "agent-hypervisor-shutdown"));
        JmxView.registerLater(rt);
        runtime = rt;
        ClassPreloader.record(cache.enabled() ? cache.directory() : java.nio.file.Path.of(""),
                cache.enabled() && cache.misses() == 0 && cache.rejected() == 0 && (policyCache == null || policyCache.settled()));
        phases.mark("watch+hooks+jmx");
        long millis = phases.elapsedMillis();
        if (LOG.isDebugEnabled()) {
            LOG.debug("start-up phases: " + phases + "; " + cache);
        }
        LOG.info(frameworksLine(policy, integrations));
        LOG.info("Agent Hypervisor active" + (attached ? " (attached)" : "") + ": mode " + policy.mode().name().toLowerCase()
                + ", policy " + policy.source() + " (" + runtimeOptions.policyOrigin() + "), " + policy.agents().size()
                + " agent(s), " + policy.rules().size() + " rule(s), data in " + rt.dataDir() + ", started in " + millis + " ms");
    }

    /**
     * The composed-policy cache of the data directory: the one named as an agent option, or else the
     * default one (then a policy that names another is parsed as before). Authenticated with a secret
     * derived from the hypervisor's key in {@code <dataDir>/keys}, read without Bouncy Castle. Off with
     * the woven-class cache ({@code weaveCache=false}).
     */
    private static ComposedPolicyCache composedPolicyCache(AgentOptions options, RuntimeOptions runtimeOptions) {
        if (!options.weaveCache()) {
            return null;
        }
        java.nio.file.Path dataDir = runtimeOptions.workingDir()
                .resolve(options.dataDir() != null ? options.dataDir() : Policy.DEFAULT_DATA_DIR).normalize();
        return new ComposedPolicyCache(dataDir, runtimeOptions.workingDir(), options.dataDir() == null, new PolicyCacheSecret(dataDir));
    }

    /** Where the woven-class cache of this build keeps its entries and the start-up class list. */
    private static java.nio.file.Path wovenCacheDirectory(RuntimeOptions runtimeOptions, String dataDir, String build) {
        return WovenClassCache.buildDirectory(
                runtimeOptions.workingDir().resolve(dataDir).normalize().resolve("cache").resolve("woven"), build);
    }

    /** The agent build, for the woven-class cache: the jar's path, size and modification time (null if unreadable). */
    private static String buildIdentity(String jarPath) {
        try {
            java.nio.file.Path jar = java.nio.file.Path.of(jarPath).toAbsolutePath();
            return jar + "|" + java.nio.file.Files.size(jar) + "|" + java.nio.file.Files.getLastModifiedTime(jar).toMillis();
        } catch (IOException | RuntimeException unreadable) {
            LOG.warn("cannot read the agent jar's size and time (" + unreadable + "); no woven-class cache");
            return null;
        }
    }

    /**
     * Initialises {@code StackWalker} and the two stack walkers of the core (the capability check's
     * and the propagation bridge's) here, before anything is woven and while this is the only thread
     * that runs agent code. {@code StackWalker}'s class initialisation calls {@code setAccessible},
     * which the weave turns into a capability check that needs {@code HypervisorFrames}, whose own
     * initialisation needs {@code StackWalker}: left to the application, a pool's first worker and the
     * main thread could each start one of the two and wait for the other forever (a class-
     * initialisation deadlock, seen once a start no longer ran a pool task before {@code main}).
     */
    private static void initialiseStackWalkers() {
        StackWalker.getInstance();
        ClassLoader core = HypervisorRuntime.class.getClassLoader();
        for (String walker : new String[] {"org.agenthypervisor.core.capabilities.HypervisorFrames",
                "org.agenthypervisor.core.context.JdkCallers"}) {
            try {
                Class.forName(walker, true, core);
            } catch (ClassNotFoundException | LinkageError missing) {
                throw fatal("cannot initialise " + walker + ": " + missing);
            }
        }
    }

    /**
     * Bouncy Castle's Ed25519 classes and tables, on the second core while this thread parses the
     * policy and weaves: the JVM's shutdown signs a tree head over the run's records, and without
     * this the shutdown of a short-lived JVM pays for them. Nothing waits for it. (The JDK's security
     * providers warm up on a thread of their own, which the launcher starts before it builds the
     * internals' module layer: the policy's digest needs them first thing.)
     */
    private static void warmUpSigning() {
        Thread warmUp = new Thread(new SigningWarmUp(), "agent-hypervisor-warm-up-signing");
        warmUp.setDaemon(true);
        warmUp.setPriority(Thread.MIN_PRIORITY);
        warmUp.start();
    }

    /*
     * Classes, not lambdas, for what the start passes around: linking a lambda's call site costs ~0.5 ms
     * the first time (a hidden class spun, method handles resolved, lambda forms generated), and the
     * start ran about seventy of them (issue 11).
     */

    private static final class SigningWarmUp implements Runnable {
        @Override
        public void run() {
            try {
                org.agenthypervisor.core.crypto.Ed25519.warmUp();
            } catch (Throwable ignored) {
                // The first real signature meets the same failure and reports it.
            }
        }
    }

    private static final class OpenAuditLog implements java.util.function.BiFunction<java.nio.file.Path, Policy,
            org.agenthypervisor.core.audit.AuditTrail> {
        @Override
        public org.agenthypervisor.core.audit.AuditTrail apply(java.nio.file.Path dataDir, Policy policy) {
            return AuditLog.openFor(dataDir, policy);
        }
    }

    private static final class ScanClass implements java.util.function.Function<Class<?>,
            org.agenthypervisor.core.governance.ClassInfo> {
        @Override
        public org.agenthypervisor.core.governance.ClassInfo apply(Class<?> type) {
            return scanClass(type);
        }
    }

    /** Records a problem in the audit log, best effort, under {@code type}. */
    private static final class AuditProblem implements java.util.function.Consumer<String> {
        private final HypervisorRuntime rt;
        private final String type;

        AuditProblem(HypervisorRuntime rt, String type) {
            this.rt = rt;
            this.type = type;
        }

        @Override
        public void accept(String problem) {
            rt.audit().recordBestEffort(type, Map.of("problem", problem));
        }
    }

    private static final class WeaveHidden implements org.agenthypervisor.core.gate.HiddenClasses.Weaving {
        private final GovernedClassTransformer transformer;

        WeaveHidden(GovernedClassTransformer transformer) {
            this.transformer = transformer;
        }

        @Override
        public byte[] weave(ClassLoader loader, byte[] bytes) {
            return transformer.transform(null, loader, null, null, null, bytes);
        }
    }

    /** After a policy reload: the new candidate filter, and the classes it changes woven again. */
    private static final class Reweave implements java.util.function.Consumer<Set<String>> {
        private final HypervisorRuntime rt;
        private final GovernedClassTransformer transformer;
        private final Instrumentation instrumentation;

        Reweave(HypervisorRuntime rt, GovernedClassTransformer transformer, Instrumentation instrumentation) {
            this.rt = rt;
            this.transformer = transformer;
            this.instrumentation = instrumentation;
        }

        @Override
        public void accept(Set<String> changed) {
            CandidateFilter filter = CandidateFilter.of(rt.policy());
            transformer.setFilter(filter);
            retransform(instrumentation, transformer, loadedCandidates(instrumentation, filter, rt.policy(), changed));
        }
    }

    private static final class Shutdown implements Runnable {
        private final HypervisorRuntime rt;

        Shutdown(HypervisorRuntime rt) {
            this.rt = Objects.requireNonNull(rt);
        }

        @Override
        public void run() {
            rt.shutdown();
        }
    }

    /** The composed-policy cache's secret, derived from the key in {@code <dataDir>/keys} (none: no key yet). */
    private static final class PolicyCacheSecret implements java.util.function.Supplier<byte[]> {
        private final java.nio.file.Path dataDir;

        PolicyCacheSecret(java.nio.file.Path dataDir) {
            this.dataDir = dataDir;
        }

        @Override
        public byte[] get() {
            java.nio.file.Path keys = dataDir.resolve("keys");
            if (!java.nio.file.Files.isDirectory(keys)) {
                return null;
            }
            return org.agenthypervisor.core.crypto.KeyDirectory.openReadOnly(keys)
                    .deriveSecretIfPresent(AuditLog.KEY_ID, ComposedPolicyCache.SECRET_LABEL).orElse(null);
        }
    }

    /**
     * The woven-class cache of this data directory, keyed by the agent jar (path, size, modification
     * time) and authenticated with a secret derived from the hypervisor's key (read without loading
     * Bouncy Castle). A cache that cannot be opened is only a slower start.
     */
    private static WovenClassCache openCache(HypervisorRuntime rt, String build) {
        try {
            byte[] secret = org.agenthypervisor.core.crypto.KeyDirectory.open(AuditLog.keysDir(rt.dataDir(), rt.policy()))
                    .deriveSecret(AuditLog.KEY_ID, WovenClassCache.SECRET_LABEL);
            return WovenClassCache.open(rt.dataDir().resolve("cache").resolve("woven"), secret, build,
                    new AuditProblem(rt, "instrumentation.cache.rejected"));
        } catch (RuntimeException unusable) {
            LOG.warn("no woven-class cache (" + unusable.getMessage() + "); classes are woven at every start");
            return WovenClassCache.disabled();
        }
    }

    /** What the start-up log says about the framework integrations and the framework agents the policy binds. */
    private static String frameworksLine(Policy policy, IntegrationTransformer integrations) {
        int services = 0;
        int agentic = 0;
        for (Policy.AgentSpec a : policy.agents().values()) {
            services += a.aiServices().size();
            agentic += a.agenticNames().size();
        }
        List<String> on = new ArrayList<>();
        for (org.agenthypervisor.agent.integration.Integration i : integrations.enabled()) {
            on.add(i.name());
        }
        List<String> off = new ArrayList<>();
        for (org.agenthypervisor.agent.integration.Integration i : integrations.disabled()) {
            off.add(i.name() + " (" + i.policySwitch() + ": false)");
        }
        return "integrations: " + String.join(", ", on) + (off.isEmpty() ? "" : "; off: " + String.join(", ", off))
                + "; the policy binds " + services + " AI-service glob(s) and " + agentic + " agentic name glob(s);"
                + " framework tool calls outside every agent run as 'unidentified' in ring "
                + policy.frameworks().unidentifiedRing() + "; denied tool calls " + (policy.frameworks().onDenial()
                == Policy.OnDenial.ABORT ? "abort the call" : "are told to the model");
    }

    /** A class's annotations and methods from its bytes, for the framework gate (null when unreadable). */
    static org.agenthypervisor.core.governance.ClassInfo scanClass(Class<?> type) {
        String resource = type.getName().replace('.', '/') + ".class";
        ClassLoader loader = type.getClassLoader();
        try (java.io.InputStream in = loader == null ? ClassLoader.getSystemResourceAsStream(resource)
                : loader.getResourceAsStream(resource)) {
            return in == null ? null : ClassScanner.scan(in.readAllBytes());
        } catch (IOException | RuntimeException unreadable) {
            LOG.warn("cannot read the class file of " + type.getName() + ": " + unreadable);
            return null;
        }
    }

    private static IllegalStateException fatal(String message) {
        System.err.println("[agent-hypervisor] FATAL: " + message);
        System.err.println("[agent-hypervisor] the JVM stops before main (fail closed)");
        System.err.flush();
        return new IllegalStateException("fatal");
    }

    /**
     * Where the advice templates, the canary and the bridge are read from: this module's own loader,
     * which finds the internals under the jar's {@code inst/} and delegates the rest (api, bridge)
     * to the loader that has them.
     */
    private static ClassFileLocator adviceLocator(String jarPath) {
        ClassLoader own = Installer.class.getClassLoader();
        return own == null ? ClassFileLocator.ForClassLoader.ofBootLoader() : ClassFileLocator.ForClassLoader.of(own);
    }

    /**
     * Loaded classes that the policy could govern or that were instrumented under the previous
     * policy and no longer fit it: their bytes are run through the transformer again.
     */
    private static List<Class<?>> loadedCandidates(Instrumentation instrumentation, CandidateFilter filter, Policy policy,
                                                   Set<String> changed) {
        Set<String> ruleAnnotations = new java.util.HashSet<>(CandidateFilter.ruleAnnotationNames(policy));
        List<Class<?>> out = new ArrayList<>();
        // The agent's own classes (a few hundred at start-up) by their module, before their names are looked at.
        // Named only in the agent's own layer (run from a class path, as in unit tests, it is the application's).
        Module internals = Installer.class.getModule().isNamed() ? Installer.class.getModule() : null;
        for (Class<?> type : instrumentation.getAllLoadedClasses()) {
            if (type.getClassLoader() == null || type.getModule() == internals || type.isArray() || type.isPrimitive()
                    || type.isHidden() || CandidateFilter.isIgnoredBinaryName(type.getName())
                    || !instrumentation.isModifiableClass(type)) {
                continue;
            }
            if (changed.contains(type.getName()) || filter.isCandidate(type, ruleAnnotations)
                    || carriesAnnotations(type, ruleAnnotations)) {
                out.add(type);
            }
        }
        return out;
    }

    private static boolean carriesAnnotations(Class<?> type, Set<String> ruleAnnotations) {
        try {
            if (hasGoverningAnnotation(type.getDeclaredAnnotations(), ruleAnnotations)) {
                return true;
            }
            for (Method method : type.getDeclaredMethods()) {
                if (hasGoverningAnnotation(method.getDeclaredAnnotations(), ruleAnnotations)) {
                    return true;
                }
            }
            for (java.lang.reflect.Constructor<?> constructor : type.getDeclaredConstructors()) {
                if (hasGoverningAnnotation(constructor.getDeclaredAnnotations(), ruleAnnotations)) {
                    return true;
                }
            }
        } catch (Throwable unreadable) {
            // A class whose members cannot be resolved: the transformer sees its bytes if it loads again.
        }
        return false;
    }

    private static boolean hasGoverningAnnotation(Annotation[] annotations, Set<String> ruleAnnotations) {
        for (Annotation a : annotations) {
            String name = a.annotationType().getName();
            if (name.startsWith("org.agenthypervisor.api.") || ruleAnnotations.contains(name)) {
                return true;
            }
        }
        return false;
    }

    private static void retransform(Instrumentation instrumentation, GovernedClassTransformer transformer, List<Class<?>> classes) {
        for (Class<?> type : classes) {
            try {
                instrumentation.retransformClasses(type);
            } catch (Throwable failure) {
                LOG.error("could not retransform " + type.getName() + ": " + failure, failure);
            }
        }
        if (!classes.isEmpty() && LOG.isDebugEnabled()) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("classes", classes.size());
            LOG.debug("retransformed " + classes.size() + " loaded class(es)");
        }
    }
}
