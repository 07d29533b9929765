package org.agenthypervisor.core.breach;

/** How bad an agent's denied calls look in its window, from an isolated slip to a sustained attempt. */
public enum Grade {
    /** Below the low threshold: an isolated denied call. */
    NONE,
    LOW,
    MEDIUM,
    HIGH,
    CRITICAL;

    /** Whether this grade trips the circuit breaker (the agent is quarantined for the cooldown). */
    public boolean trips() {
        return this == HIGH || this == CRITICAL;
    }

    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
