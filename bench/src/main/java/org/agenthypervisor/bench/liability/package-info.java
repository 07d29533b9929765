/**
 * Benchmarks of joint liability: the cost of a hand-off through the real gate (trust check, vouch,
 * chain update, audit record) with batched and per-vouch signing, a bare Bouncy Castle Ed25519
 * signature for comparison, and slashing a chain of ten agents. See {@code bench/README-liability.md}.
 */
package org.agenthypervisor.bench.liability;
