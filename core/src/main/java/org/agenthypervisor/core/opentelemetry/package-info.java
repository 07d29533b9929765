/**
 * The OpenTelemetry bridge: denials, refusals, slashes, hand-offs and saga transitions become span
 * events on the application's current span, and counters and a trust gauge, through the
 * application's own OpenTelemetry API found at run time (method handles, resolved at the first such
 * event). Nothing of OpenTelemetry is compiled in or shipped; without the API on the application's
 * class path the bridge does nothing. Policy switch {@code observe.opentelemetry: auto|off}.
 */
package org.agenthypervisor.core.opentelemetry;
