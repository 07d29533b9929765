/**
 * Benchmarks of sagas: what journaling a step costs in each durability mode, the step rate of two
 * threads in batch mode, a bare {@code FileChannel.force} for comparison, and a three-step saga
 * through the gate and the engine. Commands in {@code bench/README-saga.md}.
 */
package org.agenthypervisor.bench.saga;
