package org.agenthypervisor.core.audit;

/**
 * A governed call that must be audited was refused because the audit log cannot write and the policy
 * says {@code audit.onWriteFailure: deny} (the default): running it unaudited would be failing open.
 * A {@link SecurityException}, like every other refusal, so the gate passes it through as a decision
 * and never treats it as one of its own internal errors.
 */
public final class AuditUnavailableException extends SecurityException {
    private static final long serialVersionUID = 1L;

    public AuditUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
