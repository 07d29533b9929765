package org.agenthypervisor.core.store.postgres;

import org.agenthypervisor.core.audit.AuditLog;
import org.agenthypervisor.core.audit.AuditVerifier;
import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.crypto.PublicKey;
import org.agenthypervisor.core.liability.TrustLedger;
import org.agenthypervisor.core.merkle.MerkleFrontier;
import org.agenthypervisor.core.merkle.MerkleHash;
import org.agenthypervisor.core.saga.JournalExport;
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
 * the same records).
 *
 * <p>The saga journal is imported too, so that the directory's unfinished sagas are not left to nobody
 * (no JVM runs on the directory any more) and {@code saga list --store} keeps the history. Its records
 * are authenticated first with the directory's key, as {@code saga list --data-dir} does, and the
 * journal is refused if any record does not verify or it is damaged ({@link JournalExport}): the
 * shared journal stores records unsealed, so they can never be checked again. Every saga, finished or
 * not, becomes a row of {@code saga} with its records in journal order in {@code saga_record}, under
 * the same id, with the state PostgresSagaLog would have set. Their owner is the instance
 * {@code import:<dir>}, which holds no lease: a live JVM of the application takes the unfinished ones
 * over at once ({@code takeExpired}) and compensates them, exactly once, as it would a dead JVM's. The
 * {@code saga_number} sequence is moved past the highest number the journal mentions, so a new saga
 * never gets an imported id. Only into empty saga tables.
 */
public final class SharedImport {
    private static final int BATCH = 1_000;

    private SharedImport() {
    }

    /** Saga numbers are reserved in blocks of this many (the step of the saga_number sequence, Migrations). */
    private static final long SAGA_NUMBER_STEP = 100;

    /**
     * What was imported.
     *
     * @param sagas           sagas imported (0 when the directory has no saga journal)
     * @param unfinishedSagas of those, the ones a live JVM of the application takes over and compensates
     * @param sagaNote        what the saga import should tell the operator besides the counts, or null
     */
    public record Result(long auditRecords, long auditHeads, String keyId, long trustRecords, String trustNote,
                         long sagas, long unfinishedSagas, String sagaNote) {
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
        // Read and authenticated before anything is written: a journal that cannot be trusted whole is refused.
        JournalExport.Export sagas = JournalExport.read(dataDir, keysDir);
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
                if (sagas != null) {
                    copySagas(c, store, sagas, instance);
                }
                c.commit();
                return new Result(records, heads, key == null ? null : key.keyId(), trust, trustNote,
                        sagas == null ? 0 : sagas.sagas().size(), sagas == null ? 0 : sagas.unfinished(),
                        sagas == null ? null : sagas.note());
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

    /**
     * Writes every saga of the file journal into the shared journal's tables, owned by {@code instance}
     * (no lease: live JVMs take its unfinished sagas over), and moves the id sequence past them.
     */
    private static void copySagas(Connection c, PostgresStore store, JournalExport.Export export, String instance)
            throws IOException, SQLException {
        String schema = store.schema();
        try (var st = c.createStatement()) {
            // A JVM beginning a saga meanwhile waits for this transaction, and then finds the ids taken.
            st.execute("LOCK TABLE " + schema + ".saga, " + schema + ".saga_record IN SHARE ROW EXCLUSIVE MODE");
            try (ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM " + schema + ".saga), (SELECT count(*) FROM "
                    + schema + ".saga_record)")) {
                rs.next();
                if (rs.getLong(1) > 0 || rs.getLong(2) > 0) {
                    throw new IOException("the shared saga journal in " + store.describe() + " already holds "
                            + rs.getLong(1) + " saga(s) and " + rs.getLong(2) + " record(s): a saga journal is imported"
                            + " only into an empty one (its saga ids must stay unique)");
                }
            }
        }
        try (PreparedStatement sagaRow = c.prepareStatement("INSERT INTO " + schema + ".saga (id, owner, epoch, state,"
                + " name, began_at, ended_at) VALUES (?, ?, 1, ?, ?, to_timestamp(? / 1000.0),"
                + " CASE WHEN ? >= 0 THEN to_timestamp(? / 1000.0) END)");
             PreparedStatement recordRow = c.prepareStatement("INSERT INTO " + schema + ".saga_record (saga, type, step,"
                     + " epoch, instance, payload, written_at) VALUES (?, ?, ?, 1, ?, ?, to_timestamp(? / 1000.0))")) {
            long pending = 0;
            for (JournalExport.Saga saga : export.sagas()) {
                sagaRow.setString(1, saga.id());
                sagaRow.setString(2, instance);
                sagaRow.setString(3, saga.sharedState());
                sagaRow.setString(4, saga.name());
                sagaRow.setLong(5, saga.began());
                sagaRow.setLong(6, saga.ended());
                sagaRow.setLong(7, saga.ended());
                sagaRow.addBatch();
                // seq follows insertion: each saga's records stay in journal order.
                for (JournalExport.Record r : saga.records()) {
                    recordRow.setString(1, saga.id());
                    recordRow.setString(2, r.type());
                    recordRow.setString(3, r.step());
                    recordRow.setString(4, instance);
                    recordRow.setBytes(5, r.json());
                    recordRow.setLong(6, r.time());
                    recordRow.addBatch();
                    if (++pending % BATCH == 0) {
                        sagaRow.executeBatch();
                        recordRow.executeBatch();
                    }
                }
            }
            sagaRow.executeBatch();
            recordRow.executeBatch();
        }
        long highest = export.highestNumber();
        if (highest > 0) {
            // The next block a JVM reserves starts above every imported number (kept on the sequence's grid:
            // 1, 101, 201, ...). setval is not undone by a rollback, so it comes last; a failed import then
            // only skips numbers.
            long aligned = (highest - 1) / SAGA_NUMBER_STEP * SAGA_NUMBER_STEP + 1;
            try (PreparedStatement ps = c.prepareStatement("SELECT setval('" + schema + ".saga_number', greatest(?,"
                    + " (SELECT last_value FROM " + schema + ".saga_number)), true)")) {
                ps.setLong(1, aligned);
                ps.executeQuery().close();
            }
        }
    }
}
