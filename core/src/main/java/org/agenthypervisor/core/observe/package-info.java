/**
 * Operations: JDK Flight Recorder events for denials, refusals, slashes and saga transitions,
 * counters, and the JMX MXBean {@code org.agenthypervisor:type=Hypervisor}.
 */
package org.agenthypervisor.core.observe;
