/**
 * Shared sessions: multi-agent single sign-on, versioned shared state with ring-protected keys,
 * deltas audited per write, and the Merkle root of a session's deltas committed when it closes.
 */
package org.agenthypervisor.core.session;
