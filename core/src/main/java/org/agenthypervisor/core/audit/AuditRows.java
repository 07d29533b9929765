package org.agenthypervisor.core.audit;

import org.agenthypervisor.core.crypto.PublicKey;
import org.agenthypervisor.core.store.LogRecord;

import java.io.Closeable;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;

/**
 * An audit log kept as rows rather than files (the shared store: {@code store: postgres}), read as
 * {@link AuditVerifier} and {@link AuditProofs} need it, in one consistent snapshot and strictly
 * read-only. Each row is handed on with the index it is stored under; the reader, not the source,
 * checks that the indexes run 0, 1, 2, … without a gap, so that a deleted row is named, never skipped.
 * The iterators throw {@link java.io.UncheckedIOException} when a read fails.
 */
public interface AuditRows extends Closeable {

    /** Where the rows are, for messages (a database and schema; never a password). */
    String describe();

    /** The signed tree heads, in index order. */
    Iterator<LogRecord> heads() throws IOException;

    /** The records, in index order, from the first. */
    Iterator<LogRecord> records() throws IOException;

    /** Every registered public key by key id: a head verifies with the key its {@code keyId} names. */
    Map<String, PublicKey> keys() throws IOException;
}
