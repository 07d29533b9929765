/**
 * Benchmarks of the ring check and of context propagation: the same method plain and guarded,
 * with and without the agent attached, the denied path, and tasks handed to an executor.
 */
package org.agenthypervisor.bench.rings;
