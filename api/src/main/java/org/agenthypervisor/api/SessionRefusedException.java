package org.agenthypervisor.api;

/**
 * An agent could not join a shared {@link Session} (or was turned away on a later call): its trust
 * score is below the session's minimum, or the session already has its maximum number of
 * participants. The call that would have joined it did not run. The refusal is audited.
 *
 * <p>The message names the session, the agent, its trust score and the policy key that set the limit
 * ({@code sessions.minTrust}, {@code sessions.maxParticipants}, or a {@code sessions.named[i]} entry),
 * so the operator knows what to change.
 */
public class SessionRefusedException extends SecurityException {
    private static final long serialVersionUID = 1L;

    private final String sessionId;
    private final String sessionName;
    private final String agent;
    private final double trust;
    private final String requirement;

    /**
     * @param message     the full, human-readable explanation
     * @param sessionId   the session's id
     * @param sessionName the name it was opened with
     * @param agent       the refused agent
     * @param trust       the agent's trust score at the time
     * @param requirement the policy key of the limit, e.g. {@code sessions.minTrust} or
     *                    {@code sessions.named[0].maxParticipants}
     */
    public SessionRefusedException(String message, String sessionId, String sessionName, String agent, double trust,
                                   String requirement) {
        super(message);
        this.sessionId = sessionId;
        this.sessionName = sessionName;
        this.agent = agent;
        this.trust = trust;
        this.requirement = requirement;
    }

    /** The session's id. */
    public String sessionId() {
        return sessionId;
    }

    /** The session's name. */
    public String sessionName() {
        return sessionName;
    }

    /** The refused agent. */
    public String agent() {
        return agent;
    }

    /** The agent's trust score when it was refused. */
    public double trust() {
        return trust;
    }

    /** The policy key of the limit that refused it. */
    public String requirement() {
        return requirement;
    }
}
