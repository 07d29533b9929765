package org.agenthypervisor.core.saga;

import java.io.IOException;

/**
 * What the saga engine needs from the storage of its journal: append a record (one canonical JSON
 * object of {@link JournalRecords}) and wait until it is as durable as the store promises. The file
 * journal ({@link SagaJournal}, one JVM's data directory) and the shared journal on PostgreSQL
 * ({@link SharedSagaLog}) implement it; the engine, {@link Transitions} and {@link Compensator} only
 * write through it.
 */
public interface SagaLog extends AutoCloseable {

    /** Appends a record and waits as the store's durability says. */
    void write(byte[] record) throws IOException;

    /**
     * Appends a record without waiting; {@link #awaitDurable} then waits. Split so that callers can
     * append under their own lock and wait outside it.
     */
    void append(byte[] record) throws IOException;

    /** Waits until what this thread appended is as durable as the store promises. */
    void awaitDurable() throws IOException;

    /**
     * Whether this JVM lost the right to write for a saga: another JVM took it over (a shared store,
     * after this JVM's lease expired). Its compensations must then not run here: the new owner runs
     * them. The file journal has one writer, so never.
     */
    default boolean fenced(String sagaId) {
        return false;
    }

    /** Where the journal is, for messages. */
    String describe();

    @Override
    void close() throws IOException;
}
