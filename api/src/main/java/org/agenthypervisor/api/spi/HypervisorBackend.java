package org.agenthypervisor.api.spi;

import org.agenthypervisor.api.Session;

import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * What the agent provides behind {@link org.agenthypervisor.api.Hypervisor}. Each method has the
 * meaning of the facade method of the same name.
 */
public interface HypervisorBackend {
    String currentAgent();

    int effectiveRing(String agentId);

    int grantedRing(String agentId);

    double trust(String agentId);

    void reportAnomaly(String reason, double severity);

    String currentStep();

    Session openSession(String name);

    Session currentSession();

    <T> void registerFactory(Class<T> type, Supplier<? extends T> factory);

    Runnable propagate(Runnable task);

    <V> Callable<V> propagate(Callable<V> task);
}
