/**
 * Durable state that must outlive the process: the append-only, CRC-framed {@link
 * org.agenthypervisor.core.store.RecordLog} that the saga journal, the trust ledger and the audit log
 * are built on, and {@link org.agenthypervisor.core.store.AtomicFiles} for whole-file snapshots and keys.
 */
package org.agenthypervisor.core.store;
