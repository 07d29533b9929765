/**
 * Quarantine and kill switch per agent: an operator (or the breach detector's circuit breaker)
 * stops one agent's governed calls and hand-offs without touching the policy.
 */
package org.agenthypervisor.core.quarantine;
