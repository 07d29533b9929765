package org.agenthypervisor.core.governance;

import java.util.List;

/**
 * What the hypervisor does with one method.
 *
 * @param display           {@code com.acme.Db#execute(String)}
 * @param kind              how it is instrumented
 * @param requiredRing      the required ring, or null when unchecked
 * @param requirementSource where the requirement comes from, for denial messages
 * @param handoff           whether a call from another agent into it is a hand-off (vouched)
 * @param partial           whether the policy marks it a partial action (risk weight)
 * @param saga              the saga boundary it opens, or null
 * @param compensation      its compensation if it is a compensable step, or null
 * @param governedBy        every annotation and rule that contributes, for {@code policy check}
 * @param approval          a rule says {@code approval: required}: each call waits for an approver (issue 15)
 */
public record MethodPlan(MethodInfo method, String display, Kind kind, Integer requiredRing, String requirementSource,
                         boolean handoff, boolean partial, SagaBoundary saga, Compensation compensation,
                         List<String> governedBy, boolean approval) {

    public MethodPlan {
        governedBy = List.copyOf(governedBy);
    }

    /** A plan without approval. */
    public MethodPlan(MethodInfo method, String display, Kind kind, Integer requiredRing, String requirementSource,
                      boolean handoff, boolean partial, SagaBoundary saga, Compensation compensation,
                      List<String> governedBy) {
        this(method, display, kind, requiredRing, requirementSource, handoff, partial, saga, compensation, governedBy,
                false);
    }

    /** How a method is instrumented. */
    public enum Kind {
        /** A ring check on entry and nothing else: one static call, no exit advice. */
        CHECK,
        /** A ring check at the very start of a constructor (no context switch: see the docs). */
        CONSTRUCTOR_CHECK,
        /**
         * A constructor of an agent's class: the ring check, then a switch into the agent unless the
         * agent is more privileged than the caller; undone on normal return only (see the planner).
         */
        CONSTRUCTOR_SWITCH,
        /** Entry and exit advice: context switch into the owning agent, hand-offs, saga steps. */
        GOVERNED,
        /**
         * A method of an interface that a framework implements with a proxy (a LangChain4j AI
         * service): not woven; the framework's invocation handler enters the gate for it.
         */
        PROXIED,
        /** A langchain4j-agentic agent, invoked by the framework: a virtual site per agent name. */
        AGENTIC
    }

    /** A saga boundary: entering opens a saga unless one is active. */
    public record SagaBoundary(String name, String source) {
    }

    /**
     * A compensable step.
     *
     * @param methodName        the compensation's name
     * @param descriptor        the compensation's JVM descriptor
     * @param passesResult      whether the compensation also takes the step's return value
     * @param compensateInDoubt whether an in-doubt step may be compensated after a crash
     * @param source            "@Compensate" or "policy compensations[0]"
     * @param problem           why the pairing is broken, or null when it is fine
     */
    public record Compensation(String methodName, String descriptor, boolean passesResult, boolean compensateInDoubt,
                               String source, String problem) {
        public boolean isValid() {
            return problem == null;
        }
    }

    public String name() {
        return method.name();
    }

    public String descriptor() {
        return method.descriptor();
    }
}
