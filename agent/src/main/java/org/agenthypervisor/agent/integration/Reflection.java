package org.agenthypervisor.agent.integration;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads framework objects the integrations only know by name: no-argument accessors and fields,
 * looked up once per class. Framework classes live in unnamed modules, which are open, so private
 * members are reachable; a member that is missing (another version) is an {@link IllegalStateException}.
 */
public final class Reflection {
    private static final ClassValue<Map<String, Method>> ACCESSORS = new ClassValue<>() {
        @Override
        protected Map<String, Method> computeValue(Class<?> type) {
            return new ConcurrentHashMap<>();
        }
    };
    private static final ClassValue<Map<String, Field>> FIELDS = new ClassValue<>() {
        @Override
        protected Map<String, Field> computeValue(Class<?> type) {
            return new ConcurrentHashMap<>();
        }
    };

    private Reflection() {
    }

    /** {@code target.name()}. */
    public static Object call(Object target, String name) {
        Method m = ACCESSORS.get(target.getClass()).computeIfAbsent(name, n -> find(target.getClass(), n));
        try {
            return m.invoke(target);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(target.getClass().getName() + "." + name + "() failed", e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The value of field {@code name} declared by {@code target}'s class or a superclass. */
    public static Object field(Object target, String name) {
        Field f = FIELDS.get(target.getClass()).computeIfAbsent(name, n -> findField(target.getClass(), n));
        try {
            return f.get(target);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Method find(Class<?> type, String name) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                if (m.getName().equals(name) && m.getParameterCount() == 0) {
                    m.setAccessible(true);
                    return m;
                }
            }
        }
        try {
            Method m = type.getMethod(name);
            m.setAccessible(true);
            return m;
        } catch (NoSuchMethodException | RuntimeException e) {
            throw new IllegalStateException("no accessor " + name + "() on " + type.getName(), e);
        }
    }

    private static Field findField(Class<?> type, String name) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f;
            } catch (NoSuchFieldException ignored) {
                // try the superclass
            }
        }
        throw new IllegalStateException("no field " + name + " on " + type.getName());
    }
}
