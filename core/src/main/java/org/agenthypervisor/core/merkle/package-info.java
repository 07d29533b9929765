/**
 * RFC 9162 (Certificate Transparency 2.0, §2.1) Merkle trees: leaf and node hashing, an append-only
 * in-memory tree that serves roots and proofs for any past size, and the stateless proof verifiers an
 * auditor runs from a signed tree head alone.
 */
package org.agenthypervisor.core.merkle;
