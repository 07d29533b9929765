/**
 * Joint liability: signed hand-offs between agents (vouches) and the chains they form, refusal of
 * payloads from low-trust chains, anomalies and the slashing arithmetic, and the persistent trust
 * ledger under {@code <dataDir>/trust}.
 */
package org.agenthypervisor.core.liability;
