package org.agenthypervisor.core.gate;

/**
 * A {@link CallParticipant} refused a call for a reason that is not a security decision (for
 * example a compensable step whose compensation is broken, inside a saga). Like a
 * {@link SecurityException} it reaches the caller as it is and the body does not run; unlike an
 * internal error it is never turned into a denial, and {@code onInternalError: allow} does not let
 * the call through.
 */
public class CallRefusedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public CallRefusedException(String message) {
        super(message);
    }

    public CallRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
