package org.agenthypervisor.core.gate;

/**
 * Binds the bridge's {@code Gate} and {@code HiddenClasses} to {@link Gate} and {@link HiddenClasses}.
 * Stateless: everything it reaches is in this module.
 */
public final class GateBridge implements org.agenthypervisor.bridge.Gate.Impl {
    @Override
    public Object details() {
        return Gate.DETAILS;
    }

    @Override
    public void check(int site, int requiredRing) {
        Gate.check(site, requiredRing);
    }

    @Override
    public Object enter(int site, long key) {
        if (!Gate.keyMatches(site, key)) {
            throw forged(site);
        }
        return Gate.enter(site);
    }

    @Override
    public Object enterConstructor(int site, long key) {
        if (!Gate.keyMatches(site, key)) {
            throw forged(site);
        }
        return Gate.enterConstructor(site);
    }

    @Override
    public void exitConstructor(Object token) {
        Gate.exitConstructor(token);
    }

    @Override
    public Object enterWithDetails(int site, long key, Class<?> type, Object self, Object[] arguments) {
        if (!Gate.keyMatches(site, key)) {
            throw forged(site);
        }
        return Gate.enterWithDetails(site, type, self, arguments);
    }

    /**
     * Someone called the bridge's entry with a site id but not its woven key: code trying to enter
     * another agent's method without calling it. Reported and audited, and refused.
     */
    private static RuntimeException forged(int site) {
        return Gate.forgedEntry(site);
    }

    @Override
    public void exit(Object token, Object returned, Throwable thrown) {
        Gate.exit(token, returned, thrown);
    }

    /** The bridge's {@code HiddenClasses}. */
    public static final class Hidden implements org.agenthypervisor.bridge.HiddenClasses.Impl {
        @Override
        public byte[] weave(Class<?> lookupClass, byte[] bytes) {
            return HiddenClasses.weave(lookupClass, bytes);
        }
    }
}
