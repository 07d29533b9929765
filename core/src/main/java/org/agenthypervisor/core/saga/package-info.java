/**
 * Sagas: boundaries and compensable steps woven into governed methods, the durable journal under
 * {@code <dataDir>/saga} (every record authenticated, {@link org.agenthypervisor.core.saga.JournalSeal}),
 * reverse-order rollback with retries, and recovery of unfinished sagas after a crash.
 */
package org.agenthypervisor.core.saga;
