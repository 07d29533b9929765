package org.agenthypervisor.api;

/**
 * A saga step's compensation still failed after its retries. The saga ended escalated, the step's
 * agent was slashed, and this exception is attached as a suppressed exception to the exception that
 * made the saga fail (it is never thrown on its own by a rollback).
 */
public class CompensationFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String sagaId;
    private final String stepId;
    private final String method;
    private final int attempts;

    /**
     * @param message  the full, human-readable explanation
     * @param sagaId   the saga's id in the journal
     * @param stepId   the step's stable id
     * @param method   the compensation method, as {@code com.acme.Class#method(ParamType,...)}
     * @param attempts how many times the compensation was tried
     * @param cause    the last failure of the compensation
     */
    public CompensationFailedException(String message, String sagaId, String stepId, String method,
                                       int attempts, Throwable cause) {
        super(message, cause);
        this.sagaId = sagaId;
        this.stepId = stepId;
        this.method = method;
        this.attempts = attempts;
    }

    /** The saga's id in the journal. */
    public String sagaId() {
        return sagaId;
    }

    /** The stable id of the step whose compensation failed. */
    public String stepId() {
        return stepId;
    }

    /** The compensation method. */
    public String method() {
        return method;
    }

    /** How many times the compensation was tried. */
    public int attempts() {
        return attempts;
    }
}
