package org.agenthypervisor.agent.integration;

/**
 * One method to weave: a class (exact binary name, or a prefix when {@code classPrefix}), a method
 * name (or a prefix ending in {@code *}), the start of its descriptor, the advice class and the
 * feature it provides ("tools", "AI services", ...), for the start-up report.
 */
public record Target(String className, boolean classPrefix, String method, String descriptorPrefix, Class<?> advice,
                     String feature) {

    public static Target of(String className, String method, String descriptorPrefix, Class<?> advice, String feature) {
        return new Target(className, false, method, descriptorPrefix, advice, feature);
    }

    /** Every class whose binary name starts with {@code prefix}. */
    public static Target prefix(String prefix, String method, String descriptorPrefix, Class<?> advice, String feature) {
        return new Target(prefix, true, method, descriptorPrefix, advice, feature);
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
