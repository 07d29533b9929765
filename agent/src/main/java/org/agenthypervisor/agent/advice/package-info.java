/**
 * The advice inlined into governed methods (the JDK executors and the frameworks have theirs in
 * agent.integration). Each advice body is one
 * or two static calls into {@code org.agenthypervisor.core.gate.Gate} or
 * {@code org.agenthypervisor.core.context.Propagation} on the bootstrap class path, so it links
 * from any class loader. Advice never suppresses exceptions: a denial must reach the caller.
 */
package org.agenthypervisor.agent.advice;
