/**
 * Graded breach detection: per agent, a sliding window of the calls the gate saw off its allowed
 * path; the share of them above the agent's ring grades the breach and sets the slash severity, and
 * the top grades trip a circuit breaker that quarantines the agent.
 */
package org.agenthypervisor.core.breach;
