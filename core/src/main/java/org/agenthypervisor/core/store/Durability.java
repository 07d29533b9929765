package org.agenthypervisor.core.store;

/**
 * When {@link RecordLog#appendDurable(byte[])} returns, relative to the record reaching the device.
 * (The policy model has its own enum of the same shape; the runtime maps one onto the other.)
 */
public enum Durability {
    /** Every durable append issues its own force of the segment; ≈ one device flush per record. */
    FSYNC,
    /**
     * Group commit: a durable append returns once some force that started after its write has
     * finished. Concurrent appenders share forces; a lone appender pays one force, with no timer.
     */
    BATCH,
    /** No force on append; the OS writes the page cache back when it likes. Survives a process crash only. */
    NONE
}
