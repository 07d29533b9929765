/**
 * The forensic audit log: every decision and change the hypervisor makes (denials, would-deny
 * decisions, hand-offs, refusals, slashes, trust changes, saga transitions, session events, deltas,
 * policy loads), appended as canonical JSON records to a durable log under {@code <dataDir>/audit}.
 */
package org.agenthypervisor.core.audit;
