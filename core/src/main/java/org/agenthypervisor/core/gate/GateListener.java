package org.agenthypervisor.core.gate;

import org.agenthypervisor.core.rings.RingDenial;

/**
 * What the gate reports, off the hot path: the runtime turns these into audit records, log lines,
 * Flight Recorder events, counters and (for enforced denials) slashes.
 */
public interface GateListener {
    /** A ring check failed; {@code enforced} is false in audit mode (the call runs). */
    void ringViolation(RingDenial denial, boolean enforced, SiteBinding binding);

    /**
     * A framework tool call failed its ring check; {@code violator} is the context that called
     * it. Defaults to a ring violation (implementations add the tool's name to what they record).
     */
    default void toolDenied(RingDenial denial, boolean enforced, SiteBinding binding, String tool, String framework) {
        ringViolation(denial, enforced, binding);
    }

    /** The gate itself failed; {@code denied} says whether the call was refused (fail closed). */
    void internalError(SiteBinding binding, Throwable error, boolean denied);
}
