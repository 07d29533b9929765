package org.agenthypervisor.core.store;

import java.io.Closeable;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * What a store of records (the trust ledger today) needs from storage: append a record durably, read
 * records from an index on, and hear when another process appended. {@link RecordLog} is the file
 * implementation (one writer: nothing is ever appended elsewhere); the PostgreSQL store
 * ({@code org.agenthypervisor.core.store.postgres}) is the shared one, written by several JVMs.
 *
 * <p>Indexes are 0, 1, 2, … with no gaps, in the order the records were committed.
 */
public interface AppendLog extends Closeable {

    /**
     * Appends one record and returns once it is durable (forced to the device, or committed).
     *
     * @return the record's index
     * @throws IOException if it may not be durable; the caller must then not act on it
     */
    long appendDurable(byte[] record) throws IOException;

    /** Reads every record from {@code fromIndex} to the end known now, in index order. */
    void forEach(long fromIndex, Consumer<? super LogRecord> action) throws IOException;

    /** The number of records this process knows of (for a shared log: as of its last append or read). */
    long size();

    /** Where the records are, for messages (a directory, or a database and schema). */
    String describe();

    /**
     * Runs {@code listener} (on a store thread) whenever records may have been appended by another
     * process, and after every (re)connection so that nothing missed meanwhile is lost. A file log has
     * one writer, so the default never calls it.
     */
    default void onAppendedElsewhere(Runnable listener) {
    }
}
