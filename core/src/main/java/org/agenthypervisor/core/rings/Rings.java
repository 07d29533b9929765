package org.agenthypervisor.core.rings;

import org.agenthypervisor.core.policy.Policy.TrustSpec;

/**
 * Ring arithmetic. Ring 0 is the most privileged, 3 the least; ring r requires a trust strictly
 * above {@code floor(r)} and ring 3 requires nothing. An agent's effective ring is the most
 * privileged ring r with r &ge; its granted ring whose floor its trust clears: trust can demote an
 * agent but never raise it above its grant.
 */
public final class Rings {
    /** The least privileged ring. */
    public static final int USER = 3;
    /**
     * Used as "no requirement" in the required-ring tables: no effective ring exceeds it except
     * {@link #QUARANTINED}.
     */
    public static final int UNCHECKED = Integer.MAX_VALUE - 1;
    /**
     * The effective ring of a quarantined agent: above every requirement, {@link #UNCHECKED}
     * included, so the ring check's existing compare refuses every governed call of the agent and
     * the allowed path pays nothing for quarantines.
     */
    public static final int QUARANTINED = Integer.MAX_VALUE;

    private Rings() {
    }

    public static int effectiveRing(int grantedRing, double trust, TrustSpec floors) {
        for (int ring = grantedRing; ring < USER; ring++) {
            if (trust > floors.floor(ring)) {
                return ring;
            }
        }
        return USER;
    }

    public static boolean isValid(int ring) {
        return ring >= 0 && ring <= USER;
    }

    /** "ring 0 (kernel)" and so on, for messages. */
    public static String describe(int ring) {
        switch (ring) {
            case 0: return "ring 0 (kernel)";
            case 1: return "ring 1 (privileged)";
            case 2: return "ring 2 (standard)";
            case 3: return "ring 3 (user)";
            case QUARANTINED: return "quarantined";
            default: return "ring " + ring;
        }
    }
}
