package org.agenthypervisor.agent.install;

import org.agenthypervisor.agent.cache.WovenClassCache;
import org.agenthypervisor.core.gate.GateRuntime;
import org.agenthypervisor.core.governance.ClassInfo;
import org.agenthypervisor.core.governance.ClassPlan;
import org.agenthypervisor.core.governance.GovernancePlanner;
import org.agenthypervisor.core.governance.MethodPlan;
import org.agenthypervisor.core.log.Log;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The class transformer for application classes. For each class: ignore the JDK and the agent
 * itself; ask the {@link CandidateFilter} (microseconds, no parsing) whether it could be governed;
 * if so scan it, plan it, register its sites with the gate and weave the advice. A class nothing
 * governs is returned as {@code null}: its bytes are not changed.
 *
 * <p>No transformation error is silent: each is logged with the class name and counted, and the
 * self-check reads the count.
 */
final class GovernedClassTransformer implements ClassFileTransformer {
    private static final Log LOG = Log.get("instrumentation");
    private static final ThreadLocal<Boolean> BUSY = new ThreadLocal<>();
    /**
     * Test hook: the binary name of a class whose weave fails on purpose, so the integration tests
     * can see what a failed weave does. Only a JVM option sets it ({@code -D}, read once when the
     * agent starts, before the application runs, so the application cannot set it later); no policy
     * key reaches it. Under the default {@code onInternalError: deny} it can only make a class refuse
     * its governed methods.
     */
    static final String FAIL_WEAVING_PROPERTY = "agenthypervisor.test.failWeaving";
    private static final String FAIL_WEAVING = System.getProperty(FAIL_WEAVING_PROPERTY);

    private final GateRuntime gate;
    private final Weaver weaver;
    private final Instrumentation instrumentation;
    private final Module gateModule;
    private final Consumer<String> problemReporter;
    private volatile CandidateFilter filter;
    /** Classes woven so far, by binary name (for the self-check and diagnostics). */
    private final Set<String> woven = ConcurrentHashMap.newKeySet();
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private final AtomicLong errors = new AtomicLong();
    /** Classes ({@code name@loader}) whose method references were given bodies when they were defined. */
    private final Set<String> boundReferences = ConcurrentHashMap.newKeySet();

    private final WovenClassCache cache;
    /** Whether the gate has already bound a class to an agent (a class, not a lambda: it is linked at every start). */
    private final java.util.function.Predicate<String> knownAgentClass = new KnownAgentClass();

    private final class KnownAgentClass implements java.util.function.Predicate<String> {
        @Override
        public boolean test(String name) {
            return gate.enclosingOwners().apply(name) != null;
        }
    }

    GovernedClassTransformer(GateRuntime gate, Weaver weaver, CandidateFilter filter, Instrumentation instrumentation,
                             Consumer<String> problemReporter, WovenClassCache cache) {
        this.cache = cache;
        this.gate = gate;
        this.weaver = weaver;
        this.filter = filter;
        this.instrumentation = instrumentation;
        this.gateModule = org.agenthypervisor.bridge.Gate.class.getModule();
        this.problemReporter = problemReporter;
    }

    void setFilter(CandidateFilter filter) {
        this.filter = filter;
    }

    CandidateFilter filter() {
        return filter;
    }

    long errors() {
        return errors.get();
    }

    boolean wasWoven(String binaryName) {
        return woven.contains(binaryName);
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String internalName, Class<?> redefined,
                            ProtectionDomain domain, byte[] bytes) {
        // Lines logged in here are written after the transform: logging must not start the
        // application's logging framework inside a transformer (see Log).
        boolean outermost = org.agenthypervisor.core.log.Log.enterTransform();
        try {
            return transformClass(module, loader, internalName, redefined, domain, bytes);
        } finally {
            org.agenthypervisor.core.log.Log.exitTransform(outermost);
        }
    }

    private byte[] transformClass(Module module, ClassLoader loader, String internalName, Class<?> redefined,
                                  ProtectionDomain domain, byte[] bytes) {
        if (internalName == null && loader != null && bytes != null) {
            // ClassLoader.defineClass(null, ...) passes no name: the class still has one, in its bytes.
            // Without it, a class defined that way would never be governed.
            try {
                internalName = new net.bytebuddy.jar.asm.ClassReader(bytes).getClassName();
            } catch (RuntimeException unreadable) {
                return null; // not a class file the JVM will accept either
            }
        }
        if (internalName == null || loader == null || CandidateFilter.isIgnored(internalName) || BUSY.get() != null) {
            return null;
        }
        BUSY.set(Boolean.TRUE);
        byte[] current = bytes; // what a deny-all stub is made of if weaving fails
        ClassPlan planned = null;
        try {
            int loaderId = System.identityHashCode(loader);
            if (!filter.isCandidate(internalName, bytes, knownAgentClass)) {
                if (redefined != null) {
                    gate.unregister(internalName.replace('/', '.'), loaderId);
                }
                return null;
            }
            String definer = redefined == null ? runtimeDefiner(domain) : null;
            ClassInfo info = withCodeSource(withDefiner(ClassScanner.scan(bytes), definer), domain);
            ClassPlan plan = gate.plan(info);
            planned = plan;
            String key = info.name() + "@" + loaderId;
            // Method references get bodies of their own when an agent's class is defined; a
            // retransformation must add the same ones again (it cannot add methods of its own).
            if (redefined == null ? plan.owner() != null : boundReferences.contains(key)) {
                byte[] bound = MethodReferenceBinder.bind(bytes);
                if (bound != bytes) {
                    boundReferences.add(key);
                    bytes = bound;
                    current = bound;
                    info = withCodeSource(withDefiner(ClassScanner.scan(bytes), definer), domain);
                    plan = gate.plan(info);
                    planned = plan;
                }
            }
            report(plan, loader, domain);
            if (!plan.isGoverned()) {
                if (redefined != null) {
                    gate.unregister(info.name(), loaderId);
                }
                return boundReferences.contains(key) ? bytes : null;
            }
            int[] ids = gate.register(info, plan, loaderId);
            Map<String, MethodPlan.Kind> kinds = new HashMap<>();
            Map<String, Integer> sites = new HashMap<>();
            Map<String, Long> keys = new HashMap<>();
            Map<String, Integer> rings = new HashMap<>();
            Map<String, Integer> constructors = new HashMap<>();
            for (int i = 0; i < ids.length; i++) {
                MethodPlan m = plan.methods().get(i);
                keys.put(m.name() + m.descriptor(), gate.key(ids[i]));
                if (m.kind() == MethodPlan.Kind.CONSTRUCTOR_SWITCH) {
                    constructors.put(m.name() + m.descriptor(), ids[i]);
                    continue;
                }
                kinds.put(m.name() + m.descriptor(), m.kind());
                sites.put(m.name() + m.descriptor(), ids[i]);
                // Annotations are in the bytes and cannot change; policy rules can, on a reload.
                if (m.requiredRing() != null && m.requirementSource() != null && m.requirementSource().startsWith("@Ring")) {
                    rings.put(m.name() + m.descriptor(), m.requiredRing());
                }
            }
            if (info.name().equals(FAIL_WEAVING)) {
                throw new IllegalStateException("weaving failed on purpose (test hook -D" + FAIL_WEAVING_PROPERTY + ")");
            }
            byte[] out = weave(info.name(), bytes, loader, kinds, sites, keys, rings, constructors);
            readGateFrom(module);
            woven.add(info.name());
            if (LOG.isDebugEnabled()) {
                LOG.debug("instrumented " + info.name() + ": " + plan.methods().size() + " governed method(s)"
                        + (plan.owner() != null ? ", runs as agent '" + plan.owner() + "'" : ""));
            }
            return out;
        } catch (Throwable failure) {
            errors.incrementAndGet();
            return failed(internalName.replace('/', '.'), loader, current, planned, failure);
        } finally {
            BUSY.remove();
        }
    }

    /**
     * Weaving a class failed. Under {@code onInternalError: deny} (the default) its governed methods
     * must not run unchecked: they are replaced by methods that throw (every method when the failure
     * came before the plan). Under {@code allow} the class stays as it was, unchecked, and the ERROR
     * says so. Either way: one ERROR naming the class and the consequence, an
     * {@code instrumentation.problem} record, a count the self-check reads.
     */
    private byte[] failed(String className, ClassLoader loader, byte[] original, ClassPlan plan, Throwable failure) {
        boolean allow = gate.policy().onInternalError() == org.agenthypervisor.core.policy.Policy.OnInternalError.ALLOW;
        byte[] out = null;
        String consequence;
        if (allow) {
            consequence = "its governed methods run UNCHECKED (onInternalError: allow)";
        } else {
            java.util.Set<String> methods = null;
            if (plan != null) {
                methods = new java.util.HashSet<>();
                for (MethodPlan m : plan.methods()) {
                    methods.add(m.name() + m.descriptor());
                }
            }
            String reason = "agent-hypervisor: " + className + " could not be instrumented (" + failure + "), so "
                    + (methods == null ? "its methods are" : "its governed methods are")
                    + " refused (fail closed; the policy can say onInternalError: allow)";
            try {
                out = DenyingStubs.stub(original, methods, reason);
                consequence = (methods == null ? "EVERY method" : "every governed method (" + methods.size() + ")")
                        + " now throws SecurityException (onInternalError: deny)";
            } catch (Throwable stubFailed) {
                // Bytes no class file parser accepts: the class fails to load rather than run unchecked.
                out = new byte[] {0};
                consequence = "the class is made to fail to load (its deny-all stub failed too: " + stubFailed
                        + ") (onInternalError: deny)";
            }
        }
        LOG.error("could not instrument " + className + " (loader " + loader + "): " + consequence + ": " + failure, failure);
        problemReporter.accept("could not instrument " + className + ": " + consequence + ": " + failure);
        return out;
    }

    /**
     * The woven class: from the cache when this build wove the same bytes under the same plan before
     * (its site ids and keys patched in), else woven now with placeholders in their place, cached,
     * and patched. Placeholders are constants the class does not hold already, so patching touches
     * only what the weave added.
     */
    private byte[] weave(String className, byte[] bytes, ClassLoader loader, Map<String, MethodPlan.Kind> kinds,
                         Map<String, Integer> sites, Map<String, Long> keys, Map<String, Integer> rings,
                         Map<String, Integer> constructors) throws java.io.IOException {
        try {
            return weaveCached(className, bytes, loader, kinds, sites, keys, rings, constructors);
        } catch (RuntimeException | java.io.IOException cacheFailed) {
            // The cache must never be why a class runs unchecked: weave it as if there were none.
            LOG.warn("the woven-class cache failed on " + className + " (" + cacheFailed + "); weaving it afresh");
            return plainWeave(className, bytes, loader, kinds, sites, keys, rings, constructors);
        }
    }

    /** The advice and the constructor switches, with this start's site ids and keys, no cache. */
    private byte[] plainWeave(String className, byte[] bytes, ClassLoader loader, Map<String, MethodPlan.Kind> kinds,
                              Map<String, Integer> sites, Map<String, Long> keys, Map<String, Integer> rings,
                              Map<String, Integer> constructors) {
        return ConstructorWeaver.weave(weaver.weave(className, bytes, loader, kinds, sites, keys, rings), constructors, keys);
    }

    private byte[] weaveCached(String className, byte[] bytes, ClassLoader loader, Map<String, MethodPlan.Kind> kinds,
                               Map<String, Integer> sites, Map<String, Long> keys, Map<String, Integer> rings,
                               Map<String, Integer> constructors) throws java.io.IOException {
        if (!cache.enabled() || !java.util.Collections.disjoint(kinds.keySet(), constructors.keySet())) {
            return plainWeave(className, bytes, loader, kinds, sites, keys, rings, constructors);
        }
        java.util.List<String> methods = new java.util.ArrayList<>(new java.util.TreeSet<>(kinds.keySet()));
        for (String constructor : new java.util.TreeSet<>(constructors.keySet())) {
            if (!kinds.containsKey(constructor)) {
                methods.add(constructor);
            }
        }
        String decisive = "kinds=" + new java.util.TreeMap<>(kinds) + ";rings=" + new java.util.TreeMap<>(rings)
                + ";switching=" + new java.util.TreeSet<>(constructors.keySet());
        // A lambda's class is numbered by a JVM-wide counter: cached under a fixed name, it gets its own back.
        String internal = className.replace('.', '/');
        String lambdaPrefix = lambdaPrefix(internal);
        String fixed = lambdaPrefix != null ? lambdaPrefix + LAMBDA_NAME : null;
        String name = cache.name("governed", fixed == null ? className : fixed,
                fixed == null ? bytes : org.agenthypervisor.agent.cache.ConstantPool.renameInUtf8(bytes, internal, fixed), decisive);
        byte[] payload = cache.get(name);
        if (payload != null) {
            byte[] out = fromCache(payload, methods, kinds, sites, constructors, keys);
            if (out != null && fixed != null) {
                out = org.agenthypervisor.agent.cache.ConstantPool.renameInUtf8(out, fixed, internal);
            }
            if (out != null) {
                return out;
            }
        }
        org.agenthypervisor.agent.cache.ConstantPool.Constants present = org.agenthypervisor.agent.cache.ConstantPool.read(bytes);
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        int siteBase;
        long keyBase;
        do {
            siteBase = random.nextInt(0x40000000, 0x7F000000);
            keyBase = random.nextLong(Long.MIN_VALUE / 2, -0x100000000L);
        } while (clashes(present, siteBase, keyBase, methods.size()));
        Map<String, Integer> sitePlaceholders = new HashMap<>();
        Map<String, Integer> constructorPlaceholders = new HashMap<>();
        Map<String, Long> keyPlaceholders = new HashMap<>();
        for (int i = 0; i < methods.size(); i++) {
            String method = methods.get(i);
            (kinds.containsKey(method) ? sitePlaceholders : constructorPlaceholders).put(method, siteBase + i);
            keyPlaceholders.put(method, keyBase + i);
        }
        byte[] woven = ConstructorWeaver.weave(weaver.weave(className, bytes, loader, kinds, sitePlaceholders,
                keyPlaceholders, rings), constructorPlaceholders, keyPlaceholders);
        java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream(woven.length + 64);
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(buffer)) {
            out.writeInt(siteBase);
            out.writeLong(keyBase);
            out.writeInt(methods.size());
            for (String method : methods) {
                out.writeUTF(method);
            }
            out.write(fixed == null ? woven : org.agenthypervisor.agent.cache.ConstantPool.renameInUtf8(woven, internal, fixed));
        }
        byte[] patched = patch(woven, siteBase, keyBase, methods, kinds, sites, constructors, keys);
        if (patched == null) {
            return plainWeave(className, bytes, loader, kinds, sites, keys, rings, constructors);
        }
        cache.put(name, buffer.toByteArray());
        return patched;
    }

    private static final String LAMBDA_MARKER = "$$Lambda$";

    /**
     * For a lambda's class, {@code Host$$Lambda$123}, its name up to the number ({@code Host$$Lambda$});
     * null for any other name. What {@code (.+\\$\\$Lambda\\$)\\d+} matches, group 1, written by hand:
     * every governed class load asked it, and compiling the pattern was part of every start (issue 11).
     */
    static String lambdaPrefix(String internalName) {
        // The digits contain no '$', so only the last marker can be followed by nothing but digits.
        int marker = internalName.lastIndexOf(LAMBDA_MARKER);
        int digits = marker + LAMBDA_MARKER.length();
        if (marker < 1 || digits == internalName.length()) {
            return null;
        }
        for (int i = digits; i < internalName.length(); i++) {
            char c = internalName.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
        }
        for (int i = 0; i < marker; i++) {
            char c = internalName.charAt(i);
            // '.' in a pattern matches anything but a line terminator.
            if (c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029') {
                return null;
            }
        }
        return internalName.substring(0, digits);
    }

    /** What stands for a lambda class's number in the cache: no JVM-made name contains it. */
    private static final String LAMBDA_NAME = "AgentHypervisorCached";

    private static boolean clashes(org.agenthypervisor.agent.cache.ConstantPool.Constants present, int siteBase, long keyBase, int count) {
        for (int i = 0; i < count; i++) {
            if (present.ints().contains(siteBase + i) || present.longs().contains(keyBase + i)) {
                return true;
            }
        }
        return false;
    }

    private static byte[] fromCache(byte[] payload, java.util.List<String> methods, Map<String, MethodPlan.Kind> kinds,
                                    Map<String, Integer> sites, Map<String, Integer> constructors, Map<String, Long> keys) {
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(payload))) {
            int siteBase = in.readInt();
            long keyBase = in.readLong();
            int count = in.readInt();
            if (count != methods.size()) {
                return null;
            }
            for (String method : methods) {
                if (!method.equals(in.readUTF())) {
                    return null;
                }
            }
            return patch(in.readAllBytes(), siteBase, keyBase, methods, kinds, sites, constructors, keys);
        } catch (java.io.IOException | RuntimeException unreadable) {
            return null;
        }
    }

    private static byte[] patch(byte[] woven, int siteBase, long keyBase, java.util.List<String> methods,
                                Map<String, MethodPlan.Kind> kinds, Map<String, Integer> sites,
                                Map<String, Integer> constructors, Map<String, Long> keys) {
        Map<Integer, Integer> ints = new HashMap<>();
        Map<Long, Long> longs = new HashMap<>();
        for (int i = 0; i < methods.size(); i++) {
            String method = methods.get(i);
            Integer site = kinds.containsKey(method) ? sites.get(method) : constructors.get(method);
            Long key = keys.get(method);
            if (site == null || key == null) {
                return null;
            }
            ints.put(siteBase + i, site);
            longs.put(keyBase + i, key);
        }
        return org.agenthypervisor.agent.cache.ConstantPool.patch(woven, ints, longs);
    }

    /**
     * The agent defining a class at run time (no code source location: a custom class loader's
     * {@code defineClass}, a hidden class, generated code), or null when the host defines it or the
     * class comes from a jar or directory. Such a class never runs as a more privileged agent than
     * the one that made it (see {@link GovernancePlanner#DEFINED_BY}).
     */
    private static String runtimeDefiner(ProtectionDomain domain) {
        java.security.CodeSource source = domain == null ? null : domain.getCodeSource();
        if (source != null && source.getLocation() != null) {
            return null;
        }
        org.agenthypervisor.core.context.ContextCell cell = org.agenthypervisor.core.context.ContextCell.peek();
        org.agenthypervisor.core.context.Context context = cell == null ? null : cell.get();
        return context == null || context.isHost() ? null : context.principal().id();
    }

    private static ClassInfo withDefiner(ClassInfo info, String definer) {
        if (definer == null) {
            return info;
        }
        java.util.List<org.agenthypervisor.core.governance.AnnotationInfo> annotations = new java.util.ArrayList<>(info.annotations());
        annotations.add(new org.agenthypervisor.core.governance.AnnotationInfo(GovernancePlanner.DEFINED_BY,
                Map.of("value", definer)));
        return new ClassInfo(info.name(), info.superName(), info.access(), annotations, info.methods());
    }

    /** Notes the jar or directory the class came from, for {@code agents.<id>.codeSource}. */
    static ClassInfo withCodeSource(ClassInfo info, ProtectionDomain domain) {
        java.security.CodeSource source = domain == null ? null : domain.getCodeSource();
        if (source == null || source.getLocation() == null || !"file".equals(source.getLocation().getProtocol())) {
            return info;
        }
        String location;
        try {
            location = java.nio.file.Path.of(source.getLocation().toURI()).toString();
        } catch (Exception notAFile) {
            return info;
        }
        java.util.List<org.agenthypervisor.core.governance.AnnotationInfo> annotations = new java.util.ArrayList<>(info.annotations());
        annotations.add(new org.agenthypervisor.core.governance.AnnotationInfo(GovernancePlanner.CODE_SOURCE,
                Map.of("value", location)));
        return new ClassInfo(info.name(), info.superName(), info.access(), annotations, info.methods());
    }

    /** Classes in named modules must read the gate's module to link the advice. */
    private void readGateFrom(Module module) {
        if (module != null && module.isNamed() && !module.canRead(gateModule)) {
            instrumentation.redefineModule(module, Set.of(gateModule), Map.of(), Map.of(), Set.of(), Map.of());
        }
    }

    private void report(ClassPlan plan, ClassLoader loader, ProtectionDomain domain) {
        if (plan.problems().isEmpty() && plan.warnings().isEmpty()) {
            return;
        }
        if (!reported.add(plan.className() + "@" + System.identityHashCode(loader))) {
            return;
        }
        java.security.CodeSource source = domain == null ? null : domain.getCodeSource();
        String where = " (loader " + loader + ", code source "
                + (source == null || source.getLocation() == null ? "none: defined at run time" : source.getLocation()) + ")";
        for (String problem : plan.problems()) {
            LOG.error(problem + where);
            problemReporter.accept(problem + where);
        }
        for (String warning : plan.warnings()) {
            LOG.warn(warning);
        }
    }
}
