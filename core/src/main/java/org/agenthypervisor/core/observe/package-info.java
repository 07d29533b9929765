/**
 * Operations: JDK Flight Recorder events for denials, refusals, slashes and saga transitions,
 * and counters. (The JMX MXBean's interface is on the bridge, its implementation in
 * {@code core.runtime.JmxView}.)
 */
package org.agenthypervisor.core.observe;
