package org.agenthypervisor.api;

/**
 * An agent refused a hand-off because the sender, or an agent in the chain of hand-offs that
 * brought the payload to the sender, has a trust score below the receiver's minimum. The receiving
 * method did not run.
 */
public class UntrustedHandoffException extends SecurityException {
    private static final long serialVersionUID = 1L;

    private final String sender;
    private final String receiver;
    private final String method;
    private final String untrustedAgent;
    private final double untrustedTrust;
    private final double minTrust;

    /**
     * @param message        the full, human-readable explanation
     * @param sender         the agent handing the payload over
     * @param receiver       the agent that refused it
     * @param method         the refused method, as {@code com.acme.Class#method(ParamType,...)}
     * @param untrustedAgent the first agent found below the minimum (the sender or one in its chain)
     * @param untrustedTrust that agent's trust score
     * @param minTrust       the receiver's minimum trust
     */
    public UntrustedHandoffException(String message, String sender, String receiver, String method,
                                     String untrustedAgent, double untrustedTrust, double minTrust) {
        super(message);
        this.sender = sender;
        this.receiver = receiver;
        this.method = method;
        this.untrustedAgent = untrustedAgent;
        this.untrustedTrust = untrustedTrust;
        this.minTrust = minTrust;
    }

    /** The agent that handed the payload over. */
    public String sender() {
        return sender;
    }

    /** The agent that refused it. */
    public String receiver() {
        return receiver;
    }

    /** The refused method. */
    public String method() {
        return method;
    }

    /** The agent whose trust was too low: the sender or one in its chain. */
    public String untrustedAgent() {
        return untrustedAgent;
    }

    /** That agent's trust score at the time of the refusal. */
    public double untrustedTrust() {
        return untrustedTrust;
    }

    /** The receiver's minimum trust. */
    public double minTrust() {
        return minTrust;
    }
}
