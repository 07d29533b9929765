package org.agenthypervisor.core.store.postgres;

import org.agenthypervisor.core.store.AppendLog;
import org.agenthypervisor.core.store.LogRecord;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Consumer;

/**
 * One append-only log in the shared store: rows {@code (log, idx, payload, instance)} of
 * {@code <schema>.log_record}. An append takes the log's advisory lock for its transaction, gives the
 * row the next index, announces it with {@code pg_notify} (delivered only if the transaction commits)
 * and returns once the commit returned, i.e. once PostgreSQL made it durable. Reads check that the
 * indexes have no gap: a deleted row fails the read, naming it.
 *
 * <p>One connection serves appends and reads; a failed statement drops it and the next call connects
 * again, so a database that went away and came back is used again without a restart.
 */
final class PostgresLog implements AppendLog {
    /** Statements that run longer fail instead of holding a governed call forever. */
    private static final int SOCKET_TIMEOUT_SECONDS = 30;
    private static final int VALID_TIMEOUT_SECONDS = 2;

    private final PostgresStore store;
    private final String name;
    private final String table;
    private Connection connection;
    /** Records known here: past the last one appended or read. */
    private volatile long known;

    PostgresLog(PostgresStore store, String name) {
        this.store = store;
        this.name = name;
        this.table = store.schema() + ".log_record";
    }

    @Override
    public synchronized long appendDurable(byte[] record) throws IOException {
        try {
            Connection c = connection();
            c.setAutoCommit(false);
            long index;
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_advisory_xact_lock(" + PostgresStore.lockKey("log:" + store.schema() + "." + name) + ")");
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (log, idx, payload, instance)"
                        + " SELECT ?, coalesce(max(idx) + 1, 0), ?, ? FROM " + table + " WHERE log = ? RETURNING idx")) {
                    ps.setString(1, name);
                    ps.setBytes(2, record);
                    ps.setString(3, store.instance());
                    ps.setString(4, name);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        index = rs.getLong(1);
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
                    ps.setString(1, store.channel());
                    ps.setString(2, name + ":" + index);
                    ps.execute();
                }
                c.commit();
            }
            c.setAutoCommit(true);
            known = Math.max(known, index + 1);
            return index;
        } catch (SQLException failure) {
            closeConnection();
            throw new IOException("shared store " + store.describe() + ": appending to '" + name + "' failed ("
                    + failure.getMessage() + ", SQL state " + failure.getSQLState() + "); the record is not known to be"
                    + " committed", failure);
        }
    }

    @Override
    public synchronized void forEach(long fromIndex, Consumer<? super LogRecord> action) throws IOException {
        long[] next = {fromIndex};
        try {
            read(next[0], action, next);
        } catch (IOException first) {
            if (!(first.getCause() instanceof SQLException)) {
                throw first;
            }
            read(next[0], action, next); // a read is safe to try again, from the first record not yet handed on
        }
    }

    private void read(long fromIndex, Consumer<? super LogRecord> action, long[] next) throws IOException {
        try {
            Connection c = connection();
            try (PreparedStatement ps = c.prepareStatement("SELECT idx, payload FROM " + table
                    + " WHERE log = ? AND idx >= ? ORDER BY idx")) {
                ps.setString(1, name);
                ps.setLong(2, fromIndex);
                try (ResultSet rs = ps.executeQuery()) {
                    long expected = fromIndex;
                    while (rs.next()) {
                        long idx = rs.getLong(1);
                        if (idx != expected) {
                            throw new IOException("shared store " + store.describe() + ": log '" + name + "' has no record "
                                    + expected + " (the next is " + idx + "): a row was deleted; the log is never"
                                    + " rewritten, restore the table from a backup");
                        }
                        action.accept(new LogRecord(idx, rs.getBytes(2)));
                        expected = idx + 1;
                        next[0] = expected;
                        known = Math.max(known, expected);
                    }
                }
            }
        } catch (SQLException failure) {
            closeConnection();
            throw new IOException("shared store " + store.describe() + ": reading '" + name + "' failed ("
                    + failure.getMessage() + ", SQL state " + failure.getSQLState() + ")", failure);
        }
    }

    @Override
    public long size() {
        return known;
    }

    @Override
    public String describe() {
        return store.describe() + " log '" + name + "'";
    }

    @Override
    public void onAppendedElsewhere(Runnable listener) {
        store.addListener(listener);
    }

    private Connection connection() throws SQLException {
        if (store.closed()) {
            throw new SQLException("the shared store is closed", "08003");
        }
        if (connection != null && !connection.isValid(VALID_TIMEOUT_SECONDS)) {
            // Cut by the server (a restart, a terminated backend): a statement on it would fail for
            // nothing, and the catch-up after the listener reconnects must not be lost to it.
            closeConnection();
        }
        if (connection == null) {
            connection = store.connect(SOCKET_TIMEOUT_SECONDS);
        }
        return connection;
    }

    synchronized void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // the connection is gone either way
            }
            connection = null;
        }
    }

    /** The store closes its logs; a log is not closed on its own (its owner may outlive it briefly). */
    @Override
    public void close() {
    }
}
