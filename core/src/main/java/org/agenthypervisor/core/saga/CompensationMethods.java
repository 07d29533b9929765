package org.agenthypervisor.core.saga;

import org.agenthypervisor.core.governance.Descriptors;

import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;

/**
 * Finds a compensation method by name and JVM descriptor among the methods a class declares (the
 * planner only pairs a step with a method of the same class), made accessible once. The per-class
 * table lives in a {@link ClassValue}, so it never keeps a class loader alive.
 */
final class CompensationMethods {
    private static final ClassValue<Map<String, Object>> TABLES = new ClassValue<>() {
        @Override
        protected Map<String, Object> computeValue(Class<?> type) {
            return new ConcurrentHashMap<>(); // name + descriptor -> the accessible Method, or why there is none
        }
    };

    private CompensationMethods() {
    }

    static String descriptor(Method m) {
        return MethodType.methodType(m.getReturnType(), m.getParameterTypes()).toMethodDescriptorString();
    }

    /** {@code com.acme.Bank#credit(String, long)}. */
    static String display(String className, String name, String descriptor) {
        return descriptor == null ? className + "#" + name : Descriptors.display(className, name, descriptor);
    }

    /**
     * The compensation, accessible.
     *
     * @throws IllegalStateException naming the class and method if it is missing or cannot be made
     *         accessible (a named module that does not open its package)
     */
    static Method find(Class<?> type, String name, String descriptor) {
        Map<String, Object> table = TABLES.get(type);
        String key = name + descriptor;
        Object found = table.get(key);
        if (found instanceof Method) {
            return (Method) found;
        }
        if (found instanceof RuntimeException) {
            throw (RuntimeException) found;
        }
        RuntimeException problem;
        Method method = null;
        for (Method m : type.getDeclaredMethods()) {
            if (m.getName().equals(name) && descriptor(m).equals(descriptor)) {
                method = m;
            }
        }
        if (method == null) {
            problem = new IllegalStateException("the compensation " + display(type.getName(), name, descriptor)
                    + " does not exist in " + type.getName() + " (changed since the step ran?)");
        } else {
            try {
                method.setAccessible(true);
                table.put(key, method);
                return method;
            } catch (RuntimeException inaccessible) {
                problem = new IllegalStateException("the compensation " + display(type.getName(), name, descriptor)
                        + " cannot be called by the hypervisor: " + inaccessible.getMessage() + " (open its package to"
                        + " the unnamed module, e.g. --add-opens " + moduleName(type) + "/" + type.getPackageName()
                        + "=ALL-UNNAMED)", inaccessible);
            }
        }
        table.put(key, problem);
        throw problem;
    }

    private static String moduleName(Class<?> type) {
        String name = type.getModule().getName();
        return name == null ? "ALL-UNNAMED" : name;
    }
}
