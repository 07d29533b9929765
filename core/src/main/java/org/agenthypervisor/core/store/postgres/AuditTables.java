package org.agenthypervisor.core.store.postgres;

import org.agenthypervisor.core.audit.TreeHead;
import org.agenthypervisor.core.crypto.PublicKey;
import org.agenthypervisor.core.merkle.MerkleFrontier;
import org.agenthypervisor.core.merkle.MerkleHash;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The SQL of the shared audit log (schema version 3): {@code audit_record} and {@code audit_head} rows
 * in global order, the one {@code audit_tree} row every appender locks, and {@code key_directory}.
 * Every write runs in the caller's transaction, after {@link #lockTree}.
 */
final class AuditTables {
    private AuditTables() {
    }

    /**
     * The tree as committed: how many records, its right edge, how many heads and the size of the last.
     */
    record Tree(long size, MerkleFrontier frontier, long heads, long headSize) {
    }

    /** Locks the tree row for this transaction (appends and heads are serialised here) and reads it. */
    static Tree lockTree(Connection c, String schema) throws SQLException {
        return readTree(c, schema, true);
    }

    static Tree readTree(Connection c, String schema, boolean forUpdate) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT size, frontier, heads, head_size FROM " + schema
                + ".audit_tree WHERE id = 1" + (forUpdate ? " FOR UPDATE" : ""));
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("the shared audit log's tree row (" + schema + ".audit_tree id 1) is missing: the"
                        + " table was edited; nothing is appended until it is restored", "55000");
            }
            long size = rs.getLong(1);
            return new Tree(size, frontier(size, rs.getBytes(2), schema), rs.getLong(3), rs.getLong(4));
        }
    }

    private static MerkleFrontier frontier(long size, byte[] bytes, String schema) throws SQLException {
        int n = bytes.length / MerkleHash.SIZE;
        if (bytes.length % MerkleHash.SIZE != 0 || n != Long.bitCount(size)) {
            throw new SQLException("the shared audit log's tree row (" + schema + ".audit_tree) is damaged: "
                    + bytes.length + " bytes of frontier for " + size + " records", "XX001");
        }
        List<byte[]> pieces = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] p = new byte[MerkleHash.SIZE];
            System.arraycopy(bytes, i * MerkleHash.SIZE, p, 0, MerkleHash.SIZE);
            pieces.add(p);
        }
        return MerkleFrontier.of(size, pieces);
    }

    static byte[] frontierBytes(MerkleFrontier tree) {
        List<byte[]> pieces = tree.pieces();
        byte[] out = new byte[pieces.size() * MerkleHash.SIZE];
        for (int i = 0; i < pieces.size(); i++) {
            System.arraycopy(pieces.get(i), 0, out, i * MerkleHash.SIZE, MerkleHash.SIZE);
        }
        return out;
    }

    /** Inserts records {@code first, first + 1, …} (one round trip per JDBC batch). */
    static void insertRecords(Connection c, String schema, long first, List<byte[]> payloads, String instance)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema
                + ".audit_record (idx, payload, instance) VALUES (?, ?, ?)")) {
            long idx = first;
            for (byte[] p : payloads) {
                ps.setLong(1, idx++);
                ps.setBytes(2, p);
                ps.setString(3, instance);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Inserts a head; returns the bytes written (to recognise the row if the commit goes unanswered). */
    static byte[] insertHead(Connection c, String schema, long idx, TreeHead head, String instance) throws SQLException {
        byte[] payload = head.toJson();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema
                + ".audit_head (idx, payload, instance) VALUES (?, ?, ?)")) {
            ps.setLong(1, idx);
            ps.setBytes(2, payload);
            ps.setString(3, instance);
            ps.executeUpdate();
        }
        return payload;
    }

    /**
     * Whether rows {@code first, first + 1, …} of {@code table} ({@code audit_record} or
     * {@code audit_head}) hold exactly {@code payloads}: how a JVM whose commit went unanswered learns
     * whether it was applied (each payload names its JVM, index and time, so no other write matches).
     */
    static boolean holds(Connection c, String schema, String table, long first, List<byte[]> payloads)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT idx, payload FROM " + schema + "." + table
                + " WHERE idx >= ? AND idx < ? ORDER BY idx")) {
            ps.setLong(1, first);
            ps.setLong(2, first + payloads.size());
            try (ResultSet rs = ps.executeQuery()) {
                int i = 0;
                while (rs.next()) {
                    if (rs.getLong(1) != first + i || !java.util.Arrays.equals(rs.getBytes(2), payloads.get(i))) {
                        return false;
                    }
                    i++;
                }
                return i == payloads.size();
            }
        }
    }

    /** Writes the tree row back: the new size and right edge, and the heads' count and last size. */
    static void updateTree(Connection c, String schema, Tree t) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + schema
                + ".audit_tree SET size = ?, frontier = ?, heads = ?, head_size = ? WHERE id = 1")) {
            ps.setLong(1, t.size());
            ps.setBytes(2, frontierBytes(t.frontier()));
            ps.setLong(3, t.heads());
            ps.setLong(4, t.headSize());
            ps.executeUpdate();
        }
    }

    /**
     * Registers a public key for an instance (idempotent) and checks that its id names no other key
     * in the directory: two keys under one id would let either pass for the other.
     */
    static void registerKey(Connection c, String schema, PublicKey key, String instance) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".key_directory (key_id, instance,"
                + " public_key) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, key.keyId());
            ps.setString(2, instance);
            ps.setString(3, key.toPem());
            ps.executeUpdate();
        }
        Map<String, PublicKey> keys = keys(c, schema);
        if (!key.equals(keys.get(key.keyId()))) {
            throw new SQLException("the key directory " + schema + ".key_directory holds another public key under this"
                    + " JVM's key id " + key.keyId() + ": it was edited; nothing is signed until it is restored", "23505");
        }
    }

    /**
     * Every registered key by id.
     *
     * @throws SQLException if a row is not a public key, or one id names two different keys
     */
    static Map<String, PublicKey> keys(Connection c, String schema) throws SQLException {
        Map<String, PublicKey> out = new TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT key_id, instance, public_key FROM " + schema
                + ".key_directory ORDER BY key_id, instance");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String id = rs.getString(1);
                PublicKey key;
                try {
                    key = PublicKey.fromPem(rs.getString(3));
                } catch (IllegalArgumentException bad) {
                    throw new SQLException("the key directory row (" + id + ", " + rs.getString(2) + ") is not an Ed25519"
                            + " public key: " + bad.getMessage(), "XX001");
                }
                if (!key.keyId().equals(id)) {
                    throw new SQLException("the key directory row (" + id + ", " + rs.getString(2) + ") holds key "
                            + key.keyId() + ", not " + id + ": the directory was edited", "XX001");
                }
                PublicKey before = out.putIfAbsent(id, key);
                if (before != null && !before.equals(key)) {
                    throw new SQLException("the key directory holds two different keys under id " + id, "XX001");
                }
            }
        }
        return out;
    }
}
