package org.agenthypervisor.api;

import org.agenthypervisor.api.spi.Backends;
import org.agenthypervisor.api.spi.HypervisorBackend;

import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The application's view of the hypervisor. Every method works without the agent: the facade then
 * reports itself {@linkplain #isActive() inactive}, everything runs as the {@linkplain #HOST host},
 * and nothing is enforced or audited.
 */
public final class Hypervisor {
    /** The id the facade reports for code that runs outside every agent: the application itself. */
    public static final String HOST = "host";

    /** What {@link #effectiveRing} and {@link #grantedRing} return when the agent is not attached. */
    public static final int NO_RING = -1;

    private Hypervisor() {
    }

    /** Whether the agent is attached and enforcing (or auditing) this JVM. */
    public static boolean isActive() {
        return Backends.current() != null;
    }

    /** The agent the current code runs as, or {@link #HOST}. */
    public static String currentAgent() {
        HypervisorBackend backend = Backends.current();
        return backend == null ? HOST : backend.currentAgent();
    }

    /**
     * The agent's effective ring now: its granted ring, demoted while its trust is below the floor
     * of that ring. {@link #NO_RING} when the agent is not attached; {@link Integer#MAX_VALUE} while
     * the agent is quarantined or killed (every governed call of it is refused with
     * {@link AgentQuarantinedException}).
     */
    public static int effectiveRing(String agentId) {
        HypervisorBackend backend = Backends.current();
        return backend == null ? NO_RING : backend.effectiveRing(Objects.requireNonNull(agentId, "agentId"));
    }

    /** The ring the policy grants the agent; {@link #NO_RING} when the agent is not attached. */
    public static int grantedRing(String agentId) {
        HypervisorBackend backend = Backends.current();
        return backend == null ? NO_RING : backend.grantedRing(Objects.requireNonNull(agentId, "agentId"));
    }

    /** The agent's live trust score in [0, 1]; {@code NaN} when the agent is not attached. */
    public static double trust(String agentId) {
        HypervisorBackend backend = Backends.current();
        return backend == null ? Double.NaN : backend.trust(Objects.requireNonNull(agentId, "agentId"));
    }

    /**
     * Flags the payload the current agent holds as anomalous: every agent in the chain of hand-offs
     * that brought it here is slashed (the reporter is not). Does nothing without the agent.
     *
     * @param reason   what was wrong, for the audit log
     * @param severity in (0, 1]: the risk weight of the slash
     */
    public static void reportAnomaly(String reason, double severity) {
        Objects.requireNonNull(reason, "reason");
        if (!(severity > 0.0 && severity <= 1.0)) {
            throw new IllegalArgumentException("severity must be in (0, 1], was " + severity);
        }
        HypervisorBackend backend = Backends.current();
        if (backend != null) {
            backend.reportAnomaly(reason, severity);
        }
    }

    /**
     * The stable id of the saga step the current code runs in (also inside its compensation), so
     * compensations can be idempotent; {@code null} outside a step.
     */
    public static String currentStep() {
        HypervisorBackend backend = Backends.current();
        return backend == null ? null : backend.currentStep();
    }

    /**
     * Opens a shared session bound to the current context. Without the agent the session is a plain
     * in-memory one.
     */
    public static Session openSession(String name) {
        HypervisorBackend backend = Backends.current();
        return backend == null ? LocalSession.open(name) : backend.openSession(Objects.requireNonNull(name, "name"));
    }

    /**
     * Registers how to obtain an instance of {@code type} when a saga is recovered after a crash and
     * the type has no no-argument constructor.
     */
    public static <T> void registerFactory(Class<T> type, Supplier<? extends T> factory) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(factory, "factory");
        HypervisorBackend backend = Backends.current();
        if (backend != null) {
            backend.registerFactory(type, factory);
        }
    }

    /**
     * Wraps a task so it runs in the current context wherever it runs. JDK executors, threads and
     * {@code CompletableFuture} do this by themselves; use it for hand-written thread pools.
     */
    public static Runnable propagate(Runnable task) {
        Objects.requireNonNull(task, "task");
        HypervisorBackend backend = Backends.current();
        return backend == null ? task : backend.propagate(task);
    }

    /** Like {@link #propagate(Runnable)}, for a {@link Callable}. */
    public static <V> Callable<V> propagate(Callable<V> task) {
        Objects.requireNonNull(task, "task");
        HypervisorBackend backend = Backends.current();
        return backend == null ? task : backend.propagate(task);
    }

    /** An executor that runs every task in the context of the code that submitted it. */
    public static Executor propagating(Executor executor) {
        Objects.requireNonNull(executor, "executor");
        return task -> executor.execute(propagate(task));
    }
}
