package org.agenthypervisor.core.frameworks;

/** Binds the bridge's {@code Frameworks} (reactive streams) to the active {@link FrameworkGate}. Stateless. */
public final class FrameworksBridge implements org.agenthypervisor.bridge.Frameworks.Impl {
    @Override
    public void capture(Object owner) {
        FrameworkGate gate = FrameworkGate.active();
        if (gate != null) {
            gate.capture(owner);
        }
    }

    @Override
    public Object enterCaptured(Object owner) {
        FrameworkGate gate = FrameworkGate.active();
        return gate == null ? null : gate.enterCaptured(owner);
    }

    @Override
    public void restore(Object token) {
        FrameworkGate gate = FrameworkGate.active();
        if (token != null && gate != null) {
            gate.restore(token);
        }
    }
}
