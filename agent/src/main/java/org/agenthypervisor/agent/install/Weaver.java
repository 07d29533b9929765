package org.agenthypervisor.agent.install;

import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.annotation.AnnotationDescription;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.method.ParameterDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.implementation.bytecode.constant.IntegerConstant;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.pool.TypePool;
import org.agenthypervisor.agent.advice.GovernedAdvice;
import org.agenthypervisor.agent.advice.RequiredRing;
import org.agenthypervisor.agent.advice.RingCheckAdvice;
import org.agenthypervisor.agent.advice.SiteId;
import org.agenthypervisor.agent.advice.SiteKey;
import org.agenthypervisor.core.governance.MethodPlan;

import java.util.Map;

/**
 * Weaves the advice into a class's bytes with Byte Buddy's {@link Advice}, in "decorate" mode: the
 * class keeps its shape (no member is added, no method renamed), which is what retransformation of
 * already-loaded classes requires. Each woven method gets its site id as an int constant.
 */
final class Weaver {
    /** The site ids of the class being woven, by {@code name + descriptor}; set for one weave. */
    private static final ThreadLocal<Map<String, Integer>> SITES = new ThreadLocal<>();
    /** The site keys of the class being woven, by {@code name + descriptor}; set for one weave. */
    private static final ThreadLocal<Map<String, Long>> KEYS = new ThreadLocal<>();
    /** Constant required rings of the class being woven ({@code Gate.LOOK_UP} when a rule sets them). */
    private static final ThreadLocal<Map<String, Integer>> RINGS = new ThreadLocal<>();

    private final ClassFileLocator adviceLocator;
    /** Byte Buddy and the advice, built at the first weave: a start whose classes all come from the cache never loads them. */
    private volatile Tools tools;

    private record Tools(Advice check, Advice governed, ByteBuddy byteBuddy) {
    }

    Weaver(ClassFileLocator adviceLocator) {
        this.adviceLocator = adviceLocator;
    }

    private Tools tools() {
        Tools t = tools;
        if (t == null) {
            synchronized (this) {
                t = tools;
                if (t == null) {
                    Advice.WithCustomMapping mapping = Advice.withCustomMapping()
                            .bind(new ConstantBinding<>(SiteId.class, SITES, null))
                            .bind(new KeyBinding())
                            .bind(new ConstantBinding<>(RequiredRing.class, RINGS, org.agenthypervisor.bridge.Gate.LOOK_UP));
                    t = new Tools(mapping.to(TypeDescription.ForLoadedType.of(RingCheckAdvice.class), adviceLocator),
                            mapping.to(TypeDescription.ForLoadedType.of(GovernedAdvice.class), adviceLocator),
                            new ByteBuddy().with(TypeValidation.DISABLED).with(Implementation.Context.Disabled.Factory.INSTANCE));
                    tools = t;
                }
            }
        }
        return t;
    }

    ClassFileLocator adviceLocator() {
        return adviceLocator;
    }

    /**
     * @param kinds what each governed method gets, by {@code name + descriptor}
     * @param sites each governed method's site id, by {@code name + descriptor}
     * @param keys  each governed method's site key, by {@code name + descriptor}
     * @param rings the required ring of methods whose ring an annotation fixes, by {@code name + descriptor}
     */
    byte[] weave(String binaryName, byte[] bytes, ClassLoader loader, Map<String, MethodPlan.Kind> kinds,
                 Map<String, Integer> sites, Map<String, Long> keys, Map<String, Integer> rings) {
        ClassFileLocator locator = new ClassFileLocator.Compound(
                ClassFileLocator.Simple.of(binaryName, bytes),
                loader == null ? ClassFileLocator.ForClassLoader.ofBootLoader() : ClassFileLocator.ForClassLoader.of(loader));
        TypePool pool = new TypePool.Default.WithLazyResolution(new TypePool.CacheProvider.Simple(), locator,
                TypePool.Default.ReaderMode.FAST);
        TypeDescription type = pool.describe(binaryName).resolve();
        Tools t = tools();
        AsmVisitorWrapper.ForDeclaredMethods methods = new AsmVisitorWrapper.ForDeclaredMethods()
                .invokable(kind(kinds, MethodPlan.Kind.CHECK), t.check())
                .invokable(kind(kinds, MethodPlan.Kind.CONSTRUCTOR_CHECK), t.check())
                .invokable(kind(kinds, MethodPlan.Kind.GOVERNED), t.governed());
        SITES.set(sites);
        KEYS.set(keys);
        RINGS.set(rings);
        try {
            return t.byteBuddy().decorate(type, locator).visit(methods).make().getBytes();
        } finally {
            SITES.remove();
            KEYS.remove();
            RINGS.remove();
        }
    }

    private static ElementMatcher<MethodDescription> kind(Map<String, MethodPlan.Kind> kinds, MethodPlan.Kind kind) {
        return method -> kinds.get(method.getInternalName() + method.getDescriptor()) == kind;
    }

    /** Resolves {@link SiteKey} to the woven method's site key, a long constant. */
    private static final class KeyBinding implements Advice.OffsetMapping.Factory<SiteKey> {
        @Override
        public Class<SiteKey> getAnnotationType() {
            return SiteKey.class;
        }

        @Override
        public Advice.OffsetMapping make(ParameterDescription.InDefinedShape target,
                                         AnnotationDescription.Loadable<SiteKey> loadable, AdviceType adviceType) {
            return (instrumentedType, instrumentedMethod, assigner, argumentHandler, sort) -> {
                Map<String, Long> map = KEYS.get();
                Long value = map == null ? null : map.get(instrumentedMethod.getInternalName() + instrumentedMethod.getDescriptor());
                if (value == null) {
                    throw new IllegalStateException("no site key for " + instrumentedMethod);
                }
                return new Advice.OffsetMapping.Target.ForStackManipulation(
                        net.bytebuddy.implementation.bytecode.constant.LongConstant.forValue(value));
            };
        }
    }

    /**
     * Resolves an advice parameter to an int constant of the woven method, looked up by
     * {@code name + descriptor} in a per-weave map.
     */
    private static final class ConstantBinding<A extends java.lang.annotation.Annotation> implements Advice.OffsetMapping.Factory<A> {
        private final Class<A> annotation;
        private final ThreadLocal<Map<String, Integer>> values;
        private final Integer fallback;

        ConstantBinding(Class<A> annotation, ThreadLocal<Map<String, Integer>> values, Integer fallback) {
            this.annotation = annotation;
            this.values = values;
            this.fallback = fallback;
        }

        @Override
        public Class<A> getAnnotationType() {
            return annotation;
        }

        @Override
        public Advice.OffsetMapping make(ParameterDescription.InDefinedShape target,
                                         AnnotationDescription.Loadable<A> loadable, AdviceType adviceType) {
            return (instrumentedType, instrumentedMethod, assigner, argumentHandler, sort) -> {
                Map<String, Integer> map = values.get();
                Integer value = map == null ? null : map.get(instrumentedMethod.getInternalName() + instrumentedMethod.getDescriptor());
                if (value == null) {
                    value = fallback;
                }
                if (value == null) {
                    throw new IllegalStateException("no @" + annotation.getSimpleName() + " value for " + instrumentedMethod);
                }
                return new Advice.OffsetMapping.Target.ForStackManipulation(IntegerConstant.forValue(value));
            };
        }
    }
}
