/**
 * The advice inlined into governed methods (the JDK executors and the frameworks have theirs in
 * agent.integration). Each advice body is one
 * or two static calls into {@code org.agenthypervisor.bridge.Gate} on the bootstrap class path, so it
 * links from any class loader; the bridge delegates into the agent's isolated module. These classes
 * are templates: Byte Buddy copies their bytecode, they never run themselves. Advice never suppresses exceptions: a denial must reach the caller.
 */
package org.agenthypervisor.agent.advice;
