/** Benchmarks of shared sessions: the reference's "full governance pipeline". */
package org.agenthypervisor.bench.session;
