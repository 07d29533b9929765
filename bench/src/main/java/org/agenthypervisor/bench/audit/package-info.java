/** Benchmarks of the audit log: append-and-hash throughput, Merkle proofs at a million records. */
package org.agenthypervisor.bench.audit;
