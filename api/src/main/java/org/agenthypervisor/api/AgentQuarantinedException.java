package org.agenthypervisor.api;

/**
 * The calling agent (or the agent a hand-off goes to) is quarantined: an operator quarantined or
 * killed it, or its breach detector tripped. The governed call did not run. A quarantine ends when
 * an operator releases the agent or its cooldown expires; a killed agent stays quarantined until
 * released.
 */
public class AgentQuarantinedException extends SecurityException {
    private static final long serialVersionUID = 1L;

    private final String agent;
    private final String method;
    private final String reason;
    private final long untilMillis;

    /**
     * @param message     the full, human-readable explanation
     * @param agent       the quarantined agent
     * @param method      the refused method, as {@code com.acme.Class#method(ParamType,...)}
     * @param reason      why it was quarantined (the operator's reason or the breach that tripped)
     * @param untilMillis when the quarantine expires (epoch milliseconds), or {@code Long.MAX_VALUE}
     *                    when only a release ends it (a kill)
     */
    public AgentQuarantinedException(String message, String agent, String method, String reason, long untilMillis) {
        super(message);
        this.agent = agent;
        this.method = method;
        this.reason = reason;
        this.untilMillis = untilMillis;
    }

    /** The quarantined agent. */
    public String agent() {
        return agent;
    }

    /** The refused method. */
    public String method() {
        return method;
    }

    /** Why the agent was quarantined. */
    public String reason() {
        return reason;
    }

    /** When the quarantine expires (epoch milliseconds); {@code Long.MAX_VALUE}: only a release ends it. */
    public long untilMillis() {
        return untilMillis;
    }
}
