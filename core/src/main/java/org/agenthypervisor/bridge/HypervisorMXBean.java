package org.agenthypervisor.bridge;

import java.util.Map;

/**
 * The JMX view of the hypervisor, registered as {@code org.agenthypervisor:type=Hypervisor}. On the
 * bridge because the platform MBean server calls an MXBean through its interface from a class loader
 * of its own, so the interface must be public to every module; the implementation stays inside the
 * agent's module, and its operations that change state ({@code setTrust}, {@code reloadPolicy})
 * refuse callers that run as an agent (the host and remote JMX connectors are the operators).
 */
public interface HypervisorMXBean {
    /** enforce, audit or off. */
    String getMode();

    /** Where the current policy came from. */
    String getPolicySource();

    /** SHA-256 of the current policy file. */
    String getPolicySha256();

    /** The current policy file's text (or a summary for the built-in default). */
    String getPolicy();

    /** Live trust score of every agent seen. */
    Map<String, Double> getTrustScores();

    /** Effective ring of every agent seen. */
    Map<String, Integer> getEffectiveRings();

    /** Counters of decisions since start. */
    Map<String, Long> getCounters();

    /** The data directory. */
    String getDataDirectory();

    /**
     * Sets an agent's trust score (an operator's decision): written durably to the trust ledger,
     * then applied (the effective ring follows at once), audited as {@code trust.set}.
     *
     * @param agent  the agent id
     * @param value  the new score in [0, 1]
     * @param reason why, for the audit log (required)
     * @return what changed, e.g. {@code agent 'billing': 0.05 -> 0.9}
     */
    String setTrust(String agent, double value, String reason);

    /**
     * Reads the policy file again and applies it if it is valid and changed: how an operator reloads a
     * policy that is not watched (see the {@code watch} agent option). Refused to agents in-process.
     *
     * @return {@code reloaded <sha256>}, {@code unchanged}, or why it was rejected
     */
    String reloadPolicy();

    /**
     * Quarantines an agent: its governed calls and the hand-offs to it are refused until the
     * quarantine expires or {@link #release}. Audited as {@code quarantine.set}. Refused to agents
     * in-process.
     *
     * @param millis how long, in milliseconds
     */
    String quarantine(String agent, long millis, String reason);

    /** Ends an agent's quarantine or kill; audited as {@code quarantine.released}. */
    String release(String agent, String reason);

    /**
     * The kill switch: the agent is quarantined until released, and a saga it runs is compensated
     * at its next step. Audited as {@code agent.killed}.
     */
    String kill(String agent, String reason);

    /** Every quarantined or killed agent with its state, e.g. {@code quarantined until ... by jmx: why}. */
    Map<String, String> getQuarantines();

    /**
     * Elevation ("sudo with a TTL"): grants an agent a more privileged ring until the TTL ends or
     * {@link #revokeElevation}; trust floors still apply. Audited as {@code elevation.granted}; refused
     * (with the reason) when the policy does not allow it (ring 0, a TTL above {@code elevation.maxTtl}).
     *
     * @param ttlMillis how long, in milliseconds; 0 for the policy's {@code elevation.defaultTtl}
     * @param only      comma-separated method patterns ({@code ClassGlob#methodGlob}) and tool-name globs the
     *                  grant covers, or an empty string for every call
     */
    String elevate(String agent, int ring, long ttlMillis, String reason, String only);

    /** Ends an agent's elevation now; audited as {@code elevation.revoked}. */
    String revokeElevation(String agent, String reason);

    /** Every live elevation with its ring, deadline, scope and reason. */
    Map<String, String> getElevations();

    /**
     * The pending approval requests of calls a rule marks {@code approval: required}, by id: agent, method,
     * SHA-256 of the canonical arguments and their start, the vouch chain, how long it has waited.
     */
    Map<String, String> getApprovals();

    /** Approves pending request {@code id}: the waiting call runs. Audited as {@code approval.approved}. */
    String approve(String id, String reason);

    /** Denies pending request {@code id}: the waiting call is refused. Audited as {@code approval.denied}. */
    String deny(String id, String reason);
}
