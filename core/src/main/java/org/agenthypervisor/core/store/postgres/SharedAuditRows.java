package org.agenthypervisor.core.store.postgres;

import org.agenthypervisor.core.audit.AuditRows;
import org.agenthypervisor.core.crypto.PublicKey;
import org.agenthypervisor.core.store.LogRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The shared audit log read by {@code audit verify|proof|report --store}: one read-only transaction at
 * {@code REPEATABLE READ}, so heads, records and keys come from one snapshot while the JVMs keep
 * writing, and nothing can be written through it. Records are streamed (a server-side cursor of
 * {@value #FETCH} rows at a time), never held whole.
 */
public final class SharedAuditRows implements AuditRows {
    private static final int FETCH = 1_000;

    private final String describe;
    private final String schema;
    private final Connection connection;
    private final List<AutoCloseable> open = new ArrayList<>();

    private SharedAuditRows(String describe, String schema, Connection connection) {
        this.describe = describe;
        this.schema = schema;
        this.connection = connection;
    }

    /** Opens the read-only snapshot; fails if the schema has no shared audit log (yet). */
    static SharedAuditRows open(PostgresStore store) throws IOException {
        Connection c = null;
        try {
            c = store.connect(0);
            c.setReadOnly(true);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
                ps.setString(1, store.schema() + ".audit_record");
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        throw new SQLException("schema '" + store.schema() + "' has no shared audit log (no table audit_record):"
                                + " no JVM of this version has used it yet", "42P01");
                    }
                }
            }
            return new SharedAuditRows(store.describe(), store.schema(), c);
        } catch (SQLException e) {
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    e.addSuppressed(ignored);
                }
            }
            throw new IOException("cannot read the shared audit log in " + store.describe() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return describe;
    }

    @Override
    public Iterator<LogRecord> heads() throws IOException {
        return rows("audit_head");
    }

    @Override
    public Iterator<LogRecord> records() throws IOException {
        return rows("audit_record");
    }

    @Override
    public Map<String, PublicKey> keys() throws IOException {
        try {
            return AuditTables.keys(connection, schema);
        } catch (SQLException e) {
            throw new IOException("cannot read the key directory of " + describe + ": " + e.getMessage(), e);
        }
    }

    private Iterator<LogRecord> rows(String table) throws IOException {
        try {
            PreparedStatement ps = connection.prepareStatement("SELECT idx, payload FROM " + schema + "." + table
                    + " ORDER BY idx");
            ps.setFetchSize(FETCH);
            ResultSet rs = ps.executeQuery();
            open.add(rs);
            open.add(ps);
            return new Iterator<>() {
                private LogRecord next;
                private boolean done;

                @Override
                public boolean hasNext() {
                    if (next == null && !done) {
                        try {
                            if (rs.next()) {
                                next = new LogRecord(rs.getLong(1), rs.getBytes(2));
                            } else {
                                done = true;
                            }
                        } catch (SQLException e) {
                            throw new UncheckedIOException(new IOException("reading " + schema + "." + table + " of "
                                    + describe + " failed: " + e.getMessage(), e));
                        }
                    }
                    return next != null;
                }

                @Override
                public LogRecord next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    LogRecord r = next;
                    next = null;
                    return r;
                }
            };
        } catch (SQLException e) {
            throw new IOException("reading " + schema + "." + table + " of " + describe + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing the connection ends them anyway
            }
        }
        try {
            connection.rollback(); // read-only: there is nothing to commit
            connection.close();
        } catch (SQLException ignored) {
            // gone either way
        }
    }
}
