package org.agenthypervisor.core.rings;

import org.agenthypervisor.api.RingViolationException;
import org.agenthypervisor.core.policy.Policy.TrustSpec;


/**
 * One ring check that failed, with the wording users see. The message says who, what, why, and
 * which policy line would change the outcome (in the manner of Elasticsearch's entitlement errors).
 *
 * @param agent             the calling agent's id ({@code host} for the application)
 * @param effectiveRing     the caller's ring after its trust floor
 * @param grantedRing       the ring the policy grants the caller
 * @param trust             the caller's trust (1.0 for the host)
 * @param requiredRing      the ring the method requires
 * @param method            {@code com.acme.Db#execute(String)}
 * @param requirementSource {@code @Ring(0) on ...} or {@code policy rule #2 (...)}
 * @param pinned            whether the caller runs a compensation with pinned privileges
 */
public record RingDenial(String agent, int effectiveRing, int grantedRing, double trust, int requiredRing,
                         String method, String requirementSource, boolean pinned, TrustSpec floors) {

    /** The requirement source of a denied entry into a non-public method by another principal. */
    public static final String OWN_CODE_ONLY = "non-public method, entered only by its agent's own code";

    /**
     * The requirement source of an entry into a site through the gate's bridge without the site's woven
     * key: code calling the bridge directly to take on another agent's identity.
     */
    public static final String FORGED_ENTRY = "an entry through the gate's bridge without the site's woven key"
            + " (only woven code enters a governed method)";

    /** The full explanation, one line. */
    public String message() {
        if (FORGED_ENTRY.equals(requirementSource)) {
            return "agent '" + agent + "' (effective ring " + effectiveRing + ") may not enter " + method
                    + " through the gate's bridge without the site's woven key: only the hypervisor's woven code"
                    + " enters a governed method, so calling the bridge directly never takes on another agent's"
                    + " identity. Call the method itself";
        }
        if (OWN_CODE_ONLY.equals(requirementSource)) {
            return "agent '" + agent + "' (effective ring " + effectiveRing + ") may not enter " + method
                    + ": it is not public and belongs to another agent, so only that agent's own code may enter it;"
                    + " reflection (setAccessible) and method handles from other code are refused. Make it public"
                    + " (a hand-off point) if other agents are meant to call it";
        }
        StringBuilder out = new StringBuilder();
        out.append("agent '").append(agent).append("' (effective ring ").append(effectiveRing)
                .append(", granted ring ").append(grantedRing);
        if (!agent.equals("host")) {
            out.append(", trust ").append(format(trust));
        }
        out.append(") may not call ").append(method).append(": it requires ").append(Rings.describe(requiredRing))
                .append(" (").append(requirementSource).append(")");
        if (agent.equals("host")) {
            out.append("; the host runs at host.ring ").append(grantedRing).append(" in the policy");
        } else if (agent.equals("unidentified")) {
            out.append("; the framework called it outside every agent: bind the AI service (agents.<id>.aiServices)")
                    .append(" or the calling class (agents.<id>.classes) to an agent, or set frameworks.unidentifiedRing");
        } else if (pinned) {
            out.append("; the compensation runs with the privileges its step had");
        } else if (grantedRing <= requiredRing) {
            // Floors do not increase with the ring number, so the required ring's floor is the lowest
            // bar that would have let the call through.
            int floorRing = requiredRing;
            out.append("; it was demoted from its granted ring because its trust ").append(format(trust))
                    .append(" is not above the ring-").append(floorRing).append(" floor ")
                    .append(format(floors.floor(floorRing))).append(" (trust.thresholds.").append(floorRing).append(")");
        } else {
            out.append("; to allow it, grant agents.").append(agent).append(".ring: ").append(requiredRing)
                    .append(" in the policy");
        }
        return out.toString();
    }

    public RingViolationException toException() {
        return new RingViolationException(message(), agent, effectiveRing, grantedRing, requiredRing, method,
                requirementSource);
    }

    /** Two decimals, as {@code %.2f} would write a value in [0, 1], without the cost of a Formatter. */
    static String format(double value) {
        long hundredths = Math.round(value * 100);
        long units = hundredths / 100;
        long rest = Math.abs(hundredths % 100);
        return (value < 0 && units == 0 ? "-" : "") + units + (rest < 10 ? ".0" : ".") + rest;
    }
}
