package org.agenthypervisor.core.store.postgres;

import org.agenthypervisor.core.audit.AuditLog;
import org.agenthypervisor.core.audit.AuditVerifier;
import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.crypto.PublicKey;
import org.agenthypervisor.core.liability.TrustLedger;
import org.agenthypervisor.core.merkle.MerkleFrontier;
import org.agenthypervisor.core.merkle.MerkleHash;
import org.agenthypervisor.core.store.LogCursor;
import org.agenthypervisor.core.store.RecordLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code store import --from DATA_DIR}: loads a file data directory into an empty shared store, in one
 * transaction (all or nothing). The audit log's records and signed heads are copied byte for byte, so
 * the imported log has the same tree and verifies with the same roots; the directory's key (the one
 * that signed those heads) is registered in the key directory under the instance
 * {@code import:<dir>}. The audit log is verified before anything is written: a log that does not
 * verify is not imported. The trust ledger's records are copied as they are (the shared ledger stores
 * the same records). The saga journal is not imported (its records are bound to the directory's key
 * and index chain; sagas unfinished in it are recovered by a JVM on that directory).
 */
public final class SharedImport {
    private static final int BATCH = 1_000;

    private SharedImport() {
    }

    /** What was imported. */
    public record Result(long auditRecords, long auditHeads, String keyId, long trustRecords, String trustNote) {
    }

    /**
     * Imports {@code dataDir} (keys in {@code keysDir}) into the store.
     *
     * @throws IOException naming the reason when the directory cannot be imported (nothing is written then)
     */
    public static Result importDataDir(PostgresStore store, Path dataDir, Path keysDir) throws IOException {
        Path auditDir = dataDir.resolve("audit");
        boolean hasAudit = Files.isDirectory(auditDir);
        PublicKey key = null;
        AuditVerifier.Report verified = null;
        if (hasAudit) {
            if (Files.isDirectory(keysDir)) {
                key = KeyDirectory.openReadOnly(keysDir).publicKey(AuditLog.KEY_ID).orElse(null);
            }
            verified = AuditVerifier.verify(auditDir, key, null);
            if (!verified.ok()) {
                throw new IOException("the audit log in " + auditDir + " does not verify, so it is not imported: "
                        + verified.failure().message());
            }
            if (verified.owed() != null) {
                throw new IOException("the audit log in " + auditDir + " owes a statement of " + verified.owed().lost()
                        + " lost record(s) (its 'lost' file): start the hypervisor on it once so that it records them,"
                        + " then import");
            }
            String refusal = AuditVerifier.Coverage.defaults().refusal(verified);
            if (refusal != null) {
                throw new IOException("the audit log in " + auditDir + " is not imported: " + refusal);
            }
            if (verified.cut() > 0) {
                throw new IOException("the audit log in " + auditDir + " starts at record " + verified.cut() + " (older"
                        + " records were archived by audit.retention): importing a log without its first records is not"
                        + " supported");
            }
        }
        String instance = "import:" + dataDir.toAbsolutePath().normalize();
        try (Connection c = store.connect(0)) {
            c.setAutoCommit(false);
            try {
                long records = 0;
                long heads = 0;
                if (hasAudit) {
                    AuditTables.Tree t = AuditTables.lockTree(c, store.schema());
                    if (t.size() > 0 || t.heads() > 0) {
                        throw new IOException("the shared audit log in " + store.describe() + " already holds " + t.size()
                                + " record(s) and " + t.heads() + " tree head(s): a data directory is imported only into"
                                + " an empty one (its records must keep their indexes to keep their roots)");
                    }
                    MerkleFrontier tree = new MerkleFrontier();
                    records = copy(c, store.schema(), auditDir, AuditLog.RECORDS, "audit_record", instance, tree);
                    heads = copy(c, store.schema(), auditDir, AuditLog.HEADS, "audit_head", instance, null);
                    long headSize = verified.lastHead() == null ? 0 : verified.lastHead().size();
                    if (key != null && heads > 0) {
                        AuditTables.registerKey(c, store.schema(), key, instance);
                    }
                    AuditTables.updateTree(c, store.schema(), new AuditTables.Tree(tree.size(), tree, heads, headSize));
                }
                long trust = 0;
                String trustNote;
                Path trustDir = TrustLedger.directory(dataDir);
                if (!Files.isDirectory(trustDir)) {
                    trustNote = "no trust ledger in " + dataDir;
                } else {
                    trust = copyTrust(c, store, trustDir, instance);
                    trustNote = trust + " trust ledger record(s) imported";
                }
                c.commit();
                return new Result(records, heads, key == null ? null : key.keyId(), trust, trustNote);
            } catch (IOException | SQLException | RuntimeException failed) {
                c.rollback();
                throw failed;
            }
        } catch (SQLException e) {
            throw new IOException("importing into " + store.describe() + " failed (" + e.getMessage() + "); nothing was"
                    + " imported", e);
        }
    }

    /** Copies a file log into a table, index for index; hashes the records into {@code tree} when given. */
    private static long copy(Connection c, String schema, Path dir, String name, String table, String instance,
                             MerkleFrontier tree) throws IOException, SQLException {
        if (!Files.exists(dir.resolve(name + "-00000000000000000000.seg"))) {
            return 0;
        }
        long n = 0;
        try (RecordLog log = RecordLog.open(dir, name, RecordLog.Options.defaults().withReadOnly(true));
             LogCursor cursor = log.read(0);
             PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + "." + table
                     + " (idx, payload, instance) VALUES (?, ?, ?)")) {
            while (cursor.hasNext()) {
                var r = cursor.next();
                ps.setLong(1, r.index());
                ps.setBytes(2, r.payload());
                ps.setString(3, instance);
                ps.addBatch();
                if (tree != null) {
                    tree.append(MerkleHash.leaf(r.payload()));
                }
                if (++n % BATCH == 0) {
                    ps.executeBatch();
                }
            }
            ps.executeBatch();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return n;
    }

    private static long copyTrust(Connection c, PostgresStore store, Path trustDir, String instance)
            throws IOException, SQLException {
        String table = store.schema() + ".log_record";
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + table + " WHERE log = ?")) {
            ps.setString(1, TrustLedger.NAME);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getLong(1) > 0) {
                    throw new IOException("the shared trust ledger in " + store.describe() + " already holds "
                            + rs.getLong(1) + " record(s): a trust ledger is imported only into an empty one");
                }
            }
        }
        List<byte[]> payloads = new ArrayList<>();
        try (RecordLog log = RecordLog.open(trustDir, TrustLedger.NAME, RecordLog.Options.defaults().withReadOnly(true))) {
            if (log.firstIndex() > 0) {
                throw new IOException("the trust ledger in " + trustDir + " starts at record " + log.firstIndex()
                        + " (older records were archived after a snapshot): the shared ledger has no snapshot, so it"
                        + " cannot be imported; nothing was imported");
            }
            try (LogCursor cursor = log.read(0)) {
                while (cursor.hasNext()) {
                    payloads.add(cursor.next().payload());
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (log, idx, payload, instance)"
                + " VALUES (?, ?, ?, ?)")) {
            long idx = 0;
            for (byte[] p : payloads) {
                ps.setString(1, TrustLedger.NAME);
                ps.setLong(2, idx++);
                ps.setBytes(3, p);
                ps.setString(4, instance);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        return payloads.size();
    }
}
