package org.agenthypervisor.core.store.postgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The store's schema, versioned: {@code <schema>.schema_version} lists the versions applied. Every
 * JVM runs {@link #migrate} at start, in one transaction under an advisory lock, so when three JVMs
 * start at once one creates the tables and the others find them; running it again changes nothing.
 * A database migrated by a newer agent (a version this one does not know) is refused, never touched.
 */
final class Migrations {
    /** Version n is {@code STEPS.get(n - 1)}; append new versions, never edit old ones. */
    static final List<String[]> STEPS = List.<String[]>of(
            new String[] {
                    // One table for every append-only log (the trust ledger now; the saga journal and the
                    // audit log later), keyed by log name and index; the payload is the file format's record.
                    "CREATE TABLE %s.log_record (log text NOT NULL, idx bigint NOT NULL CHECK (idx >= 0),"
                            + " payload bytea NOT NULL, instance text NOT NULL,"
                            + " written_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (log, idx))"
            },
            new String[] {
                    // Version 2, the saga journal (PostgresSagaLog). One lease per JVM: a JVM renews its row,
                    // and owns its sagas while the row is current; a JVM whose lease expired loses its
                    // unfinished sagas to whichever live JVM takes them first.
                    "CREATE TABLE %1$s.saga_instance (instance text PRIMARY KEY, lease_expires timestamptz NOT NULL,"
                            + " started_at timestamptz NOT NULL DEFAULT now())",
                    // One row per saga: its owner, the epoch every write of the owner names (a take-over
                    // bumps it, fencing the old owner), and its state (running, compensating, ended).
                    "CREATE TABLE %1$s.saga (id text PRIMARY KEY, owner text NOT NULL, epoch bigint NOT NULL,"
                            + " state text NOT NULL, name text, began_at timestamptz NOT NULL DEFAULT now(),"
                            + " ended_at timestamptz, taken_from text)",
                    "CREATE INDEX saga_unfinished ON %1$s.saga (owner) WHERE state <> 'ended'",
                    // The journal records of every saga (the file journal's JSON, unsealed): steps with their
                    // arguments and compensation, outcomes, compensations; seq orders them.
                    "CREATE TABLE %1$s.saga_record (seq bigserial PRIMARY KEY, saga text NOT NULL, type text NOT NULL,"
                            + " step text, epoch bigint NOT NULL, instance text NOT NULL, payload bytea NOT NULL,"
                            + " written_at timestamptz NOT NULL DEFAULT now())",
                    "CREATE INDEX saga_record_saga ON %1$s.saga_record (saga, seq)",
                    // Saga numbers: each JVM reserves blocks of 100, so ids never collide across JVMs.
                    "CREATE SEQUENCE %1$s.saga_number INCREMENT BY 100 START WITH 1"
            },
            new String[] {
                    // The shared audit log (issue 13 items 4-5). Records and signed tree heads in global order
                    // (idx 0, 1, 2, ... without gaps: the Merkle tree needs them); the payloads are the file
                    // log's canonical JSON. audit_tree is the one row every appender locks (FOR UPDATE): it
                    // serialises appends, hands out the next idx and keeps the tree's right edge, so a batch
                    // from any JVM extends the one tree without reading the records before it.
                    "CREATE TABLE %s.audit_record (idx bigint PRIMARY KEY CHECK (idx >= 0), payload bytea NOT NULL,"
                            + " instance text NOT NULL, written_at timestamptz NOT NULL DEFAULT now())",
                    "CREATE TABLE %s.audit_head (idx bigint PRIMARY KEY CHECK (idx >= 0), payload bytea NOT NULL,"
                            + " instance text NOT NULL, written_at timestamptz NOT NULL DEFAULT now())",
                    "CREATE TABLE %s.audit_tree (id int PRIMARY KEY CHECK (id = 1), size bigint NOT NULL,"
                            + " frontier bytea NOT NULL, heads bigint NOT NULL, head_size bigint NOT NULL)",
                    "INSERT INTO %s.audit_tree (id, size, frontier, heads, head_size) VALUES (1, 0, ''::bytea, 0, 0)",
                    // Every public key that signed tree heads, per instance that used it; never deleted, so a
                    // rotated key stays valid for what it signed.
                    "CREATE TABLE %s.key_directory (key_id text NOT NULL, instance text NOT NULL,"
                            + " public_key text NOT NULL, registered_at timestamptz NOT NULL DEFAULT now(),"
                            + " PRIMARY KEY (key_id, instance))"
            });

    static final int CURRENT = STEPS.size();

    private Migrations() {
    }

    /**
     * Creates or migrates the schema.
     *
     * @return the versions applied by this call (0 if the schema was already current)
     * @throws SQLException if it fails (nothing is applied then), or the schema is newer than this agent
     */
    static int migrate(Connection c, String schema, String instance) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            // Serialises concurrent starts; released at commit or rollback.
            st.execute("SELECT pg_advisory_xact_lock(" + PostgresStore.lockKey("migrate:" + schema) + ")");
            st.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
            st.execute("CREATE TABLE IF NOT EXISTS " + schema + ".schema_version (version int PRIMARY KEY,"
                    + " applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL)");
            int current;
            try (ResultSet rs = st.executeQuery("SELECT coalesce(max(version), 0) FROM " + schema + ".schema_version")) {
                rs.next();
                current = rs.getInt(1);
            }
            if (current > CURRENT) {
                throw new SQLException("schema '" + schema + "' is at version " + current + ", newer than this agent"
                        + " knows (" + CURRENT + "): upgrade the agent; the schema is left as it is");
            }
            for (int v = current + 1; v <= CURRENT; v++) {
                for (String sql : STEPS.get(v - 1)) {
                    st.execute(String.format(sql, schema));
                }
                try (var ps = c.prepareStatement("INSERT INTO " + schema + ".schema_version (version, applied_by)"
                        + " VALUES (?, ?)")) {
                    ps.setInt(1, v);
                    ps.setString(2, instance);
                    ps.executeUpdate();
                }
            }
            c.commit();
            return CURRENT - current;
        } catch (SQLException | RuntimeException failure) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                failure.addSuppressed(ignored);
            }
            throw failure;
        } finally {
            c.setAutoCommit(auto);
        }
    }
}
