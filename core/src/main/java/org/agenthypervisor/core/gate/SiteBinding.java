package org.agenthypervisor.core.gate;

import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.governance.MethodPlan;
import org.agenthypervisor.core.governance.MethodPlan.Compensation;
import org.agenthypervisor.core.governance.MethodPlan.SagaBoundary;
import org.agenthypervisor.core.rings.Rings;

/**
 * What the gate decides for a site under one policy version.
 *
 * @param requiredRing      {@link Rings#UNCHECKED} when unchecked
 * @param owner             the agent its code runs as, or null (runs as the caller)
 * @param stale             the policy no longer governs the method this way; its class is being
 *                          retransformed and until then the site only passes calls through
 * @param restricted        a non-public method of an agent that only its own code may enter (see
 *                          {@link EntryCheck}); another principal reaching it by reflection or a
 *                          method handle is denied
 * @param approval          each call waits for an approver (a rule's {@code approval: required})
 */
public record SiteBinding(Site site, int requiredRing, String requirementSource, Principal owner, boolean handoff,
                          boolean partial, SagaBoundary saga, Compensation compensation, boolean stale,
                          boolean restricted, boolean approval) {

    public SiteBinding(Site site, int requiredRing, String requirementSource, Principal owner, boolean handoff,
                       boolean partial, SagaBoundary saga, Compensation compensation, boolean stale, boolean restricted) {
        this(site, requiredRing, requirementSource, owner, handoff, partial, saga, compensation, stale, restricted, false);
    }

    static SiteBinding of(Site site, MethodPlan plan, Principal owner) {
        int ring = plan.requiredRing() == null ? Rings.UNCHECKED : plan.requiredRing();
        return new SiteBinding(site, ring, plan.requirementSource(), owner, plan.handoff(), plan.partial(),
                plan.saga(), plan.compensation(), false, owner != null && isRestricted(plan), plan.approval());
    }

    /**
     * Non-public methods written in source, with no annotation: what Java access control keeps to
     * the agent's own code. Lambda bodies and other synthetic methods are entered by the JDK's
     * lambda machinery on any thread; an annotated non-public method (a framework callback such as
     * {@code @PostConstruct} or a tool) is an entry point someone declared.
     */
    private static boolean isRestricted(MethodPlan plan) {
        org.agenthypervisor.core.governance.MethodInfo m = plan.method();
        return plan.kind() == MethodPlan.Kind.GOVERNED && !m.isPublic() && !m.isSynthetic() && !m.isConstructor()
                && !m.isClassInitializer() && m.annotations().isEmpty();
    }

    static SiteBinding stale(Site site) {
        return new SiteBinding(site, Rings.UNCHECKED, null, null, false, false, null, null, true, false);
    }

    /** Whether every entry needs the instance and arguments (saga boundary or step, approval). */
    boolean alwaysNeedsDetails() {
        return saga != null || compensation != null || approval;
    }

    public String method() {
        return site.display();
    }
}
