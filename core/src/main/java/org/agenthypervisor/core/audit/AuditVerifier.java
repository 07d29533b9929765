package org.agenthypervisor.core.audit;

import org.agenthypervisor.core.crypto.PublicKey;
import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.merkle.MerkleFrontier;
import org.agenthypervisor.core.merkle.MerkleHash;
import org.agenthypervisor.core.store.CorruptLogException;
import org.agenthypervisor.core.store.LogCursor;
import org.agenthypervisor.core.store.LogRecord;
import org.agenthypervisor.core.store.OpenReport;
import org.agenthypervisor.core.store.RecordLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code audit verify}: checks an audit directory strictly read-only (both logs are opened read-only:
 * nothing is locked, cut, created or written), and stops at the first problem.
 *
 * <p>It reads every record (each frame's CRC32C is checked by the store), checks that each is a JSON
 * object whose {@code seq} is its index, recomputes every leaf and the tree, and at each signed tree
 * head's size checks the head's Ed25519 signature and that its root equals the recomputed root. It
 * recomputes the Merkle root of every closed session's deltas and compares it with the
 * {@code session.closed} record and with the tree head signed for that session. A torn tail, which a
 * read-write open would cut after a crash, is a failure here: the record there cannot be checked.
 *
 * <p>What each kind of tampering looks like:
 * <ul>
 *   <li>a changed byte: the frame's CRC fails (the store names the record); if the CRC was fixed too,
 *   the first signed head above the record has the wrong root;</li>
 *   <li>records swapped, removed or inserted: {@code seq} no longer equals the index;</li>
 *   <li>records cut from the end: a signed head covers more records than the log holds;</li>
 *   <li>a forged or re-signed head: its signature fails with the (pinned) public key.</li>
 * </ul>
 * An edit of records not yet covered by any head, with the CRC fixed and {@code seq} kept, cannot be
 * detected by anything in the directory; the report says how many records that concerns, and
 * {@link Coverage} refuses more of them than a running or crashed writer can leave (deleting the heads
 * makes every record such a record).
 *
 * <h2>A log whose older segments were archived</h2>
 * When the live log starts at record {@code F > 0} (retention moved records {@code [0, F)} to an
 * archive), the live records are proven from the signed checkpoint of size exactly {@code F}: a tree
 * head with the Merkle frontier at that size, whose signature verifies and whose frontier folds to its
 * root. The tree is extended from that frontier over the live records, and every later head must
 * match it: each is shown to be an extension of the checkpoint (consistency across the cut). The live
 * part must also hold the {@code audit.archived} record that retention writes before it cuts, naming
 * {@code F}. Heads below the cut have their signatures checked; their roots cannot be without the
 * records. A live log that starts where no valid checkpoint is (segments deleted and
 * {@code audit.start} forged) does not verify. With an archive directory, records {@code [0, F)} are
 * read from it and the whole log is proven from record 0 as if nothing had been archived.
 */
public final class AuditVerifier {

    /** The first problem found. {@code record} is the index of the bad record, or -1 if it is not one record. */
    public record Failure(long record, String message) {
    }

    /**
     * What was verified.
     *
     * @param records        records read and checked
     * @param heads          signed tree heads checked
     * @param keyId          the key the heads were checked with, or null when there were none
     * @param lastHead       the last tree head, or null
     * @param uncovered      records after the last head's size (not yet covered by a signature)
     * @param sessions       closed sessions whose delta roots were recomputed and matched
     * @param failure        the first problem, or null if everything checked out
     * @param lossRecords    {@code audit.records-lost} records read: gaps the log states
     * @param lostRecorded   the records they say were lost
     * @param owed           a loss counted while the log could not write and not yet recorded in it
     *                       ({@code <dataDir>/audit/lost}), or null
     * @param cut            the first live record: records below it were archived (0: none)
     * @param archiveRead    whether the archived records {@code [0, cut)} were read and checked too
     * @param headsBelowCut  heads of a size below the cut whose signatures were checked but whose roots
     *                       could not be (their records are archived and were not read)
     * @param sessionsAcrossCut closed sessions whose deltas began before the cut (not recomputed)
     */
    public record Report(long records, int heads, String keyId, TreeHead lastHead, long uncovered, int sessions,
                         Failure failure, int lossRecords, long lostRecorded, LostRecords.Loss owed, long cut,
                         boolean archiveRead, int headsBelowCut, int sessionsAcrossCut) {
        public boolean ok() {
            return failure == null;
        }

        /** The records actually read and checked. */
        public long recordsChecked() {
            return archiveRead ? records : Math.max(0, records - cut);
        }
    }

    /**
     * How many records a log may hold that no signed tree head covers, and still verify. Nothing in the
     * directory can tell such records from rewritten ones, and deleting the heads log (or its tail)
     * turns covered records into uncovered ones; so the default fails closed: a log with records and no
     * head at all is refused, and so are more uncovered records than one tree-head interval leaves.
     *
     * @param allowUnsigned  accept a log with records and no signed tree head (a JVM that crashed, or is
     *                       still running, before its first head)
     * @param allowUncovered the most records after the last head (all records when there is none) that
     *                       are accepted
     */
    public record Coverage(boolean allowUnsigned, long allowUncovered) {
        /**
         * The default bound: {@code audit.treeHeadEvery}'s default (1000) plus one batch (4096). A live
         * writer signs a head every that many records (and every {@code audit.treeHeadInterval}, and at
         * shutdown), and signs the heads due in a batch once the batch is forced, so a running or crashed
         * writer leaves fewer uncovered than this; a clean shutdown leaves none.
         */
        public static final long DEFAULT_UNCOVERED = 1000 + AuditLog.MAX_BATCH;

        public Coverage {
            if (allowUncovered < 0) {
                throw new IllegalArgumentException("the number of uncovered records allowed must be >= 0, not " + allowUncovered);
            }
        }

        public static Coverage defaults() {
            return new Coverage(false, DEFAULT_UNCOVERED);
        }

        /** Why the report's uncovered records are refused, or null if they are accepted. */
        public String refusal(Report r) {
            if (r.records() > 0 && r.lastHead() == null && !allowUnsigned) {
                return r.records() + " record(s) and no signed tree head: nothing in this log is signed, so records"
                        + " rewritten with their CRC recomputed, or a deleted tree head log, cannot be told from the"
                        + " original; refused";
            }
            if (r.uncovered() > allowUncovered) {
                String after = r.lastHead() == null ? "none of the " + r.records() + " record(s) is covered by a signed"
                        + " tree head"
                        : r.uncovered() + " record(s) after the last signed tree head (size " + r.lastHead().size()
                        + ", signed " + r.lastHead().time() + ", reason " + r.lastHead().reason() + ") are covered by no"
                        + " signature";
                return after + "; at most " + allowUncovered + " are accepted (a running writer signs a head every"
                        + " audit.treeHeadEvery records, default 1000, once the batch holding them, at most "
                        + AuditLog.MAX_BATCH + " records, is forced, every audit.treeHeadInterval and at shutdown; more"
                        + " means tree heads were deleted or signing failed, and those records could have been rewritten);"
                        + " refused";
            }
            return null;
        }
    }

    /** A problem that stops verification. */
    static final class Stop extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Failure failure;

        Stop(long record, String message) {
            super(message, null, false, false);
            this.failure = new Failure(record, message);
        }
    }

    private final Path auditDir;
    private final PublicKey key;
    private final Path archiveDir;
    /** The shared store's rows and key directory, instead of files (then auditDir, key and archiveDir are null). */
    private final AuditRows rows;
    private final Map<String, PublicKey> keyring;
    private final List<TreeHead> heads = new ArrayList<>();
    private MerkleFrontier tree = new MerkleFrontier();
    /** The first live record; whether records below it are read from the archive. */
    private long cut;
    private boolean archiveRead;
    /** Live-only: whether an audit.archived record states the cut; sessions opened in the live part. */
    private boolean cutStated;
    private final java.util.Set<String> openedLive = new java.util.HashSet<>();
    private final java.util.Set<String> acrossCut = new java.util.HashSet<>();
    private int headsBelowCut;
    /** The registered keys that signed the heads checked (shared store only). */
    private final java.util.Set<String> keysUsed = new java.util.TreeSet<>();
    private final Map<String, SessionRoot> openSessions = new HashMap<>();
    private final Map<String, String> closedRoots = new HashMap<>();
    private int nextHead;
    private int headsChecked;
    private int sessions;
    private long records;
    private int lossRecords;
    private long lostRecorded;

    private AuditVerifier(Path auditDir, PublicKey key, Path archiveDir) {
        this.auditDir = auditDir;
        this.key = key;
        this.archiveDir = archiveDir;
        this.rows = null;
        this.keyring = null;
    }

    private AuditVerifier(AuditRows rows, Map<String, PublicKey> keyring) {
        this.auditDir = null;
        this.key = null;
        this.archiveDir = null;
        this.rows = rows;
        this.keyring = keyring;
    }

    /**
     * Verifies an audit log kept as rows (the shared store) exactly as a directory is verified, with
     * these differences: a head verifies with whichever registered key its {@code keyId} names (each
     * JVM signs with its own; a key never leaves the directory, so a rotated key stays valid for what
     * it signed), and a missing index (a deleted row) is named as such. Nothing is written.
     */
    public static Report verify(AuditRows rows) throws IOException {
        return new AuditVerifier(rows, rows.keys()).run();
    }

    /** The tree heads of rows, read without checking them. */
    public static List<TreeHead> readHeads(AuditRows rows) throws IOException {
        AuditVerifier v = new AuditVerifier(rows, Map.of());
        try {
            v.loadHeads();
        } catch (Stop stop) {
            throw new IOException(stop.getMessage());
        }
        return v.heads;
    }

    /**
     * Verifies {@code <dataDir>/audit}.
     *
     * @param key the hypervisor's public key to check tree heads with; may be null only if there are
     *            no tree heads (otherwise that is a failure)
     * @throws NoSuchFileException if there is no audit directory
     */
    public static Report verify(Path auditDir, PublicKey key) throws IOException {
        return verify(auditDir, key, null);
    }

    /**
     * Verifies {@code <dataDir>/audit}, reading the records archived by retention from
     * {@code archiveDir} (null: prove the live part from its checkpoint only).
     *
     * @throws NoSuchFileException if there is no audit directory, or no such archive directory
     */
    public static Report verify(Path auditDir, PublicKey key, Path archiveDir) throws IOException {
        if (!Files.isDirectory(auditDir)) {
            throw new NoSuchFileException(auditDir.toString(), null, "no audit log directory");
        }
        if (archiveDir != null && !Files.isDirectory(archiveDir)) {
            throw new NoSuchFileException(archiveDir.toString(), null, "no archive directory");
        }
        return new AuditVerifier(auditDir, key, archiveDir).run();
    }

    /** Reads the tree heads of an audit directory read-only, without checking them. */
    public static List<TreeHead> readHeads(Path auditDir) throws IOException {
        AuditVerifier v = new AuditVerifier(auditDir, null, null);
        try {
            v.loadHeads();
        } catch (Stop stop) {
            throw new IOException(stop.getMessage());
        }
        return v.heads;
    }

    private Report run() throws IOException {
        Failure failure = null;
        try {
            loadHeads();
            scanRecords();
        } catch (Stop stop) {
            failure = stop.failure;
        }
        TreeHead last = heads.isEmpty() ? null : heads.get(heads.size() - 1);
        long uncovered = last == null ? records : Math.max(0, records - last.size());
        String keyId = keyring != null ? (keysUsed.isEmpty() ? null : String.join(", ", keysUsed))
                : key == null ? null : key.keyId();
        return new Report(records, headsChecked, keyId, last, uncovered, sessions, failure,
                lossRecords, lostRecorded, rows != null ? null : LostRecords.owed(auditDir), cut, archiveRead, headsBelowCut,
                acrossCut.size());
    }

    private static RecordLog openReadOnly(Path dir, String name) throws IOException {
        return RecordLog.open(dir, name, RecordLog.Options.defaults().withReadOnly(true));
    }

    private void loadHeads() throws IOException, Stop {
        if (rows != null) {
            try {
                java.util.Iterator<LogRecord> it = rows.heads();
                long expected = 0;
                while (it.hasNext()) {
                    LogRecord r = it.next();
                    if (r.index() != expected) {
                        throw new Stop(-1, "tree head #" + expected + " is missing from " + rows.describe() + " (the next"
                                + " row is #" + r.index() + "): a row was deleted");
                    }
                    addHead(r);
                    expected++;
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            return;
        }
        RecordLog log;
        try {
            log = openReadOnly(auditDir, AuditLog.HEADS);
        } catch (CorruptLogException corrupt) {
            throw new Stop(-1, "the tree head log is damaged: " + corrupt.getMessage());
        }
        try (log) {
            OpenReport report = log.openReport();
            try (LogCursor cursor = log.read(0)) {
                while (cursor.hasNext()) {
                    addHead(cursor.next());
                }
            } catch (UncheckedIOException e) {
                throw new Stop(-1, "the tree head log is damaged: " + e.getCause().getMessage());
            }
            if (report.tornTail()) {
                throw new Stop(-1, "tree head #" + report.recordsRecovered() + " is torn or damaged at byte offset "
                        + report.cutOffset() + " of " + report.cutFile() + " (" + report + "); a crash while signing can"
                        + " leave this, but it cannot be checked");
            }
        }
    }

    private void addHead(LogRecord r) throws Stop {
        TreeHead head;
        try {
            head = TreeHead.fromJson(r.payload());
        } catch (IllegalArgumentException malformed) {
            throw new Stop(-1, "tree head #" + r.index() + " is malformed: " + malformed.getMessage());
        }
        if (!heads.isEmpty() && head.size() < heads.get(heads.size() - 1).size()) {
            throw new Stop(-1, "tree head #" + r.index() + " (size " + head.size() + ") is smaller than the head"
                    + " before it (size " + heads.get(heads.size() - 1).size()
                    + "): tree heads were reordered, replaced or inserted");
        }
        heads.add(head);
    }

    /** The shared store's records: the same checks as a file's, and a missing index is a deleted row. */
    private void scanRows() throws IOException, Stop {
        try {
            java.util.Iterator<LogRecord> it = rows.records();
            while (it.hasNext()) {
                LogRecord r = it.next();
                if (r.index() != records) {
                    throw new Stop(records, "record " + records + " is missing from " + rows.describe() + " (the next row"
                            + " is record " + r.index() + "): a row was deleted; the shared audit log is never rewritten");
                }
                headsAt(r.index());
                check(r);
                records = r.index() + 1;
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        headsAt(records);
        if (nextHead < heads.size()) {
            int last = heads.size() - 1;
            TreeHead h = heads.get(last);
            throw new Stop(records, "records " + records + ".." + (h.size() - 1) + " are missing: tree head #" + last
                    + " (signed " + h.time() + ", reason " + h.reason() + ") covers " + h.size()
                    + " records but " + rows.describe() + " holds only " + records + "; rows were deleted from under a"
                    + " signed tree head");
        }
    }

    private void scanRecords() throws IOException, Stop {
        if (rows != null) {
            scanRows();
            return;
        }
        RecordLog log;
        try {
            log = openReadOnly(auditDir, AuditLog.RECORDS);
        } catch (CorruptLogException corrupt) {
            throw new Stop(corrupt.recordIndex(), describe(corrupt));
        }
        try (log) {
            cut = log.firstIndex();
            records = cut;
            if (cut > 0) {
                if (archiveDir != null) {
                    scanArchive();
                } else {
                    startFromCheckpoint();
                }
            }
            try (LogCursor cursor = log.read(cut)) {
                while (cursor.hasNext()) {
                    LogRecord r = cursor.next();
                    headsAt(r.index());
                    check(r);
                    records = r.index() + 1;
                }
            } catch (UncheckedIOException e) {
                if (e.getCause() instanceof CorruptLogException corrupt) {
                    throw new Stop(corrupt.recordIndex(), describe(corrupt));
                }
                throw e.getCause();
            }
            headsAt(records);
            if (cut > 0 && !archiveRead && !cutStated) {
                throw new Stop(cut, "the live log starts at record " + cut + " and a signed checkpoint of that size exists,"
                        + " but no audit.archived record in the live log states a cut at " + cut + " (retention writes one,"
                        + " covered by a signed head, before it archives): records 0.." + (cut - 1) + " were removed by"
                        + " something other than retention; give --archive DIR to check them");
            }
            OpenReport report = log.openReport();
            if (report.tornTail()) {
                throw new Stop(records, "record " + records + " (byte offset " + report.cutOffset() + " of "
                        + report.cutFile() + ") is damaged or incomplete: " + tear(report) + ". A crash while writing can"
                        + " leave this and a read-write open would cut it, but for verification it is a failure: the"
                        + " record cannot be checked");
            }
            if (nextHead < heads.size()) {
                int last = heads.size() - 1;
                TreeHead h = heads.get(last);
                throw new Stop(records, "records " + records + ".." + (h.size() - 1) + " are missing: tree head #" + last
                        + " (signed " + h.time() + ", reason " + h.reason() + ") covers " + h.size()
                        + " records but the log holds only " + records + "; records were cut from under a signed tree head");
            }
        }
    }

    /** Reads the archived records {@code [0, cut)} from the archive directory, checking them as live ones. */
    private void scanArchive() throws IOException, Stop {
        RecordLog archive;
        try {
            archive = openReadOnly(archiveDir, AuditLog.RECORDS);
        } catch (CorruptLogException corrupt) {
            throw new Stop(corrupt.recordIndex(), "in the archive " + archiveDir + ": " + describe(corrupt));
        }
        try (archive) {
            if (archive.firstIndex() > 0 || archive.size() < cut) {
                throw new Stop(Math.min(archive.size(), cut), "the archive " + archiveDir + " holds records "
                        + archive.firstIndex() + ".." + (archive.size() - 1) + " but the live log starts at record " + cut
                        + ": records " + (archive.firstIndex() > 0 ? 0 : archive.size()) + ".."
                        + (archive.firstIndex() > 0 ? archive.firstIndex() - 1 : cut - 1) + " are in neither");
            }
            records = 0;
            try (LogCursor cursor = archive.read(0)) {
                while (cursor.hasNext() && records < cut) {
                    LogRecord r = cursor.next();
                    headsAt(r.index());
                    check(r);
                    records = r.index() + 1;
                }
            } catch (UncheckedIOException e) {
                if (e.getCause() instanceof CorruptLogException corrupt) {
                    throw new Stop(corrupt.recordIndex(), "in the archive " + archiveDir + ": " + describe(corrupt));
                }
                throw e.getCause();
            }
            if (records < cut) {
                throw new Stop(records, "the archive " + archiveDir + " ends at record " + records + " but the live log"
                        + " starts at record " + cut);
            }
            archiveRead = true;
        }
    }

    /**
     * Without the archive: checks the signatures of the heads below the cut, then starts the tree from the
     * signed checkpoint of size exactly {@code cut}, whose frontier must fold to its root.
     */
    private void startFromCheckpoint() throws Stop {
        while (nextHead < heads.size() && heads.get(nextHead).size() < cut) {
            checkSignature(nextHead, heads.get(nextHead));
            headsBelowCut++;
            headsChecked++;
            nextHead++;
        }
        String problem = "no tree head has size " + cut;
        for (int i = nextHead; i < heads.size() && heads.get(i).size() == cut; i++) {
            TreeHead h = heads.get(i);
            if (!h.isCheckpoint()) {
                problem = "the tree head(s) of size " + cut + " carry no frontier";
                continue;
            }
            checkSignature(i, h);
            if (!h.frontierMatchesRoot()) {
                throw new Stop(-1, "tree head #" + i + " (size " + cut + ") is signed but its frontier does not fold to its"
                        + " signed root: it cannot prove the records after the cut");
            }
            tree = h.toFrontier();
            return;
        }
        throw new Stop(cut, "the live log starts at record " + cut + " (records 0.." + (cut - 1) + " are not in it), but"
                + " no signed checkpoint has that size (" + problem + "): retention cuts only at a signed checkpoint, so"
                + " segments were deleted and the log's start was rewritten; give --archive DIR if the records were"
                + " archived");
    }

    private static String tear(OpenReport report) {
        String m = report.message();
        int open = m.lastIndexOf(" (");
        int close = m.indexOf(')', open);
        return open >= 0 && close > open ? m.substring(open + 2, close) : m;
    }

    private static String describe(CorruptLogException corrupt) {
        String m = corrupt.getMessage();
        String reason = m.substring(m.lastIndexOf(": ") + 2);
        String where = "byte offset " + corrupt.offset() + " of " + corrupt.file();
        if (corrupt.recordIndex() < 0) {
            return "the audit log is damaged at " + where + ": " + reason;
        }
        return "record " + corrupt.recordIndex() + " (" + where + ") is damaged: " + reason
                + "; the record was changed after it was written";
    }

    /** Checks every head whose size is {@code size}, against the tree of the first {@code size} records. */
    private void headsAt(long size) throws Stop {
        while (nextHead < heads.size() && heads.get(nextHead).size() == size) {
            TreeHead h = heads.get(nextHead);
            String which = checkSignature(nextHead, h);
            byte[] root = tree.root();
            if (!MessageDigest.isEqual(root, h.root())) {
                long from = nextHead == 0 ? 0 : heads.get(nextHead - 1).size();
                long to = h.size() - 1;
                String range = from == to ? "record " + to : "one of records " + from + ".." + to;
                throw new Stop(from == to ? to : from, which + " does not match the records: signed root " + h.rootHex()
                        + ", recomputed " + HexFormat.of().formatHex(root) + "; " + range
                        + " was changed (with its CRC recomputed), replaced or reordered after it was signed");
            }
            if (h.isCheckpoint() && !h.frontierMatchesRoot()) {
                throw new Stop(-1, which + " matches the records but its frontier does not fold to its root: the"
                        + " frontier was altered (it is signed, so by the holder of the key)");
            }
            String session = h.sessionId();
            boolean liveOnly = cut > 0 && !archiveRead;
            if (session != null && liveOnly && !closedRoots.containsKey(session) && !openedLive.contains(session)) {
                acrossCut.add(session); // closed before the cut: its deltas are archived
            }
            if (session != null && !acrossCut.contains(session)) {
                String signed = h.subject().get("root") instanceof String s ? s : null;
                String recomputed = closedRoots.get(session);
                if (recomputed == null || !recomputed.equals(signed)) {
                    throw new Stop(-1, which + " commits session " + session + " with delta root " + signed
                            + ", but the log's deltas of that session give " + recomputed);
                }
            }
            headsChecked++;
            nextHead++;
        }
    }

    /** Checks a head's key and signature; returns how to name it. */
    private String checkSignature(int index, TreeHead h) throws Stop {
        String which = "tree head #" + index + " (size " + h.size() + ", signed " + h.time() + ", reason "
                + h.reason() + ")";
        if (keyring != null) {
            PublicKey registered = keyring.get(h.keyId());
            if (registered == null) {
                throw new Stop(-1, which + " names key " + h.keyId() + ", which is not registered in the key directory of "
                        + rows.describe() + ": it was signed by another key (forged or re-signed)");
            }
            if (!h.verify(registered)) {
                throw new Stop(-1, which + ": the signature does not verify with the registered key " + h.keyId()
                        + ": the head was forged or altered");
            }
            keysUsed.add(h.keyId());
            return which;
        }
        if (key == null) {
            throw new Stop(-1, which + " cannot be checked: no public key (give the hypervisor's public key, or the"
                    + " key directory that holds " + AuditLog.KEY_ID + ".pub)");
        }
        if (!h.keyId().equals(key.keyId())) {
            throw new Stop(-1, which + " names key " + h.keyId() + ", not the hypervisor's key " + key.keyId()
                    + ": it was signed by another key (forged or re-signed)");
        }
        if (!h.verify(key)) {
            throw new Stop(-1, which + ": the signature does not verify with key " + key.keyId()
                    + ": the head was forged or altered");
        }
        return which;
    }

    @SuppressWarnings("unchecked")
    private void check(LogRecord r) throws Stop {
        long i = r.index();
        Object parsed;
        try {
            parsed = CanonicalJson.parse(r.payload());
        } catch (IllegalArgumentException malformed) {
            throw new Stop(i, "record " + i + " is not valid JSON (" + malformed.getMessage() + ")");
        }
        if (!(parsed instanceof Map)) {
            throw new Stop(i, "record " + i + " is not a JSON object");
        }
        Map<String, Object> record = (Map<String, Object>) parsed;
        Object seq = record.get("seq");
        if (!(seq instanceof Long) || (Long) seq != i) {
            throw new Stop(i, "record " + i + " has seq " + seq + ": records were reordered, removed or inserted"
                    + " (each record's seq is its index in the log)");
        }
        if (!(record.get("type") instanceof String type)) {
            throw new Stop(i, "record " + i + " has no type");
        }
        tree.append(MerkleHash.leaf(r.payload()));
        if (type.equals("audit.records-lost")) {
            lossRecords++;
            lostRecorded += record.get("lost") instanceof Number n ? n.longValue() : 0;
        }
        boolean liveOnly = cut > 0 && !archiveRead;
        if (liveOnly && type.equals("audit.archived") && record.get("before") instanceof Long before && before == cut) {
            cutStated = true;
        }
        if (liveOnly && type.equals("session.opened")) {
            openedLive.add(String.valueOf(record.get("session")));
        }
        if (liveOnly && (type.equals("session.delta") || type.equals("session.closed"))) {
            String session = String.valueOf(record.get("session"));
            if (acrossCut.contains(session) || !openedLive.contains(session) && !openSessions.containsKey(session)) {
                // Opened before the cut: its earlier deltas are archived, so its root cannot be recomputed here.
                acrossCut.add(session);
                return;
            }
        }
        if (type.equals("session.delta")) {
            delta(i, record);
        } else if (type.equals("session.closed")) {
            closed(i, record);
        }
    }

    private void delta(long i, Map<String, Object> record) throws Stop {
        String session = String.valueOf(record.get("session"));
        SessionRoot s = openSessions.computeIfAbsent(session, k -> new SessionRoot());
        Object sequence = record.get("sequence");
        if (!(sequence instanceof Long) || (Long) sequence != s.deltas.size() + 1) {
            throw new Stop(i, "record " + i + " is delta " + sequence + " of session " + session + ", expected delta "
                    + (s.deltas.size() + 1) + ": deltas were removed, reordered or inserted");
        }
        s.deltas.appendRecord(SessionDeltas.deltaBytes(record));
    }

    private void closed(long i, Map<String, Object> record) throws Stop {
        String session = String.valueOf(record.get("session"));
        SessionRoot s = openSessions.remove(session);
        MerkleFrontier deltas = s == null ? new MerkleFrontier() : s.deltas;
        String recomputed = HexFormat.of().formatHex(deltas.root());
        if (!Objects.equals(record.get("root"), recomputed)
                || !(record.get("deltas") instanceof Long n) || n != deltas.size()) {
            throw new Stop(i, "record " + i + " closes session " + session + " with " + record.get("deltas") + " deltas and root "
                    + record.get("root") + ", but the log holds " + deltas.size() + " deltas of it with root " + recomputed);
        }
        closedRoots.put(session, recomputed);
        sessions++;
    }

    private static final class SessionRoot {
        final MerkleFrontier deltas = new MerkleFrontier();
    }
}
