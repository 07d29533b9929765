package org.agenthypervisor.agent.integration;

import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.pool.TypePool;
import org.agenthypervisor.agent.cache.WovenClassCache;
import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.policy.Policy;

import java.io.InputStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Weaves every enabled {@link Integration}'s targets, in the JDK (bootstrap classes, retransformed
 * at install) and in application class loaders (as they load, and retransformed when they loaded
 * before the agent, on attach). The first time an integration weaves a class in a class loader, it
 * reports itself with its framework's version and the features found so far; a version it was not
 * tested with is reported, never refused, and a target it cannot weave is logged with what it costs.
 */
public final class IntegrationTransformer implements ClassFileTransformer {
    private static final Log LOG = Log.get("integrations");

    private record Bound(Integration integration, Target target) {
    }

    private final List<Integration> enabled = new ArrayList<>();
    private final List<Integration> disabled = new ArrayList<>();
    private final Map<String, List<Bound>> exact = new LinkedHashMap<>();
    /** The keys of {@link #exact} as binary names. */
    private final Set<String> exactBinaryNames = new java.util.HashSet<>();
    private final List<Bound> prefixed = new ArrayList<>();
    /** The prefixes of {@link #prefixed} as internal names: every class load tests them. */
    private String[] prefixInternal = new String[0];
    private final ClassFileLocator adviceLocator;
    private final WovenClassCache cache;
    /** Byte Buddy and the advice, built at the first weave the cache cannot answer. */
    private volatile Map<String, Advice> advice;
    private volatile ByteBuddy byteBuddy;
    /** During the first retransformation pass at install: answer from the cache only, note what it lacks. */
    private volatile List<Class<?>> cacheOnlyMisses;
    /**
     * The entry names the cache-only pass asked for. The JVM hands a class shared from the CDS
     * archive to the second pass with other (reconstituted) bytes than to the first, and the next
     * start asks with the first pass's bytes: the weave is stored under both names.
     */
    private final Map<Class<?>, String> firstPassNames = new ConcurrentHashMap<>();
    private final Set<String> instrumented = ConcurrentHashMap.newKeySet();
    private final Map<String, Set<String>> features = new ConcurrentHashMap<>();
    /*
     * Classes and loops, not lambdas, on the start path: each lambda costs ~0.5 ms to link the first
     * time it runs (issue 11).
     */
    private static final java.util.function.Function<String, Set<String>> NEW_FEATURE_SET = new NewFeatureSet();

    private static final class NewFeatureSet implements java.util.function.Function<String, Set<String>> {
        @Override
        public Set<String> apply(String integration) {
            return new LinkedHashSet<>();
        }
    }
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    public IntegrationTransformer(List<Integration> integrations, Policy policy, ClassFileLocator adviceLocator,
                                  WovenClassCache cache) {
        this.adviceLocator = adviceLocator;
        this.cache = cache;
        List<String> prefixes = new ArrayList<>();
        for (Integration integration : integrations) {
            if (!integration.enabled(policy)) {
                disabled.add(integration);
                continue;
            }
            enabled.add(integration);
            for (Target target : integration.targets()) {
                Bound bound = new Bound(integration, target);
                if (target.classPrefix()) {
                    prefixed.add(bound);
                    prefixes.add(target.className().replace('.', '/'));
                } else {
                    String internalName = target.className().replace('.', '/');
                    List<Bound> bounds = exact.get(internalName);
                    if (bounds == null) {
                        bounds = new ArrayList<>();
                        exact.put(internalName, bounds);
                    }
                    bounds.add(bound);
                    exactBinaryNames.add(target.className());
                }
            }
        }
        prefixInternal = prefixes.toArray(new String[0]);
    }

    /**
     * Describes every enabled target's advice with Byte Buddy, once. Describing an advice class loads
     * the types in its signature, and a class loaded while a transformer runs is never shown to the
     * transformers: so at install this runs before any weave, outside the transformer, whenever the
     * cache lacks a class; later (a framework class the cache has not seen) inside a transform, where
     * those types (JDK and bridge types) are loaded already or are no target of any weave.
     */
    private Map<String, Advice> advice() {
        Map<String, Advice> built = advice;
        if (built == null) {
            synchronized (this) {
                built = advice;
                if (built == null) {
                    Map<String, Advice> all = new LinkedHashMap<>();
                    for (Integration integration : enabled) {
                        for (Target target : integration.targets()) {
                            if (!all.containsKey(target.advice())) {
                                all.put(target.advice(), Advice.to(TypeDescription.ForLoadedType.of(target.adviceClass()), adviceLocator));
                            }
                        }
                    }
                    byteBuddy = new ByteBuddy().with(TypeValidation.DISABLED).with(Implementation.Context.Disabled.Factory.INSTANCE);
                    advice = built = all;
                }
            }
        }
        return built;
    }

    /**
     * Loads the JDK classes the integrations retransform rather than weave as they load, before the
     * class preloader starts. A transformer is handed the class file of a class that loads after it
     * is registered, and bytes reconstituted from the loaded class for one retransformed: left to
     * whichever thread first touched it (the preloader verifying a class that uses a thread pool), the
     * woven-class cache saw both and a warm start could weave one afresh.
     */
    public static void loadJdkTargets(List<Integration> integrations) {
        for (Integration integration : integrations) {
            if (integration.weavesUnloadedJdkClassesOnLoad()) {
                continue;
            }
            for (Target target : integration.targets()) {
                if (target.classPrefix() || !isJdkTarget(target.className().replace('.', '/'))) {
                    continue;
                }
                try {
                    Class.forName(target.className(), false, null);
                } catch (ClassNotFoundException | LinkageError absent) {
                    // Not in this JDK (a newer class): install() says so at debug level.
                }
            }
        }
    }

    /** The integrations the policy turns on, in order. */
    public List<Integration> enabled() {
        return List.copyOf(enabled);
    }

    /** The integrations the policy turns off. */
    public List<Integration> disabled() {
        return List.copyOf(disabled);
    }

    /** Binary names of the classes woven so far (for the self-check and diagnostics). */
    public Set<String> instrumented() {
        return instrumented;
    }

    /**
     * Registers the transformer and retransforms the targets the JVM has already loaded: the JDK's
     * (loaded first where an integration needs them loaded, see
     * {@link Integration#weavesUnloadedJdkClassesOnLoad()}) and, on attach, the frameworks'.
     */
    public void install(Instrumentation instrumentation) {
        // The woven JDK classes (java.base, java.management) link the advice's calls into the bridge, in the
        // bootstrap loader's unnamed module. No Instrumentation.redefineModule for that: the JVM makes a named
        // module read the unnamed modules of the bootstrap and application loaders when an agent's transformer
        // changes one of its classes (jdk.internal.module.Modules.transformedByAgent), before the new bytes are
        // linked. (redefineModule spun two lambda classes at every start; the self-check's pool task runs woven
        // java.base code through the bridge before main.)
        for (Map.Entry<String, List<Bound>> target : exact.entrySet()) {
            String internalName = target.getKey();
            if (!isJdkTarget(internalName) || wovenOnLoad(target.getValue())) {
                continue;
            }
            try {
                Class.forName(internalName.replace('/', '.'), false, null); // retransformed with the loaded ones below
            } catch (ClassNotFoundException absent) {
                LOG.debug("no " + internalName + " in this JDK");
            }
        }
        // Registered before the loaded classes are listed: a target that loads meanwhile (on another thread) is
        // woven as it loads, and retransforming it once more below is harmless; listed first, it could slip between.
        instrumentation.addTransformer(this, true);
        List<Class<?>> loaded = new ArrayList<>();
        // Named only in the agent's own layer (run from a class path, as in unit tests, it is the application's).
        Module internals = IntegrationTransformer.class.getModule().isNamed() ? IntegrationTransformer.class.getModule() : null;
        for (Class<?> type : instrumentation.getAllLoadedClasses()) {
            if (type.getModule() == internals) {
                continue; // the agent's own few hundred classes: never a target, and their names need not be made
            }
            // By binary name: converting every loaded class's name (a few thousand) made String.replace
            // hot enough for C2 to compile it at every start.
            String binaryName = type.getName();
            if (!type.isArray() && isTargetBinaryName(binaryName)) {
                String internalName = binaryName.replace('.', '/');
                if ((type.getClassLoader() != null || isJdkTarget(internalName)) && instrumentation.isModifiableClass(type)) {
                    loaded.add(type);
                }
            }
        }
        if (cache.enabled() && !cache.emptyAtOpen()) {
            // First from the cache alone; Byte Buddy only for what it lacks (a first start skips this pass).
            List<Class<?>> misses = java.util.Collections.synchronizedList(new ArrayList<>());
            cacheOnlyMisses = misses;
            try {
                retransform(instrumentation, loaded);
            } finally {
                cacheOnlyMisses = null;
            }
            loaded = new ArrayList<>(misses);
            if (loaded.isEmpty()) {
                return;
            }
        }
        advice();
        retransform(instrumentation, loaded);
    }

    private static void retransform(Instrumentation instrumentation, List<Class<?>> loaded) {
        if (loaded.isEmpty()) {
            return;
        }
        try {
            instrumentation.retransformClasses(loaded.toArray(new Class<?>[0]));
        } catch (Throwable batchFailed) {
            // One bad class fails the batch: retry one by one so the others are still woven.
            for (Class<?> type : loaded) {
                try {
                    instrumentation.retransformClasses(type);
                } catch (Throwable failure) {
                    LOG.error("could not retransform " + type.getName() + ": " + failure, failure);
                }
            }
        }
    }

    private static boolean wovenOnLoad(List<Bound> bounds) {
        for (Bound bound : bounds) {
            if (!bound.integration().weavesUnloadedJdkClassesOnLoad()) {
                return false;
            }
        }
        return true;
    }

    /** JDK classes an integration may weave: the public packages, and the file system provider behind java.nio.file. */
    private static boolean isJdkTarget(String internalName) {
        return internalName.startsWith("java/") || internalName.startsWith("sun/nio/fs/")
                || internalName.startsWith("sun/nio/ch/");
    }

    private boolean isTargetBinaryName(String binaryName) {
        if (exactBinaryNames.contains(binaryName)) {
            return true;
        }
        for (Bound b : prefixed) {
            if (b.target().matchesClass(binaryName)) {
                return true;
            }
        }
        return false;
    }

    private boolean isTarget(String internalName) {
        if (exact.containsKey(internalName)) {
            return true;
        }
        if (!prefixed.isEmpty()) {
            String binaryName = internalName.replace('/', '.');
            for (Bound b : prefixed) {
                if (b.target().matchesClass(binaryName)) {
                    return true;
                }
            }
        }
        return false;
    }

    private List<Bound> targetsOf(String internalName) {
        List<Bound> found = exact.get(internalName);
        if (prefixed.isEmpty()) {
            return found;
        }
        List<Bound> out = null;
        for (int i = 0; i < prefixed.size(); i++) {
            Bound b = prefixed.get(i);
            if (internalName.startsWith(prefixInternal[i])) {
                if (out == null) {
                    out = new ArrayList<>(found == null ? List.of() : found);
                }
                out.add(b);
            }
        }
        return out != null ? out : found;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String internalName, Class<?> redefined,
                            ProtectionDomain domain, byte[] bytes) {
        // Lines logged in here are written after the transform: logging must not start the
        // application's logging framework inside a transformer (see Log).
        boolean outermost = org.agenthypervisor.core.log.Log.enterTransform();
        try {
            return transformTarget(module, loader, internalName, redefined, domain, bytes);
        } finally {
            org.agenthypervisor.core.log.Log.exitTransform(outermost);
        }
    }

    private byte[] transformTarget(Module module, ClassLoader loader, String internalName, Class<?> redefined,
                                   ProtectionDomain domain, byte[] bytes) {
        if (internalName == null) {
            return null;
        }
        List<Bound> targets = targetsOf(internalName);
        if (targets == null) {
            return null;
        }
        if (loader == null && !isJdkTarget(internalName)) {
            return null;
        }
        String binaryName = internalName.replace('/', '.');
        String entry = null;
        if (cache.enabled()) {
            byte[] cached;
            try {
                entry = cache.name("integration", binaryName, bytes, describe(targets));
                cached = fromCache(cache.getWithTrailer(entry), targets, loader, binaryName);
            } catch (RuntimeException | LinkageError cacheFailed) {
                // A transformer that throws leaves the class as it is, unwoven: the cache failing is a miss instead.
                LOG.warn("the woven-class cache failed on " + binaryName + " (" + cacheFailed + "); weaving it afresh");
                entry = null;
                cached = null;
            }
            if (cached == UNCHANGED) {
                return null;
            }
            if (cached != null) {
                return cached;
            }
            List<Class<?>> misses = cacheOnlyMisses;
            if (misses != null && redefined != null) {
                misses.add(redefined);
                if (entry != null) {
                    firstPassNames.put(redefined, entry);
                }
                return null;
            }
        }
        try {
            Map<String, Advice> advice = advice();
            ClassFileLocator locator = new ClassFileLocator.Compound(ClassFileLocator.Simple.of(binaryName, bytes),
                    loader == null ? ClassFileLocator.ForClassLoader.ofBootLoader() : ClassFileLocator.ForClassLoader.of(loader));
            TypePool pool = new TypePool.Default.WithLazyResolution(new TypePool.CacheProvider.Simple(), locator,
                    TypePool.Default.ReaderMode.FAST);
            TypeDescription type = pool.describe(binaryName).resolve();
            AsmVisitorWrapper.ForDeclaredMethods methods = new AsmVisitorWrapper.ForDeclaredMethods();
            int matched = 0;
            Set<String> matchedFeatures = new LinkedHashSet<>();
            for (Bound bound : targets) {
                Target target = bound.target();
                boolean found = false;
                for (MethodDescription.InDefinedShape m : type.getDeclaredMethods()) {
                    if (!m.isAbstract() && !m.isBridge() && target.matchesMethod(m.getInternalName(), m.getDescriptor())) {
                        found = true;
                        break;
                    }
                }
                if (!found) {
                    if (!target.classPrefix() && loader != null) {
                        LOG.warn(bound.integration().name() + ": " + binaryName + " has no method " + target.method()
                                + target.descriptorPrefix() + "; " + target.feature() + " not governed there (a version"
                                + " this integration does not know?)");
                    }
                    continue;
                }
                matched++;
                methods = methods.invokable(
                        (MethodDescription m) -> target.matchesMethod(m.getInternalName(), m.getDescriptor())
                                && !m.isAbstract() && !m.isBridge(),
                        advice.get(target.advice()));
                features.computeIfAbsent(bound.integration().name(), NEW_FEATURE_SET).add(target.feature());
                matchedFeatures.add(bound.integration().name() + "\t" + target.feature());
            }
            if (matched == 0) {
                store(entry, redefined, toCache(Set.of(), UNCHANGED)); // the next start need not ask Byte Buddy again
                return null;
            }
            byte[] out = byteBuddy.decorate(type, locator).visit(methods).make().getBytes();
            store(entry, redefined, toCache(matchedFeatures, out));
            instrumented.add(binaryName);
            report(targets.get(0).integration(), loader);
            if (LOG.isDebugEnabled()) {
                LOG.debug(targets.get(0).integration().name() + " woven into " + binaryName);
            }
            return out;
        } catch (Throwable failure) {
            LOG.error(targets.get(0).integration().name() + ": could not instrument " + binaryName
                    + "; what it governs there is NOT governed: " + failure, failure);
            return null;
        }
    }

    private void store(String entry, Class<?> redefined, byte[] payload) {
        if (entry == null) {
            return;
        }
        cache.put(entry, payload);
        String first = redefined == null ? null : firstPassNames.remove(redefined);
        if (first != null && !first.equals(entry)) {
            cache.put(first, payload);
        }
    }

    /** A cached answer that the class has nothing to weave. */
    private static final byte[] UNCHANGED = new byte[0];

    /** What decides a weave besides the class's bytes: the targets bound to it and their advice. */
    private static String describe(List<Bound> targets) {
        StringBuilder out = new StringBuilder();
        for (Bound b : targets) {
            Target t = b.target();
            out.append(b.integration().name()).append('|').append(t.className()).append('|').append(t.classPrefix()).append('|')
                    .append(t.method()).append('|').append(t.descriptorPrefix()).append('|').append(t.advice())
                    .append('|').append(t.feature()).append(';');
        }
        return out.toString();
    }

    /** The woven bytes, then the features it covers as the trailer ({@link WovenClassCache#withTrailer}). */
    private static byte[] toCache(Set<String> matchedFeatures, byte[] woven) throws java.io.IOException {
        java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream(64);
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(buffer)) {
            out.writeInt(matchedFeatures.size());
            for (String feature : matchedFeatures) {
                out.writeUTF(feature);
            }
        }
        return WovenClassCache.withTrailer(woven, buffer.toByteArray());
    }

    /** A cached weave, with what it records about the weave done again (features, report); null if none. */
    private byte[] fromCache(byte[][] payload, List<Bound> targets, ClassLoader loader, String binaryName) {
        if (payload == null) {
            return null;
        }
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(payload[1]))) {
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                String[] feature = in.readUTF().split("\t", 2);
                features.computeIfAbsent(feature[0], NEW_FEATURE_SET).add(feature[1]);
            }
            // The body was read into an array of its own: handed back as it is.
            byte[] woven = payload[0];
            if (woven.length == 0) {
                return UNCHANGED;
            }
            instrumented.add(binaryName);
            report(targets.get(0).integration(), loader);
            if (LOG.isDebugEnabled()) {
                LOG.debug(targets.get(0).integration().name() + " woven into " + binaryName + " (from the cache)");
            }
            return woven;
        } catch (java.io.IOException | RuntimeException unreadable) {
            return null;
        }
    }

    /** The first class an integration weaves in a loader: say which version it found. */
    private void report(Integration integration, ClassLoader loader) {
        if (integration.versionResource() == null
                || !reported.add(integration.name() + "@" + System.identityHashCode(loader))) {
            return;
        }
        String version = version(integration, loader);
        String tested = integration.testedVersions().contains(version) ? ""
                : version.startsWith("(") ? " (its version could not be read from the class path)"
                : " (not a version this integration was tested with: " + integration.testedVersions()
                + "; what it cannot find is reported and left ungoverned)";
        Set<String> all = new LinkedHashSet<>();
        integration.targets().forEach(t -> all.add(t.feature()));
        LOG.info("integration active: " + integration.name() + " " + version + ": " + String.join(", ", all) + tested);
    }

    private static String version(Integration integration, ClassLoader loader) {
        if (integration.versionResource().endsWith(".class")) {
            // No Maven metadata in the jar: the manifest of the jar that holds this class.
            try {
                java.net.URL url = loader == null ? null : loader.getResource(integration.versionResource());
                if (url != null && url.openConnection() instanceof java.net.JarURLConnection jar) {
                    jar.setUseCaches(false);
                    java.util.jar.Manifest manifest = jar.getManifest();
                    String v = manifest == null ? null : manifest.getMainAttributes().getValue("Implementation-Version");
                    if (v != null) {
                        return v;
                    }
                }
            } catch (Exception unreadable) {
                // fall through
            }
            return "(unknown version)";
        }
        try (InputStream in = loader == null ? null : loader.getResourceAsStream(integration.versionResource())) {
            if (in == null) {
                return "(unknown version)";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "(unknown version)");
        } catch (Exception unreadable) {
            return "(unknown version)";
        }
    }

    /** What each integration has woven so far ("LangChain4j: tools, AI services"). */
    public Map<String, Set<String>> features() {
        return Map.copyOf(features);
    }
}
