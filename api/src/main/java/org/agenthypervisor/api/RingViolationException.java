package org.agenthypervisor.api;

/**
 * A caller's effective ring was not privileged enough for the method it called; the method body
 * did not run. The message names the agent, its rings, the method and where the requirement came
 * from, so the operator knows which grant is missing.
 */
public class RingViolationException extends SecurityException {
    private static final long serialVersionUID = 1L;

    private final String agent;
    private final int effectiveRing;
    private final int grantedRing;
    private final int requiredRing;
    private final String method;
    private final String requirementSource;

    /**
     * @param message           the full, human-readable explanation
     * @param agent             the calling agent's id ({@code "host"} for the application itself)
     * @param effectiveRing     the caller's ring after applying its trust floor
     * @param grantedRing       the ring the policy grants the caller
     * @param requiredRing      the ring the method requires
     * @param method            the method, as {@code com.acme.Class#method(ParamType,...)}
     * @param requirementSource where the requirement came from, e.g. {@code @Ring on method} or
     *                          {@code policy rule #2 (methods: com.acme.Db#execute*)}
     */
    public RingViolationException(String message, String agent, int effectiveRing, int grantedRing,
                                  int requiredRing, String method, String requirementSource) {
        super(message);
        this.agent = agent;
        this.effectiveRing = effectiveRing;
        this.grantedRing = grantedRing;
        this.requiredRing = requiredRing;
        this.method = method;
        this.requirementSource = requirementSource;
    }

    /** The same, with the internal error that made the check fail closed. */
    public RingViolationException(String message, String agent, int effectiveRing, int grantedRing,
                                  int requiredRing, String method, String requirementSource,
                                  Throwable cause) {
        this(message, agent, effectiveRing, grantedRing, requiredRing, method, requirementSource);
        initCause(cause);
    }

    /** The calling agent's id, or {@code "host"}. */
    public String agent() {
        return agent;
    }

    /** The caller's effective ring at the time of the call. */
    public int effectiveRing() {
        return effectiveRing;
    }

    /** The ring the policy grants the caller. */
    public int grantedRing() {
        return grantedRing;
    }

    /** The ring the method requires. */
    public int requiredRing() {
        return requiredRing;
    }

    /** The refused method, as {@code com.acme.Class#method(ParamType,...)}. */
    public String method() {
        return method;
    }

    /** Where the requirement came from: an annotation or a policy rule. */
    public String requirementSource() {
        return requirementSource;
    }
}
