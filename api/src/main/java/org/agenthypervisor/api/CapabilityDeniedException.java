package org.agenthypervisor.api;

/**
 * An agent tried something through the JDK (open a file, connect a socket, start a process...)
 * that its ring and its policy entry do not grant; the JDK call did not happen. The message names
 * the agent, its ring, the capability, the target and what would allow it.
 */
public class CapabilityDeniedException extends SecurityException {
    private static final long serialVersionUID = 1L;

    private final String agent;
    private final int effectiveRing;
    private final String capability;
    private final String target;
    private final String policyKey;

    /**
     * @param capability e.g. {@code files.read}
     * @param target     what was asked for, e.g. an absolute path or {@code host:port}
     */
    public CapabilityDeniedException(String message, String agent, int effectiveRing, String capability, String target) {
        this(message, agent, effectiveRing, capability, target, null);
    }

    /**
     * @param policyKey the policy key that would allow the call (for example
     *                  {@code agents.support.capabilities.network.connect}), or null when nothing can
     *                  (the hypervisor's own files)
     */
    public CapabilityDeniedException(String message, String agent, int effectiveRing, String capability, String target,
                                     String policyKey) {
        super(message);
        this.policyKey = policyKey;
        this.agent = agent;
        this.effectiveRing = effectiveRing;
        this.capability = capability;
        this.target = target;
    }

    public String agent() {
        return agent;
    }

    public int effectiveRing() {
        return effectiveRing;
    }

    public String capability() {
        return capability;
    }

    public String target() {
        return target;
    }

    /** The policy key that would allow the call, or null when no grant can (the hypervisor's own state). */
    public String policyKey() {
        return policyKey;
    }
}
