package org.agenthypervisor.core.store.postgres;

import org.agenthypervisor.core.audit.AuditLog;
import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.audit.AuditUnavailableException;
import org.agenthypervisor.core.audit.TreeHead;
import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.crypto.SigningKey;
import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.merkle.MerkleFrontier;
import org.agenthypervisor.core.merkle.MerkleHash;
import org.agenthypervisor.core.policy.Policy;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The audit log of every JVM of an application, on the shared store (issue 13 items 4-5): one global
 * order of records and one Merkle tree over them, in the tables of {@link AuditTables}.
 *
 * <h2>Writing</h2>
 * Callers queue a record, encoded on their own thread as in the file log ({@link AuditLog}), with one
 * more member, {@code jvm}: {@code {"host":…,"instance":…,"pid":…}}. One writer thread per JVM commits
 * what has queued in one transaction (group commit: records arriving while a commit is in flight share
 * the next one): it locks the tree row, gives the records the next indexes as their {@code seq},
 * inserts them, extends the tree's right edge and writes it back. So indexes have no gaps whichever
 * JVM wrote them, and no JVM reads the others' records to extend the tree. Under
 * {@code audit.durability: fsync} a call returns once the transaction holding its record committed;
 * {@code batch} commits the same way without making the caller wait; {@code none} commits with
 * {@code synchronous_commit = off}.
 *
 * <h2>Tree heads and the signer role</h2>
 * Each JVM signs with its own key (the key {@value AuditLog#KEY_ID} of its key directory), registered in
 * {@code key_directory} at open. Periodic heads ({@code every} {@code audit.treeHeadEvery} records,
 * {@code interval}) are signed by whichever JVM holds the signer role, a session-level advisory lock
 * on its own connection: when that JVM dies its connection ends, the lock is free, and another JVM
 * takes it within a second and signs the next heads. Heads asked for by a JVM (a session's close,
 * its shutdown) are signed by that JVM. Every head is signed and inserted while holding the tree row,
 * so heads are in size order and each covers exactly the committed records below it.
 *
 * <h2>When the database cannot be written</h2>
 * A failed commit changes nothing (the transaction rolls back). The records of that batch that no
 * caller waits for stay queued and are written once the database is back (nothing acknowledged is
 * lost); the records a caller waits for ({@code fsync}) are counted as lost and, under
 * {@code audit.onWriteFailure: deny}, their calls are refused, as are new calls that must be audited
 * until a commit succeeds again. The first record after the outage is {@code audit.records-lost}
 * when anything was lost.
 */
public final class SharedAuditLog implements AuditTrail {
    private static final Log LOG = Log.get("audit");
    private static final int MAX_BATCH = 4_096;
    private static final int QUEUE_CAPACITY = 65_536;
    /** How often the writer looks at the tree (and the signer role) while idle. */
    private static final long IDLE_POLL_MILLIS = 100;
    private static final long SIGNER_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MAX_BACKOFF_MILLIS = 2_000;
    private static final long CLOSE_WAIT_SECONDS = 30;
    /** How long shutdown keeps asking whether an unanswered commit was applied. */
    private static final long IN_DOUBT_AT_CLOSE_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final PostgresStore store;
    private final String schema;
    private final SigningKey key;
    private final Map<String, Object> jvm;
    private final boolean fsync;
    private final boolean synchronousCommit;
    private final boolean refuseWhenFailed;
    private final int headEvery;
    private final long headNanos;
    private final long signerLockKey;
    private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>(QUEUE_CAPACITY);
    private final Thread writer;
    private final AtomicLong lostTotal = new AtomicLong();
    private volatile boolean closing;
    private volatile long closingNanos;
    private volatile SQLException failure;
    private volatile String failureSince;
    private volatile boolean signer;

    // Writer thread only.
    private Connection connection;
    private Connection signerConnection;
    private long nextSignerTry;
    private long lastSeenHeadSize = -1;
    private long lastHeadNanos = System.nanoTime();
    private long lost;
    private String lostSince;
    private String lostCause;
    private final List<Item> retry = new ArrayList<>();
    /** A batch whose commit went unanswered: settled before anything else is written. */
    private InDoubt inDoubt;

    private sealed interface Item permits Rec, Marker {
    }

    /** A record; {@code done} is non-null when its caller waits for the commit. */
    private record Rec(String type, CanonicalJson.Prepared prepared, String problem, long timeMillis,
                       CompletableFuture<Void> done) implements Item {
    }

    /** A flush ({@code reason} null), a head asked for, or the stop; completed after what was queued before it. */
    private record Marker(String reason, Map<String, Object> subject, boolean stop, CompletableFuture<TreeHead> done)
            implements Item {
    }

    /**
     * A batch whose {@code COMMIT} was sent but not answered (the connection broke, the server shut
     * down after committing): it may be in the log or not. Writing it again could put every record in
     * twice, and telling its callers it failed could refuse a call whose record is in the log, so
     * neither happens until the rows at its indexes say which.
     */
    private record InDoubt(List<Item> batch, long firstRecord, List<byte[]> records, long firstHead, List<byte[]> heads,
                           List<TreeHead> signed, long owed, SQLException cause) {
    }

    private static final class CommitUnanswered extends SQLException {
        private final transient InDoubt batch;

        CommitUnanswered(InDoubt batch) {
            super("the commit of " + batch.records().size() + " audit record(s) went unanswered ("
                    + batch.cause().getMessage() + ")", batch.cause().getSQLState(), batch.cause());
            this.batch = batch;
        }
    }

    private SharedAuditLog(PostgresStore store, SigningKey key, Policy.AuditSettings settings) {
        this.store = store;
        this.schema = store.schema();
        this.key = key;
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("host", store.host());
        j.put("instance", store.instance());
        j.put("pid", ProcessHandle.current().pid());
        this.jvm = Map.copyOf(j);
        this.fsync = settings.durability() == Policy.Durability.FSYNC;
        this.synchronousCommit = settings.durability() != Policy.Durability.NONE;
        this.refuseWhenFailed = settings.onWriteFailure() != Policy.OnWriteFailure.CONTINUE;
        this.headEvery = Math.max(1, settings.treeHeadEvery());
        this.headNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, settings.treeHeadMillis()));
        this.signerLockKey = PostgresStore.lockKey("audit-signer:" + schema);
        this.writer = new Thread(this::writeLoop, "agent-hypervisor-shared-audit-writer");
        this.writer.setDaemon(true);
    }

    /**
     * Opens this JVM's side of the shared audit log: loads (or creates) its signing key in
     * {@code keysDir}, registers the public key in the key directory, and starts the writer.
     *
     * @throws IOException if the key cannot be loaded or registered (fail closed: nothing could be signed)
     */
    static SharedAuditLog open(PostgresStore store, Path keysDir, Policy.AuditSettings settings) throws IOException {
        SigningKey key;
        try {
            key = KeyDirectory.open(keysDir).getOrCreate(AuditLog.KEY_ID);
        } catch (RuntimeException e) {
            throw new IOException("cannot load or create the signing key '" + AuditLog.KEY_ID + "' in " + keysDir
                    + " for the shared audit log: " + e.getMessage(), e);
        }
        try (Connection c = store.connect(PostgresStore.STATEMENT_TIMEOUT_SECONDS)) {
            AuditTables.registerKey(c, store.schema(), key.publicKey(), store.instance());
        } catch (SQLException e) {
            throw new IOException("cannot register this JVM's audit key " + key.keyId() + " in " + store.describe()
                    + ": " + e.getMessage(), e);
        }
        SharedAuditLog log = new SharedAuditLog(store, key, settings);
        log.writer.start();
        Map<String, Object> joined = new LinkedHashMap<>();
        joined.put("keyId", key.keyId());
        log.record("audit.jvm-joined", joined);
        return log;
    }

    /** This JVM's signing key id. */
    public String keyId() {
        return key.keyId();
    }

    /** Whether this JVM holds the signer role now. */
    public boolean isSigner() {
        return signer;
    }

    /** Every record lost since this log was opened. */
    public long lostRecordsTotal() {
        return lostTotal.get();
    }

    /** True while the database cannot be written. */
    public boolean failed() {
        return failure != null;
    }

    /** Where the log is, for messages. */
    public String describe() {
        return store.describe() + " (shared audit log)";
    }

    @Override
    public void record(String type, Map<String, Object> fields) {
        append(type, fields, true);
    }

    @Override
    public void recordBestEffort(String type, Map<String, Object> fields) {
        append(type, fields, false);
    }

    private void append(String type, Map<String, Object> fields, boolean mustAudit) {
        if (closing) {
            lostTotal.incrementAndGet();
            LOG.warn("audit log closed; a '" + type + "' record cannot be written: " + fields);
            if (mustAudit && refuseWhenFailed) {
                throw new AuditUnavailableException("'" + type + "' cannot be audited: the shared audit log in "
                        + store.describe() + " is closed (the JVM is shutting down); the call is refused", null);
            }
            return;
        }
        SQLException failed = failure;
        if (failed != null && mustAudit && refuseWhenFailed) {
            countLost(1, failed);
            throw refusal(type, failed);
        }
        CanonicalJson.Prepared prepared;
        String problem = null;
        try {
            Map<String, Object> members = new LinkedHashMap<>(fields);
            members.remove("seq");
            members.remove("time");
            members.remove("type");
            members.put("jvm", jvm);
            prepared = CanonicalJson.prepare(members);
        } catch (IllegalArgumentException unencodable) {
            prepared = null;
            problem = "its fields cannot be written as JSON: " + unencodable.getMessage();
        }
        CompletableFuture<Void> done = fsync ? new CompletableFuture<>() : null;
        if (!queue.offer(new Rec(type, prepared, problem, System.currentTimeMillis(), done))) {
            countLost(1, failed != null ? failed : new SQLException("the queue of " + QUEUE_CAPACITY + " records is full"));
            LOG.error("shared audit log: the queue is full (" + QUEUE_CAPACITY + " records); a '" + type
                    + "' record is lost and counted");
            if (mustAudit && refuseWhenFailed) {
                throw refusal(type, failure != null ? failure : new SQLException("the audit queue is full"));
            }
            return;
        }
        if (done != null) {
            try {
                await(done);
            } catch (IOException notCommitted) {
                if (mustAudit && refuseWhenFailed) {
                    throw refusal(type, failure != null ? failure : new SQLException(notCommitted.getMessage()));
                }
            }
        }
    }

    private AuditUnavailableException refusal(String type, SQLException failed) {
        return new AuditUnavailableException("'" + type + "' cannot be audited: the shared audit log in "
                + store.describe() + " cannot be written since " + failureSince + " (" + failed.getMessage()
                + "); the call is refused (audit.onWriteFailure: deny)", null);
    }

    private synchronized void countLost(long n, SQLException cause) {
        if (lostSince == null) {
            lostSince = Instant.now().toString();
        }
        lostCause = cause == null ? "unknown" : cause.getMessage();
        lost += n;
        lostTotal.addAndGet(n);
    }

    /** Waits for the writer, noticing if it died. */
    private <T> T await(CompletableFuture<T> f) throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (TimeoutException e) {
                    if (!writer.isAlive() && !f.isDone()) {
                        throw new IOException("the shared audit writer stopped");
                    }
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void flush() {
        if (closing) {
            return;
        }
        CompletableFuture<TreeHead> done = new CompletableFuture<>();
        if (queue.offer(new Marker(null, null, false, done))) {
            try {
                done.get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn("shared audit log: flush did not complete (" + e + "); queued records are written once the"
                        + " database can be written");
            }
        }
    }

    @Override
    public TreeHead signTreeHead(String reason, Map<String, Object> subject) {
        if (closing) {
            return null;
        }
        CompletableFuture<TreeHead> done = new CompletableFuture<>();
        if (!queue.offer(new Marker(reason, subject, false, done))) {
            return null;
        }
        try {
            return await(done);
        } catch (IOException failed) {
            LOG.error("shared audit log: signing a tree head (" + reason + ") failed: " + failed.getMessage());
            return null;
        }
    }

    @Override
    public boolean signsTreeHeads() {
        return true;
    }

    @Override
    public void close() {
        if (closing) {
            return;
        }
        CompletableFuture<TreeHead> done = new CompletableFuture<>();
        closingNanos = System.nanoTime();
        closing = true;
        try {
            queue.put(new Marker("shutdown", null, true, done));
            writer.join(TimeUnit.SECONDS.toMillis(CLOSE_WAIT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            LOG.error("AUDIT LOG: the shared audit writer did not finish within " + CLOSE_WAIT_SECONDS + " s at shutdown ("
                    + store.describe() + (failure != null ? ": " + failure.getMessage() : "") + "); " + queue.size()
                    + " queued record(s) are not written");
        }
    }

    // ---- the writer thread ----

    private void writeLoop() {
        long backoff = 100;
        List<Item> batch = new ArrayList<>();
        boolean stop = false;
        while (!stop) {
            try {
                batch.clear();
                if (inDoubt != null && settleInDoubt()) {
                    stop = true; // the settled batch held the stop
                    continue;
                }
                batch.addAll(retry);
                retry.clear();
                if (batch.isEmpty()) {
                    Item first = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
                    if (first != null) {
                        batch.add(first);
                    }
                }
                queue.drainTo(batch, Math.max(0, MAX_BATCH - batch.size()));
                stop = batch.stream().anyMatch(i -> i instanceof Marker m && m.stop());
                if (batch.isEmpty() && failure == null) {
                    signerDuties();
                    continue;
                }
                // While failed, an empty batch is written too: calls that must be audited are refused then, so
                // nothing may be queued, and this commit (stating what was lost) is what ends the failure.
                write(batch);
                backoff = 100;
                signerDuties();
            } catch (InterruptedException e) {
                // only close() stops the writer
            } catch (SQLException | RuntimeException failed) {
                SQLException cause = failed instanceof SQLException s ? s
                        : new SQLException(failed.toString(), "XX000", failed);
                dropConnection();
                boolean first = failure == null;
                if (first) {
                    failureSince = Instant.now().toString();
                }
                failure = cause;
                if (failed instanceof CommitUnanswered unanswered) {
                    inDoubt = unanswered.batch;
                    LOG.warn("shared audit log: the commit of a batch (" + unanswered.batch.records().size() + " record(s)"
                            + " from index " + unanswered.batch.firstRecord() + ") went unanswered; its callers wait until"
                            + " the database says whether it was applied");
                } else {
                    keepForRetry(batch, cause);
                }
                if (first) {
                    LOG.error("AUDIT LOG WRITE FAILED in " + store.describe() + " (" + cause.getMessage() + "): records that"
                            + " no call waits for are kept (up to " + QUEUE_CAPACITY + ") and written when the database is"
                            + " back; " + (refuseWhenFailed ? "calls that must be audited are refused meanwhile"
                            + " (audit.onWriteFailure: deny)" : "calls run and their records wait")
                            + (fsync ? "; records whose calls waited for them are lost and counted" : ""));
                }
                boolean giveUp = inDoubt == null ? stop
                        : (stop || closing) && System.nanoTime() - closingNanos > IN_DOUBT_AT_CLOSE_NANOS;
                if (giveUp) {
                    long dropped = retry.stream().filter(i -> i instanceof Rec).count();
                    if (inDoubt != null) {
                        // Perhaps written, perhaps not: counted, and their callers told so.
                        dropped += inDoubt.batch().stream().filter(i -> i instanceof Rec).count();
                        IOException unknown = new IOException("the JVM is shutting down and the database has not said"
                                + " whether the commit was applied (" + cause.getMessage() + ")", cause);
                        for (Item i : inDoubt.batch()) {
                            if (i instanceof Rec r && r.done() != null) {
                                r.done().completeExceptionally(unknown);
                            } else if (i instanceof Marker m) {
                                m.done().completeExceptionally(unknown);
                            }
                        }
                        inDoubt = null;
                    }
                    countLost(dropped, cause);
                    LOG.error("AUDIT LOG: shutting down with the shared audit log unwritable; " + dropped
                            + " record(s) are lost");
                    break;
                }
                stop = false;
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ignored) {
                    // keep going: only close() stops the writer
                }
                backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
            }
        }
        releaseSigner();
        dropConnection();
    }

    /**
     * Learns whether the batch whose commit went unanswered was applied: if so its callers are answered
     * as after any commit; if not, it is handled like any failed commit. Throws while the database
     * cannot say (the batch stays in doubt and its callers keep waiting).
     *
     * @return true if the batch was applied and held the writer's stop
     */
    private boolean settleInDoubt() throws SQLException {
        InDoubt d = inDoubt;
        Connection c = connection();
        boolean applied;
        try {
            applied = !d.records().isEmpty() ? AuditTables.holds(c, schema, "audit_record", d.firstRecord(), d.records())
                    : d.heads().isEmpty() || AuditTables.holds(c, schema, "audit_head", d.firstHead(), d.heads());
            c.commit();
        } catch (SQLException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                e.addSuppressed(ignored);
            }
            throw e;
        }
        inDoubt = null;
        if (applied) {
            LOG.warn("shared audit log: the unanswered commit (" + d.records().size() + " record(s) from index "
                    + d.firstRecord() + ") was applied; its callers are answered and nothing is written twice");
            writableAgain();
            committed(d.batch(), d.signed(), d.owed());
            return d.batch().stream().anyMatch(i -> i instanceof Marker m && m.stop());
        } else {
            LOG.warn("shared audit log: the unanswered commit (" + d.records().size() + " record(s) from index "
                    + d.firstRecord() + ") was not applied; it is handled as a failed commit");
            keepForRetry(d.batch(), d.cause()); // the stop, if it held it, is kept and read again
            return false;
        }
    }

    /** After a commit: the failure, if any, is over. */
    private void writableAgain() {
        if (failure != null) {
            LOG.warn("shared audit log in " + store.describe() + " writes again; records are accepted again");
        }
        failure = null;
        failureSince = null;
    }

    /** After a commit: the loss it stated is settled, and callers waiting for the batch are answered. */
    private void committed(List<Item> batch, List<TreeHead> signed, long owed) {
        if (owed > 0) {
            synchronized (this) {
                lost -= owed;
                if (lost == 0) {
                    lostSince = null;
                }
            }
        }
        int s = 0;
        for (Item i : batch) {
            if (i instanceof Rec r && r.done() != null) {
                r.done().complete(null);
            } else if (i instanceof Marker m) {
                m.done().complete(signed.get(s++));
            }
        }
    }

    /** After a failed commit: waiting records are lost (their callers are told), the others are kept. */
    private void keepForRetry(List<Item> batch, SQLException cause) {
        for (Item i : batch) {
            if (i instanceof Rec r && r.done() != null) {
                countLost(1, cause);
                r.done().completeExceptionally(new IOException(cause.getMessage(), cause));
            } else if (i instanceof Marker m && m.reason() != null && !m.stop()) {
                m.done().completeExceptionally(new IOException(cause.getMessage(), cause));
            } else {
                retry.add(i);
            }
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            connection = store.connect(PostgresStore.STATEMENT_TIMEOUT_SECONDS);
            connection.setAutoCommit(false);
        }
        return connection;
    }

    private void dropConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // gone either way
            }
            connection = null;
        }
    }

    /**
     * Commits a batch: its records (plus an {@code audit.records-lost} record first when a loss is owed),
     * a due {@code every} head when this JVM is the signer, and the heads its markers ask for.
     */
    private void write(List<Item> batch) throws SQLException {
        Connection c = connection();
        inserted = 0;
        try {
            if (!synchronousCommit) {
                try (Statement st = c.createStatement()) {
                    st.execute("SET LOCAL synchronous_commit = off");
                }
            }
            AuditTables.Tree t = AuditTables.lockTree(c, schema);
            MerkleFrontier tree = t.frontier();
            long heads = t.heads();
            long headSize = t.headSize();
            List<byte[]> payloads = new ArrayList<>(batch.size() + 1);
            long owed;
            String owedSince;
            String owedCause;
            synchronized (this) {
                owed = lost;
                owedSince = lostSince;
                owedCause = lostCause;
            }
            if (owed > 0) {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("lost", owed);
                f.put("since", owedSince);
                f.put("until", Instant.now().toString());
                f.put("cause", owedCause);
                f.put("jvm", jvm);
                payloads.add(encode(tree, "audit.records-lost", CanonicalJson.prepare(f), null, System.currentTimeMillis()));
            }
            // One entry per marker, in order: the head signed for it, or null.
            List<TreeHead> signed = new ArrayList<>();
            List<byte[]> headBytes = new ArrayList<>();
            for (Item i : batch) {
                if (i instanceof Rec r) {
                    payloads.add(encode(tree, r.type(), r.prepared(), r.problem(), r.timeMillis()));
                } else if (i instanceof Marker m) {
                    TreeHead h = null;
                    if (m.reason() != null && !(m.stop() && tree.size() == headSize)) {
                        insertRecords(c, t.size(), payloads);
                        h = sign(tree, m.reason(), m.subject());
                        headBytes.add(AuditTables.insertHead(c, schema, heads++, h, store.instance()));
                        headSize = tree.size();
                    }
                    signed.add(h);
                }
                if (signer && tree.size() - headSize >= headEvery) {
                    insertRecords(c, t.size(), payloads);
                    headBytes.add(AuditTables.insertHead(c, schema, heads++, sign(tree, "every", null), store.instance()));
                    headSize = tree.size();
                }
            }
            insertRecords(c, t.size(), payloads);
            AuditTables.updateTree(c, schema, new AuditTables.Tree(tree.size(), tree, heads, headSize));
            try {
                c.commit();
            } catch (SQLException unanswered) {
                // Sent: the server may have applied it. Settled by reading the rows back (settleInDoubt).
                throw new CommitUnanswered(new InDoubt(List.copyOf(batch), t.size(), List.copyOf(payloads), t.heads(),
                        List.copyOf(headBytes), new ArrayList<>(signed), owed, unanswered));
            }
            if (headSize != lastSeenHeadSize) {
                lastSeenHeadSize = headSize;
                lastHeadNanos = System.nanoTime();
            }
            // Committed: nothing below may throw (the batch would be written again). Calls are accepted again
            // before the waiting ones are answered, so a caller's next call is not refused.
            writableAgain();
            committed(batch, signed, owed);
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                e.addSuppressed(ignored);
            }
            throw e;
        }
    }

    /** Records encoded since the last insert: inserted now (before a head that covers them). */
    private int inserted;

    private void insertRecords(Connection c, long firstOfBatch, List<byte[]> payloads) throws SQLException {
        if (inserted == 0 && payloads.isEmpty()) {
            return;
        }
        // payloads holds the whole batch so far; insert only the part not inserted yet.
        if (payloads.size() > inserted) {
            AuditTables.insertRecords(c, schema, firstOfBatch + inserted, payloads.subList(inserted, payloads.size()),
                    store.instance());
            inserted = payloads.size();
        }
    }

    private byte[] encode(MerkleFrontier tree, String type, CanonicalJson.Prepared prepared, String problem, long millis) {
        long seq = tree.size();
        String time = org.agenthypervisor.core.encoding.IsoInstant.format(Instant.ofEpochMilli(millis));
        byte[] bytes = null;
        if (prepared != null) {
            try {
                bytes = prepared.with("seq", seq, "time", time, "type", type);
            } catch (IllegalArgumentException unencodable) {
                problem = "its fields cannot be written as JSON: " + unencodable.getMessage();
            }
        }
        if (bytes == null) {
            LOG.error("audit record '" + type + "' (seq " + seq + ") replaced by audit.unwritable: " + problem);
            bytes = CanonicalJson.object().put("seq", seq).put("time", time).put("type", "audit.unwritable")
                    .put("originalType", type).put("problem", problem).put("jvm", jvm).toBytes();
        }
        tree.append(MerkleHash.leaf(bytes));
        return bytes;
    }

    private TreeHead sign(MerkleFrontier tree, String reason, Map<String, Object> subject) {
        return TreeHead.sign(tree.size(), tree.root(), Instant.now(), reason, subject, tree.pieces(), key);
    }

    /** The signer role: take it when free; when held, sign an {@code interval} or {@code every} head that is due. */
    private void signerDuties() {
        try {
            if (System.nanoTime() - nextSignerTry >= 0) {
                nextSignerTry = System.nanoTime() + SIGNER_RETRY_NANOS;
                if (signer && !signerConnection.isValid(2)) {
                    // The lock went with the session (a restarted database, a cut connection): another JVM may
                    // hold it now; stop signing periodic heads until this one takes it again.
                    LOG.warn("shared audit log: lost the signer role with its connection; trying to take it again");
                    releaseSigner();
                }
                if (!signer) {
                    trySigner();
                }
            }
            if (!signer) {
                return;
            }
            Connection c = connection();
            AuditTables.Tree t = AuditTables.readTree(c, schema, false);
            c.commit();
            if (t.headSize() != lastSeenHeadSize) {
                lastSeenHeadSize = t.headSize();
                lastHeadNanos = System.nanoTime();
            }
            boolean due = t.size() - t.headSize() >= headEvery
                    || t.size() > t.headSize() && System.nanoTime() - lastHeadNanos >= headNanos;
            if (due) {
                signPeriodic(c);
            }
        } catch (SQLException | RuntimeException e) {
            dropConnection();
            if (LOG.isDebugEnabled()) {
                LOG.debug("shared audit log: signer duties failed (" + e.getMessage() + "); tried again");
            }
        }
    }

    private void signPeriodic(Connection c) throws SQLException {
        try {
            AuditTables.Tree t = AuditTables.lockTree(c, schema);
            if (t.size() == t.headSize()) {
                c.rollback();
                return;
            }
            String reason = t.size() - t.headSize() >= headEvery ? "every" : "interval";
            AuditTables.insertHead(c, schema, t.heads(), sign(t.frontier(), reason, null), store.instance());
            AuditTables.updateTree(c, schema, new AuditTables.Tree(t.size(), t.frontier(), t.heads() + 1, t.size()));
            c.commit();
            lastSeenHeadSize = t.size();
            lastHeadNanos = System.nanoTime();
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                e.addSuppressed(ignored);
            }
            throw e;
        }
    }

    private void trySigner() throws SQLException {
        if (signerConnection != null && !signerConnection.isValid(2)) {
            releaseSigner();
        }
        if (signerConnection == null) {
            signerConnection = store.connect(PostgresStore.STATEMENT_TIMEOUT_SECONDS);
        }
        try (Statement st = signerConnection.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_try_advisory_lock(" + signerLockKey + ")")) {
            rs.next();
            if (rs.getBoolean(1)) {
                signer = true;
                LOG.info("shared audit log: this JVM (" + store.instance() + ", key " + key.keyId() + ") now signs the"
                        + " periodic tree heads");
            }
        }
    }

    /** Gives the role up: closing the session frees the lock for another JVM. */
    private void releaseSigner() {
        signer = false;
        if (signerConnection != null) {
            try {
                signerConnection.close(); // ends the session: the lock is free for another JVM
            } catch (SQLException ignored) {
                // gone either way
            }
            signerConnection = null;
        }
    }
}
