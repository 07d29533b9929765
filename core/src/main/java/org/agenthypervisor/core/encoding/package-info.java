/**
 * Deterministic byte encodings: {@link org.agenthypervisor.core.encoding.CanonicalJson} for the
 * hypervisor's own signed and hashed records, and {@link org.agenthypervisor.core.encoding.PayloadEncoder}
 * for arbitrary application values crossing agent boundaries (hand-off digests, saga step arguments).
 */
package org.agenthypervisor.core.encoding;
