package org.agenthypervisor.agent.integration;

/**
 * One method to weave: a class (exact binary name, or a prefix when {@code classPrefix}), a method
 * name (or a prefix ending in {@code *}), the start of its descriptor, the binary name of the
 * advice class and the feature it provides ("tools", "AI services", ...), for the start-up report.
 *
 * <p>The advice is named, not a {@code Class}: a class literal loads its class, and the ~60 advice
 * classes of the integrations were loaded at every start although a warm start takes every woven
 * class from the cache and a framework that is not there is never woven.
 */
public record Target(String className, boolean classPrefix, String method, String descriptorPrefix, String advice,
                     String feature) {

    public static Target of(String className, String method, String descriptorPrefix, String advice, String feature) {
        return new Target(className, false, method, descriptorPrefix, advice, feature);
    }

    /** Every class whose binary name starts with {@code prefix}. */
    public static Target prefix(String prefix, String method, String descriptorPrefix, String advice, String feature) {
        return new Target(prefix, true, method, descriptorPrefix, advice, feature);
    }

    /** The advice class, loaded (not initialised) by the agent's loader. */
    public Class<?> adviceClass() {
        try {
            return Class.forName(advice, false, Target.class.getClassLoader());
        } catch (ClassNotFoundException missing) {
            throw new IllegalStateException("the advice class " + advice + " of " + className + "." + method + " is missing", missing);
        }
    }

    boolean matchesClass(String binaryName) {
        return classPrefix ? binaryName.startsWith(className) : binaryName.equals(className);
    }

    boolean matchesMethod(String name, String descriptor) {
        boolean nameMatches = method.endsWith("*") ? name.startsWith(method.substring(0, method.length() - 1))
                : name.equals(method);
        return nameMatches && descriptor.startsWith(descriptorPrefix);
    }
}
