package org.agenthypervisor.core.governance;

import java.util.List;

/**
 * What the hypervisor does with one class.
 *
 * @param owner       the agent the class is bound to, or null (code runs as its caller)
 * @param ownerSource how it got bound, e.g. {@code @Agent} or {@code policy agents.billing.classes}
 * @param methods     the governed methods only
 * @param problems    errors a developer must fix (a bad ring value, a missing compensation)
 * @param warnings    things worth knowing (the policy overriding an {@code @Agent})
 */
public record ClassPlan(String className, String owner, String ownerSource, List<MethodPlan> methods,
                        List<String> problems, List<String> warnings) {
    public ClassPlan {
        methods = List.copyOf(methods);
        problems = List.copyOf(problems);
        warnings = List.copyOf(warnings);
    }

    public boolean isGoverned() {
        return !methods.isEmpty();
    }

    public MethodPlan method(String name, String descriptor) {
        for (MethodPlan m : methods) {
            if (m.name().equals(name) && m.descriptor().equals(descriptor)) {
                return m;
            }
        }
        return null;
    }
}
