/**
 * Elevation ("sudo with a TTL"): an operator's time-bounded grant of a more privileged ring to one
 * agent, optionally for named methods or tools only, consulted only when a call is about to be denied.
 */
package org.agenthypervisor.core.elevation;
