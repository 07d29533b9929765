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
    public Object enter(int site) {
        return Gate.enter(site);
    }

    @Override
    public Object enterConstructor(int site) {
        return Gate.enterConstructor(site);
    }

    @Override
    public void exitConstructor(Object token) {
        Gate.exitConstructor(token);
    }

    @Override
    public Object enterWithDetails(int site, Class<?> type, Object self, Object[] arguments) {
        return Gate.enterWithDetails(site, type, self, arguments);
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
