package org.agenthypervisor.api;

/**
 * A call the policy marks {@code approval: required} was not approved: an approver denied it, the
 * approver failed (fail closed), or nobody answered within {@code approval.timeout}. The method body
 * did not run. Audited as {@code approval.denied} or {@code approval.timedOut}.
 */
public class ApprovalDeniedException extends SecurityException {
    private static final long serialVersionUID = 1L;

    private final String requestId;
    private final String agent;
    private final String target;
    private final boolean timedOut;

    /**
     * @param message   the full, human-readable explanation (who denied it and why, or the timeout)
     * @param requestId the approval request's id, as {@code approvals list} showed it
     * @param agent     the calling agent (or {@code host})
     * @param target    the method or tool that needed approval
     * @param timedOut  whether nobody answered in time
     */
    public ApprovalDeniedException(String message, String requestId, String agent, String target, boolean timedOut) {
        super(message);
        this.requestId = requestId;
        this.agent = agent;
        this.target = target;
        this.timedOut = timedOut;
    }

    public String requestId() {
        return requestId;
    }

    public String agent() {
        return agent;
    }

    public String target() {
        return target;
    }

    /** True when nobody answered within the policy's {@code approval.timeout}. */
    public boolean timedOut() {
        return timedOut;
    }
}
