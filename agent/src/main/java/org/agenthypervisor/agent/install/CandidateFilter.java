package org.agenthypervisor.agent.install;

import org.agenthypervisor.core.policy.Glob;
import org.agenthypervisor.core.policy.Policy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Decides in microseconds, from the class name and raw bytes, whether a class could be governed at
 * all, so that the vast majority of classes are never parsed. A class is a candidate when its bytes
 * mention an api annotation ({@code Lorg/agenthypervisor/api/}), or an annotation a policy rule
 * names, or its name matches a class glob of the policy, or it is an anonymous or local class of
 * an agent's class. Anything else is returned to the JVM unchanged.
 */
final class CandidateFilter {
    private static final byte[] API_DESCRIPTOR = "Lorg/agenthypervisor/api/".getBytes(StandardCharsets.US_ASCII);
    /** Never instrumented: the JDK, the agent itself, and the shaded libraries. */
    private static final String[] IGNORED = {
        "java/", "javax/", "jdk/", "sun/", "com/sun/", "org/agenthypervisor/api/", "org/agenthypervisor/bridge/", "org/agenthypervisor/core/",
        "org/agenthypervisor/agent/", "org/agenthypervisor/shaded/", "net/bytebuddy/", "org/graalvm/",
    };

    private final List<Glob> classGlobs;
    private final List<byte[]> ruleAnnotations;

    private CandidateFilter(List<Glob> classGlobs, List<byte[]> ruleAnnotations) {
        this.classGlobs = classGlobs;
        this.ruleAnnotations = ruleAnnotations;
    }

    static CandidateFilter of(Policy policy) {
        List<Glob> globs = new ArrayList<>();
        // Loops, not forEach lambdas: each lambda costs ~0.5 ms to link at start-up (issue 11).
        for (Policy.AgentSpec agent : policy.agents().values()) {
            globs.addAll(agent.classes());
        }
        for (Policy.RuleSpec rule : policy.rules()) {
            if (rule.methods() != null) {
                globs.add(rule.methods().classGlob());
            }
        }
        List<byte[]> annotations = new ArrayList<>();
        for (String name : ruleAnnotationNames(policy)) {
            annotations.add(("L" + name.replace('.', '/') + ";").getBytes(StandardCharsets.UTF_8));
        }
        for (Policy.CompensationSpec compensation : policy.compensations()) {
            globs.add(compensation.method().classGlob());
        }
        for (Policy.SagaSpec saga : policy.sagas()) {
            if (saga.methods() != null) {
                globs.add(saga.methods().classGlob());
            }
        }
        return new CandidateFilter(List.copyOf(globs), List.copyOf(annotations));
    }

    /**
     * Annotations whose presence makes a class worth planning: those {@code annotatedWith} rules
     * name; the frameworks' tool annotations when a {@code tools:} rule can name such methods; and
     * LangChain4j's {@code @CompensateFor} when the policy declares saga boundaries (its tools are
     * then journaled steps).
     */
    static Set<String> ruleAnnotationNames(Policy policy) {
        Set<String> names = new java.util.LinkedHashSet<>();
        for (Policy.RuleSpec rule : policy.rules()) {
            if (rule.annotatedWith() != null) {
                names.add(rule.annotatedWith());
            } else if (rule.tools() != null) {
                names.addAll(org.agenthypervisor.core.governance.GovernancePlanner.TOOL_ANNOTATIONS);
            }
        }
        if (!policy.sagas().isEmpty()) {
            names.add(org.agenthypervisor.core.governance.GovernancePlanner.LANGCHAIN4J_COMPENSATE_FOR);
        }
        return names;
    }

    /**
     * {@link #isIgnored} for a binary name ({@code a.b.C}), without making its internal name. One call
     * per class with the comparison inlined: a helper called per prefix ran often enough at start-up
     * for C2 to compile it (issue 11).
     */
    static boolean isIgnoredBinaryName(String binaryName) {
        int length = binaryName.length();
        if (length == 0) {
            return false;
        }
        char first = binaryName.charAt(0);
        for (String prefix : IGNORED) {
            int n = prefix.length();
            if (prefix.charAt(0) != first || length < n) {
                continue;
            }
            int i = 1;
            while (i < n) {
                char p = prefix.charAt(i);
                if (binaryName.charAt(i) != (p == '/' ? '.' : p)) {
                    break;
                }
                i++;
            }
            if (i == n) {
                return true;
            }
        }
        return false;
    }

    static boolean isIgnored(String internalName) {
        for (String prefix : IGNORED) {
            if (internalName.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** The cheap test; {@code knownAgentClass} tells whether a binary name is an agent's class. */
    boolean isCandidate(String internalName, byte[] bytes, Predicate<String> knownAgentClass) {
        String binaryName = internalName.replace('/', '.');
        for (Glob glob : classGlobs) {
            if (glob.matches(binaryName)) {
                return true;
            }
        }
        if (indexOf(bytes, API_DESCRIPTOR) >= 0) {
            return true;
        }
        for (byte[] annotation : ruleAnnotations) {
            if (indexOf(bytes, annotation) >= 0) {
                return true;
            }
        }
        int dollar = binaryName.lastIndexOf('$');
        return dollar > 0 && dollar + 1 < binaryName.length() && knownAgentClass.test(binaryName.substring(0, dollar));
    }

    /** Whether a loaded class is worth retransforming after a policy change (by name or annotations). */
    boolean isCandidate(Class<?> type, Set<String> ruleAnnotationNames) {
        for (Glob glob : classGlobs) {
            if (glob.matches(type.getName())) {
                return true;
            }
        }
        return false;
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        byte first = needle[0];
        int last = haystack.length - needle.length;
        outer:
        for (int i = 0; i <= last; i++) {
            if (haystack[i] != first) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
