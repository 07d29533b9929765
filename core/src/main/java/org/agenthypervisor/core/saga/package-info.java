/**
 * Sagas: boundaries and compensable steps woven into governed methods, the durable journal under
 * {@code <dataDir>/saga}, reverse-order rollback with retries, and recovery of unfinished sagas
 * after a crash.
 */
package org.agenthypervisor.core.saga;
