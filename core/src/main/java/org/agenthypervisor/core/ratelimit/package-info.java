/**
 * Rate limits ({@code rings.<n>.rate}, {@code agents.<id>.rate}): lock-free token buckets on the
 * governed calls, framework tool calls and hand-offs of each agent, their refusals, audit and counts.
 */
package org.agenthypervisor.core.ratelimit;
