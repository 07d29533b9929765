/**
 * Reactor: a {@code Flux} or {@code Mono} remembers the context it was assembled in, and its
 * subscription runs in that context, so work it schedules (on {@code boundedElastic} and other
 * executors, which carry the context onwards) runs as the agent that built the stream, whoever
 * subscribes.
 */
package org.agenthypervisor.agent.integration.reactor;
