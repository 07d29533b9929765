package org.agenthypervisor.api;

/**
 * The calling agent went past a rate limit of the policy ({@code agents.<id>.rate} or
 * {@code rings.<n>.rate}): the governed call, tool call or hand-off did not run. With
 * {@code onLimit: wait} the call waited up to {@code maxWait} first. A refusal is not a violation:
 * it is audited and counted, and the agent's trust is not slashed.
 */
public class RateLimitedException extends SecurityException {
    private static final long serialVersionUID = 1L;

    private final String agent;
    private final int ring;
    private final String limit;
    private final String target;

    /**
     * @param message the full, human-readable explanation
     * @param agent   the limited agent
     * @param ring    the agent's effective ring when it was refused
     * @param limit   the limit that refused it, as written in the policy, e.g.
     *                {@code agents.support-bot.rate.calls: 10/s, burst 10}
     * @param target  the refused method, tool or hand-off target
     */
    public RateLimitedException(String message, String agent, int ring, String limit, String target) {
        super(message);
        this.agent = agent;
        this.ring = ring;
        this.limit = limit;
        this.target = target;
    }

    /** The limited agent. */
    public String agent() {
        return agent;
    }

    /** The agent's effective ring when it was refused. */
    public int ring() {
        return ring;
    }

    /** The limit that refused the call, as the policy states it. */
    public String limit() {
        return limit;
    }

    /** The refused method, tool or hand-off target. */
    public String target() {
        return target;
    }
}
