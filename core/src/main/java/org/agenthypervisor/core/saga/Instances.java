package org.agenthypervisor.core.saga;

import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Where recovery gets instances to compensate on: a factory registered with
 * {@code Hypervisor.registerFactory} for the step's instance class, else the class's no-argument
 * constructor (of any visibility). The first factory registered for a class wins (as for the
 * facade's backend, code running later cannot replace it), and what it returns must be of exactly
 * that class: a subclass could override the compensation and run other code with the step's
 * privileges.
 */
final class Instances {
    private record Factory(Class<?> type, Supplier<?> supplier) {
    }

    private final Map<String, Factory> factories = new ConcurrentHashMap<>();

    /** @return false if a factory for the class was registered before (this one is ignored) */
    boolean register(Class<?> type, Supplier<?> supplier) {
        return factories.putIfAbsent(type.getName(), new Factory(type, supplier)) == null;
    }

    boolean hasFactory(String className) {
        return factories.containsKey(className);
    }

    /** Whether an instance of {@code type} can be had: a factory, or a no-argument constructor. */
    boolean canProvide(Class<?> type) {
        return factoryFor(type) != null || noArgConstructor(type) != null;
    }

    /** How an instance of {@code type} will be got, for messages. */
    String source(Class<?> type) {
        return factoryFor(type) != null ? "the factory registered for " + type.getName()
                : "the no-argument constructor of " + type.getName();
    }

    Object provide(Class<?> type) throws Exception {
        Factory factory = factoryFor(type);
        if (factory != null) {
            Object instance = factory.supplier().get();
            if (instance == null || instance.getClass() != type) {
                throw new IllegalStateException("the factory registered for " + type.getName() + " returned "
                        + (instance == null ? "null" : "a " + instance.getClass().getName())
                        + "; it must return an instance of exactly " + type.getName());
            }
            return instance;
        }
        Constructor<?> constructor = noArgConstructor(type);
        if (constructor == null) {
            throw new IllegalStateException("no instance of " + type.getName() + ": it has no no-argument constructor and"
                    + " no factory was registered (Hypervisor.registerFactory(" + type.getSimpleName() + ".class, ...))");
        }
        return constructor.newInstance();
    }

    private Factory factoryFor(Class<?> type) {
        Factory f = factories.get(type.getName());
        return f != null && f.type() == type ? f : null;
    }

    static Constructor<?> noArgConstructor(Class<?> type) {
        if (type.isInterface() || java.lang.reflect.Modifier.isAbstract(type.getModifiers())
                || (type.getEnclosingClass() != null && !java.lang.reflect.Modifier.isStatic(type.getModifiers()))) {
            return null;
        }
        try {
            Constructor<?> c = type.getDeclaredConstructor();
            c.setAccessible(true);
            return c;
        } catch (NoSuchMethodException | RuntimeException none) {
            return null;
        }
    }

    /** Class loaders to look for journaled classes in: those of registered factories first, then the usual ones. */
    List<ClassLoader> loaders(ClassLoader extra) {
        Set<ClassLoader> out = new LinkedHashSet<>();
        if (extra != null) {
            out.add(extra);
        }
        for (Factory f : factories.values()) {
            if (f.type().getClassLoader() != null) {
                out.add(f.type().getClassLoader());
            }
        }
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null) {
            out.add(context);
        }
        out.add(ClassLoader.getSystemClassLoader());
        return new ArrayList<>(out);
    }
}
