package org.agenthypervisor.core.audit;

import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.crypto.PublicKey;
import org.agenthypervisor.core.crypto.SigningKey;
import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.merkle.MerkleFrontier;
import org.agenthypervisor.core.merkle.MerkleHash;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.store.Durability;
import org.agenthypervisor.core.store.LogCursor;
import org.agenthypervisor.core.store.OpenReport;
import org.agenthypervisor.core.store.RecordLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongBinaryOperator;
import java.util.function.LongFunction;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The audit log under {@code <dataDir>/audit} (SPEC §6): an append-only {@link RecordLog} named
 * {@code audit} of canonical JSON records {@code {"seq":N,"time":"...","type":"...",...fields}}, where
 * {@code seq} is the record's index in the log; an RFC 9162 Merkle tree over them (leaf
 * {@code SHA-256(0x00 ‖ record bytes)}); and signed tree heads in a second log named {@code heads}
 * (see {@link TreeHead}).
 *
 * <h2>Writing</h2>
 * Callers only queue a record (lock-free; no system call unless the writer sleeps with nothing
 * queued); one writer thread collects what arrives for up to {@code audit.flushInterval} (less when
 * someone waits, or when a full batch is queued), encodes and hashes it into the tree, appends it with
 * as few write calls as possible, and forces the file according to {@code audit.durability}:
 * {@code fsync} makes {@link #record} wait until its record is forced (records that arrive together
 * share the force), {@code batch} forces each batch without making the caller wait (group commit: a
 * record reaches the disk within about {@code audit.flushInterval} plus one force), {@code none}
 * leaves it to the operating system. {@link #flush()} makes the writer write at once. The writer keeps
 * only the right edge of the tree ({@link MerkleFrontier}, {@code O(log n)} memory): it needs roots,
 * not proofs.
 *
 * <h2>Tree heads</h2>
 * The writer signs a tree head with the hypervisor's Ed25519 key (id {@code hypervisor} in the key
 * directory, created on first use) every {@code audit.treeHeadEvery} records after the last head (at
 * exactly that size: the root is taken there and signed once the batch holding it is forced), once {@code audit.treeHeadInterval} has passed since the last head
 * while records arrived, on demand ({@link #signTreeHead}, used when a session closes) and at
 * {@link #close()}. Every head carries the Merkle frontier at its size (a checkpoint, see
 * {@link TreeHead}), so opening and retention can start from any of them. A head is appended only after the records it covers were forced (unless the
 * durability is {@code none}), so a crash can lose records only past the last head, never under it.
 *
 * <h2>Opening</h2>
 * Opening reports a torn tail of either log (the crash case: cut and recorded as
 * {@code audit.tail-cut}) and refuses a corrupted one: it is never rewritten. Sealed segments are
 * opened lazily. Then it restores the tree's right edge from the last signed checkpoint (every head
 * carries the frontier at its size; see {@link #restore}) and hashes only the records after it, so
 * start-up time and memory do not grow with the history. If the last signed head does not match
 * those records, or a checkpoint is bad, that is logged as an error and recorded
 * ({@code audit.head-mismatch} or {@code audit.records-missing}); the log continues, and
 * {@code audit verify} will keep reporting it.
 *
 * <h2>Retention</h2>
 * With {@code audit.retention}, whole segments older than it are archived at a signed checkpoint
 * ({@link #applyRetention(long, Path)}), once at open and whenever the runtime calls
 * {@link #applyRetention()}.
 *
 * <h2>When the log cannot write</h2>
 * A write or force error (a full disk, a file-size limit, an I/O error) fails the underlying log. From
 * then on nothing is silently dropped: every record that does not reach the log is counted, the first
 * failure is one ERROR line saying what governed calls now do, and per {@code audit.onWriteFailure}
 * {@link #record} either refuses (throws {@link AuditUnavailableException}: the governed call fails
 * closed; {@code deny}, the default) or counts and returns ({@code continue}). Records queued before
 * the failure was seen (up to one {@code audit.flushInterval} in {@code batch}) are lost in both cases
 * and counted. The count is kept in {@code <dataDir>/audit/lost} ({@link LostRecords}). The writer
 * tries to recover with growing pauses (1 s to a minute): it reopens the log (cutting a torn tail),
 * rebuilds the tree from what was really written and appends an {@code audit.records-lost} record;
 * once that is written and forced, records are accepted again. Whatever is still owed at shutdown is
 * recorded the same way when the log is next opened.
 */
public final class AuditLog implements AuditTrail {
    private static final Log LOG = Log.get("audit");
    /** How long a thread waiting for a tree head spins before it parks. */
    private static final long HEAD_SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
    private static final int QUEUE_CAPACITY = 65_536;
    /** Most records written (and forced) together; their due heads are signed after. Verification allows for it. */
    static final int MAX_BATCH = 4_096;
    /** The key directory id of the hypervisor's own key. */
    public static final String KEY_ID = KeyDirectory.HYPERVISOR;
    /** The name of the audit record log in {@code <dataDir>/audit}. */
    public static final String RECORDS = "audit";
    /** The name of the tree head log in {@code <dataDir>/audit}. */
    public static final String HEADS = "heads";

    private volatile RecordLog log;
    private volatile RecordLog heads;
    private final Path dir;
    private final Path keysDir;
    /** {@code audit.onWriteFailure: deny}: refuse calls that must be audited while {@link #failure} is set. */
    private final boolean refuseWhenFailed;
    /** Records lost since the last {@code audit.records-lost} record (or carried over from the last run). */
    private final AtomicLong lost = new AtomicLong();
    /** Every record lost since this log was opened, stated or not (for monitoring). */
    private final AtomicLong lostTotal = new AtomicLong();
    /** When the owed loss began and last grew, and why (ISO-8601 text; millis while it grows). */
    private volatile String lossSince;
    private volatile long lossUntilMillis;
    private volatile String lossUntilCarried;
    private volatile String lossCause;
    /** Null when the lost-records file cannot be opened: the count then lives in memory and the log only. */
    private final LostRecords lostFile;
    private final Durability durability;
    /** {@code audit.retention} in ms (0: keep everything) and where archived segments go. */
    private final long retentionMillis;
    private final Path archiveDir;
    /** Records hashed when the log was opened (those after the checkpoint it started from). */
    private final long hashedAtOpen;
    private final TreeHead openedFrom;
    /** The checkpoint the tree was last restored from or the last head signed here: a known-good start for recovery. */
    private volatile TreeHead trustedCheckpoint;
    private final Object retentionLock = new Object();
    private final long flushMillis;
    private final int headEvery;
    private final long headNanos;
    /**
     * Lock-free hand-off to the writer: a producer wakes the writer only when it is parked, so a burst
     * of records costs one wake-up, not one per record. {@link #queued} bounds it.
     */
    private final ConcurrentLinkedQueue<Item> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    /** The writer sleeps with nothing queued: the next item wakes it. */
    private volatile boolean writerIdle;
    /** The writer waits up to the flush interval for more records: only urgency or a full batch wakes it. */
    private volatile boolean writerGathering;
    /** The highest ticket someone waits for (an fsync record, a flush, a tree head, close). */
    private final AtomicLong wanted = new AtomicLong();
    /** The last ticket the writer has written (and forced, per the durability). */
    private volatile long done;
    private final Thread writer;
    private final Object progress = new Object();
    /** Tickets are taken and items queued under this lock, so the writer sees them in ticket order. */
    private final Object enqueueLock = new Object();
    private long enqueued;
    private long durable;
    private volatile boolean closing;
    private volatile IOException failure;
    /** Held by producers counting a loss while failed and by the writer stating the loss and clearing the failure. */
    private final Object lossLock = new Object();

    // Writer thread only.
    private MerkleFrontier tree;
    /** The count last written to {@link #lostFile}. */
    private long persistedLost;
    private long nextRecoveryNanos;
    private long recoveryPauseMillis = 1_000;
    /** When the writer last recovered (0: never): a failure soon after is the same trouble, not news. */
    private long recoveredNanos;
    private SigningKey key;
    private boolean keyFailureLogged;
    private boolean lostFileFailureLogged;
    private boolean historyGoneLogged;
    private long unsynced;
    private volatile TreeHead lastHead;
    private long lastHeadNanos = System.nanoTime();
    /** Size of the last head signed or planned: a head falls due every {@code headEvery} records after it. */
    private long plannedSize;
    /** Roots taken where an {@code every} head fell due inside the current batch, signed after the batch is forced. */
    private final List<Object[]> dueRoots = new ArrayList<>();
    /** Records encoded and hashed but not yet handed to the log. */
    private final List<byte[]> pending = new ArrayList<>();
    private long timeMillis;
    private String timeText;

    private sealed interface Item permits Rec, HeadRequest, CutRequest, Stop {
        long ticket();
    }

    /**
     * A record waiting for the writer. Its members are encoded by the producer ({@code prepared});
     * {@code fields} is kept only when they could not be, for the {@code audit.unwritable} substitute.
     */
    private record Rec(long ticket, String type, CanonicalJson.Prepared prepared, Map<String, Object> fields,
                       String problem, long timeMillis) implements Item {
    }

    private record HeadRequest(long ticket, String reason, Map<String, Object> subject,
                               CompletableFuture<TreeHead> result) implements Item {
    }

    private record Stop(long ticket) implements Item {
    }

    // The items' makers and the writer's Runnable are classes, not lambdas: each lambda costs ~0.5 ms
    // to link at start-up (issue 11), and the first records are queued while the agent starts.

    /** Makes a record's item for its ticket; the record is timed when it is queued. */
    private static final class RecForTicket implements LongFunction<Item> {
        private final String type;
        private final CanonicalJson.Prepared members;
        private final Map<String, Object> fields;
        private final String why;

        RecForTicket(String type, CanonicalJson.Prepared members, Map<String, Object> fields, String why) {
            this.type = type;
            this.members = members;
            this.fields = fields;
            this.why = why;
        }

        @Override
        public Item apply(long t) {
            return new Rec(t, type, members, members == null ? fields : null, why, System.currentTimeMillis());
        }
    }

    private static final class HeadRequestForTicket implements LongFunction<Item> {
        private final String reason;
        private final Map<String, Object> subject;
        private final CompletableFuture<TreeHead> result;

        HeadRequestForTicket(String reason, Map<String, Object> subject, CompletableFuture<TreeHead> result) {
            this.reason = reason;
            this.subject = subject;
            this.result = result;
        }

        @Override
        public Item apply(long t) {
            return new HeadRequest(t, reason, subject, result);
        }
    }

    private static final class CutRequestForTicket implements LongFunction<Item> {
        private final long cut;
        private final long retentionMillis;
        private final Path archive;
        private final CompletableFuture<Long> result;

        CutRequestForTicket(long cut, long retentionMillis, Path archive, CompletableFuture<Long> result) {
            this.cut = cut;
            this.retentionMillis = retentionMillis;
            this.archive = archive;
            this.result = result;
        }

        @Override
        public Item apply(long t) {
            return new CutRequest(t, cut, retentionMillis, archive, result);
        }
    }

    private static final class StopForTicket implements LongFunction<Item> {
        static final StopForTicket INSTANCE = new StopForTicket();

        @Override
        public Item apply(long t) {
            return new Stop(t);
        }
    }

    /** {@code Math::max}, for raising {@link #wanted}. */
    private static final class Max implements LongBinaryOperator {
        static final Max INSTANCE = new Max();

        @Override
        public long applyAsLong(long left, long right) {
            return Math.max(left, right);
        }
    }

    private static final class WriterLoop implements Runnable {
        private final AuditLog audit;

        WriterLoop(AuditLog audit) {
            this.audit = audit;
        }

        @Override
        public void run() {
            audit.writeLoop();
        }
    }

    /** Retention, the writer's part: choose the cut, state it, plant the next one (see {@link #applyRetention}). */
    private record CutRequest(long ticket, long cut, long retentionMillis, Path archive,
                              CompletableFuture<Long> result) implements Item {
    }

    private AuditLog(RecordLog log, RecordLog heads, Path dir, Path keysDir, Policy.AuditSettings settings, Restored restored,
                     TreeHead lastHead, LostRecords lostFile, LostRecords.Loss owed, SigningKey existingKey) {
        this.key = existingKey; // before the writer starts, which owns it from then on
        this.log = log;
        this.heads = heads;
        this.dir = dir;
        this.keysDir = keysDir;
        this.refuseWhenFailed = settings.onWriteFailure() != Policy.OnWriteFailure.CONTINUE;
        this.lostFile = lostFile;
        if (owed != null) {
            lost.set(owed.lost());
            persistedLost = owed.lost();
            lossCause = owed.cause();
            lossSince = owed.since();
            lossUntilCarried = owed.until();
        }
        this.durability = Durability.valueOf(settings.durability().name());
        this.flushMillis = Math.max(1, settings.flushMillis());
        this.headEvery = Math.max(1, settings.treeHeadEvery());
        this.headNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, settings.treeHeadMillis()));
        this.tree = restored.tree();
        this.hashedAtOpen = restored.hashed();
        this.openedFrom = restored.checkpoint();
        this.trustedCheckpoint = restored.checkpoint();
        this.retentionMillis = settings.retentionMillis();
        this.archiveDir = settings.archive() == null ? dir.resolve("archive")
                : Path.of(settings.archive()).toAbsolutePath().normalize();
        this.lastHead = lastHead;
        this.plannedSize = lastHead == null ? 0 : lastHead.size();
        if (lost.get() > 0) {
            // Carried over from the last run: the first record of this one, written before anyone
            // can queue (the writer thread starts below and takes these fields over).
            try {
                writeLossRecord();
            } catch (IOException | RuntimeException failedAgain) {
                failed(failedAgain);
            }
        }
        this.writer = new Thread(new WriterLoop(this), "agent-hypervisor-audit-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** Opens (or creates) the audit log of a data directory, with the key directory {@code <dataDir>/keys}. */
    public static AuditLog open(Path dataDir, Policy.AuditSettings settings) throws IOException {
        return open(dataDir, settings, dataDir.resolve("keys"));
    }

    /**
     * Opens (or creates) the audit log of a data directory; tree heads are signed with the key
     * {@value #KEY_ID} of {@code keysDir}, created there when the first head is signed.
     */
    public static AuditLog open(Path dataDir, Policy.AuditSettings settings, Path keysDir) throws IOException {
        Durability durability = Durability.valueOf(settings.durability().name());
        Path dir = dataDir.resolve("audit");
        // Lazy: only the last segment's frames are scanned at open; the rest are checked when read
        // (audit verify reads them all). Start-up time must not grow with the history.
        RecordLog log = RecordLog.open(dir, RECORDS, RecordLog.Options.defaults().withDurability(durability)
                .withLazySealedSegments(true));
        RecordLog heads;
        try {
            heads = RecordLog.open(dir, HEADS, RecordLog.Options.defaults().withDurability(durability)
                    .withLazySealedSegments(true));
        } catch (IOException | RuntimeException e) {
            log.close();
            throw e;
        }
        List<Map<String, Object>> problems = new ArrayList<>();
        Restored restored;
        TreeHead last;
        SigningKey existingKey;
        try {
            last = lastHead(heads, problems);
            KeysAtOpen keys = keysAtOpen(keysDir);
            existingKey = keys.signing;
            restored = restore(log, heads, last, keys.checking, null, problems);
        } catch (IOException | RuntimeException e) {
            log.close();
            heads.close();
            throw e;
        }
        LostRecords lostFile = null;
        LostRecords.Loss owed = null;
        try {
            lostFile = LostRecords.open(dir);
            owed = lostFile.read();
        } catch (IOException | RuntimeException e) {
            LOG.error("audit log: cannot open " + dir.resolve(LostRecords.FILE) + " (" + e.getMessage() + "); if the log"
                    + " fails to write, the count of lost records will only be logged, not carried to the next start", e);
        }
        AuditLog audit = new AuditLog(log, heads, dir, keysDir, settings, restored, last, lostFile, owed, existingKey);
        reportTail(audit, log.openReport(), RECORDS);
        reportTail(audit, heads.openReport(), HEADS);
        for (Map<String, Object> problem : problems) {
            String type = (String) problem.remove("type");
            audit.record(type, problem);
        }
        if (audit.retentionMillis > 0) {
            audit.applyRetentionLogged();
        }
        return audit;
    }

    private static void reportTail(AuditLog audit, OpenReport report, String name) {
        if (report.tornTail()) {
            LOG.warn("audit log: " + report);
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("log", name);
            fields.put("bytesCut", report.bytesCut());
            fields.put("file", String.valueOf(report.cutFile()));
            fields.put("offset", report.cutOffset());
            fields.put("recordsKept", report.recordsRecovered());
            audit.record("audit.tail-cut", fields);
        }
    }

    private static TreeHead lastHead(RecordLog heads, List<Map<String, Object>> problems) throws IOException {
        long n = heads.size();
        if (n == 0) {
            return null;
        }
        try {
            return TreeHead.fromJson(heads.get(n - 1));
        } catch (IllegalArgumentException malformed) {
            LOG.error("audit log: the last signed tree head (record " + (n - 1) + " of the heads log) is malformed: "
                    + malformed.getMessage() + "; run 'audit verify'");
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("type", "audit.head-mismatch");
            p.put("headIndex", n - 1);
            p.put("problem", "malformed: " + malformed.getMessage());
            problems.add(p);
            return null;
        }
    }

    /** The tree as restored at open: the checkpoint it started from (null: record 0) and the records hashed after it. */
    record Restored(MerkleFrontier tree, TreeHead checkpoint, long hashed) {
    }

    /** How many heads, from the last back, are looked at for a checkpoint to open from. */
    static final int CHECKPOINT_SEARCH = 64;

    /** The hypervisor's keys as the log opens: the signing key if its file exists, the key checkpoints are checked with. */
    private static final class KeysAtOpen {
        final SigningKey signing;
        final PublicKey checking;

        KeysAtOpen(SigningKey signing, PublicKey checking) {
            this.signing = signing;
            this.checking = checking;
        }
    }

    /**
     * The hypervisor's signing key in {@code keysDir} (checked against its {@code .pub}) and the public
     * key that checks checkpoints: the signing key's, else a lone {@code .pub}'s; nulls when there are
     * none yet or they cannot be read. The signing key is loaded once: it checks the checkpoint the
     * writer resumes from, then signs the heads (the writer used to load it again for the first head,
     * a file read and a public key derived once more, on the shutdown's path).
     */
    private static KeysAtOpen keysAtOpen(Path keysDir) {
        if (!java.nio.file.Files.isDirectory(keysDir)) {
            return new KeysAtOpen(null, null); // a first start: no key, and no head to check
        }
        try {
            KeyDirectory keys = KeyDirectory.open(keysDir);
            SigningKey signing = keys.signingKey(KEY_ID).orElse(null);
            return new KeysAtOpen(signing, signing != null ? signing.publicKey() : keys.publicKey(KEY_ID).orElse(null));
        } catch (RuntimeException unreadable) {
            LOG.warn("audit log: cannot read the public key " + KEY_ID + " in " + keysDir + " (" + unreadable.getMessage()
                    + "); tree head checkpoints cannot be checked, so the tree is rebuilt from every live record");
            return new KeysAtOpen(null, null);
        }
    }

    /** The hypervisor's public key in {@code keysDir}, or null when there is none (yet) or it cannot be read. */
    private static PublicKey publicKey(Path keysDir) {
        if (!java.nio.file.Files.isDirectory(keysDir)) {
            return null; // a first start: no key, and no head to check
        }
        try {
            return KeyDirectory.openReadOnly(keysDir).publicKey(KEY_ID).orElse(null);
        } catch (RuntimeException unreadable) {
            LOG.warn("audit log: cannot read the public key " + KEY_ID + " in " + keysDir + " (" + unreadable.getMessage()
                    + "); tree head checkpoints cannot be checked, so the tree is rebuilt from every live record");
            return null;
        }
    }

    /**
     * Rebuilds the tree's right edge: from the last checkpoint whose signature verifies and whose frontier
     * folds to its signed root, hashing only the records after it (so opening costs the same with ten
     * million records of history as with ten thousand); from record 0 when there is none. Checks the last
     * head's root on the way. A bad checkpoint is recorded ({@code audit.head-mismatch}) and an older one
     * tried. A live log that starts after record 0 (older segments archived) cannot be rebuilt without a
     * valid checkpoint at or after its first record: that fails (fail closed; {@code audit verify} says why).
     *
     * @param trusted a checkpoint known good (signed by this writer, or restored from before), or null
     */
    static Restored restore(RecordLog log, RecordLog heads, TreeHead last, PublicKey key, TreeHead trusted,
                            List<Map<String, Object>> problems) throws IOException {
        long first = log.firstIndex();
        long n = log.size();
        TreeHead from = trusted != null && trusted.isCheckpoint() && trusted.size() >= first && trusted.size() <= n
                ? trusted : findCheckpoint(log, heads, key, problems);
        MerkleFrontier tree;
        if (from != null) {
            tree = from.toFrontier();
        } else if (first == 0) {
            tree = new MerkleFrontier();
        } else {
            throw new IOException("cannot open the audit log in " + log.dir() + ": its live part starts at record " + first
                    + " (older segments were archived) and no validly signed tree head checkpoint at or after record "
                    + first + " was found among the last " + CHECKPOINT_SEARCH + " heads, so the Merkle tree cannot be"
                    + " rebuilt; run 'audit verify' (with --archive DIR if the archive is at hand)");
        }
        if (first > 0 && trusted == null && checkpointAt(heads, first, key) == null) {
            // Retention cuts only at a signed checkpoint: a live log starting anywhere else lost its head.
            LOG.error("audit log: the live log starts at record " + first + " but no validly signed checkpoint has that"
                    + " size: records 0.." + (first - 1) + " were removed by something other than retention; run 'audit verify'");
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("type", "audit.records-missing");
            p.put("firstLive", first);
            p.put("problem", "the live log starts where no signed checkpoint is");
            problems.add(p);
        }
        long start = tree.size();
        boolean checked = last == null || last.size() == 0 || last.size() < start;
        if (!checked && last.size() == start) {
            checked = true;
            checkHead(tree, last, problems);
        }
        long hashed = 0;
        try (LogCursor cursor = log.read(start)) {
            while (cursor.hasNext()) {
                tree.appendRecord(cursor.next().payload());
                hashed++;
                if (!checked && tree.size() == last.size()) {
                    checked = true;
                    checkHead(tree, last, problems);
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (!checked) {
            LOG.error("audit log: the last signed tree head covers " + last.size() + " records but the log holds only " + n
                    + "; records " + n + ".." + (last.size() - 1) + " were cut or lost; run 'audit verify'");
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("type", "audit.records-missing");
            p.put("signedSize", last.size());
            p.put("records", n);
            problems.add(p);
        }
        return new Restored(tree, from, hashed);
    }

    /**
     * The last checkpoint, among the last {@value #CHECKPOINT_SEARCH} heads, that lies within the live
     * records, is signed by {@code key} and whose frontier folds to its root; null if none. The first bad
     * checkpoint met is recorded.
     */
    private static TreeHead findCheckpoint(RecordLog log, RecordLog heads, PublicKey key,
                                           List<Map<String, Object>> problems) throws IOException {
        long first = log.firstIndex();
        long n = log.size();
        boolean reported = false;
        int looked = 0;
        for (long i = heads.size() - 1; i >= heads.firstIndex() && looked < CHECKPOINT_SEARCH; i--, looked++) {
            TreeHead h;
            try {
                h = TreeHead.fromJson(heads.get(i));
            } catch (IllegalArgumentException malformed) {
                continue; // the last one is reported by lastHead(); verify reports any
            }
            if (!h.isCheckpoint() || h.size() > n) {
                continue; // a head above the records is reported as audit.records-missing
            }
            if (h.size() < first) {
                break;
            }
            String problem = key == null ? "there is no public key " + KEY_ID + " to check it with"
                    : !h.keyId().equals(key.keyId()) ? "it names key " + h.keyId() + ", not the hypervisor's key " + key.keyId()
                    : !h.verify(key) ? "its signature does not verify with key " + key.keyId()
                    : !h.frontierMatchesRoot() ? "its frontier does not fold to its signed root" : null;
            if (problem == null) {
                return h;
            }
            if (!reported) {
                reported = true;
                LOG.error("audit log: tree head #" + i + " (size " + h.size() + ") cannot be used as a checkpoint: " + problem
                        + "; an older checkpoint or the records are used instead; run 'audit verify'");
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("type", "audit.head-mismatch");
                p.put("headIndex", i);
                p.put("signedSize", h.size());
                p.put("problem", "checkpoint: " + problem);
                problems.add(p);
            }
        }
        return null;
    }

    private static void checkHead(MerkleFrontier tree, TreeHead last, List<Map<String, Object>> problems) {
        if (!MessageDigest.isEqual(tree.root(), last.root())) {
            LOG.error("audit log: the records do not match the last signed tree head (size " + last.size() + ", root "
                    + last.rootHex() + "): the log was changed; run 'audit verify' to find the record");
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("type", "audit.head-mismatch");
            p.put("signedSize", last.size());
            p.put("signedRoot", last.rootHex());
            problems.add(p);
        }
    }

    /** For {@code HypervisorRuntime.start}: the audit log of the data directory, with the policy's settings. */
    public static AuditTrail openFor(Path dataDir, Policy policy) {
        try {
            return open(dataDir, policy.audit(), keysDir(dataDir, policy));
        } catch (IOException failure) {
            throw new UncheckedIOException("cannot open the audit log in " + dataDir.resolve("audit") + ": "
                    + org.agenthypervisor.core.store.IoProblems.describe(failure), failure);
        }
    }

    /** {@code liability.keysDir} (relative to the working directory), or {@code <dataDir>/keys}. */
    public static Path keysDir(Path dataDir, Policy policy) {
        String configured = policy.liability() == null ? null : policy.liability().keysDir();
        return configured == null ? dataDir.resolve("keys") : Path.of(configured).toAbsolutePath().normalize();
    }

    /** The underlying record log (for tools that read it). */
    public RecordLog recordLog() {
        return log;
    }

    /** The tree head log. */
    public RecordLog headLog() {
        return heads;
    }

    /** The last signed tree head, or null if none was ever signed. */
    public TreeHead lastTreeHead() {
        return lastHead;
    }

    /** How many records opening hashed: those after the checkpoint it started from (all live ones without one). */
    public long recordsHashedAtOpen() {
        return hashedAtOpen;
    }

    /** The checkpoint opening started from, or null (it hashed from record 0). */
    public TreeHead openedFrom() {
        return openedFrom;
    }

    /** What a retention pass did: the live log now starts at {@code firstIndex}; {@code archived} records left it. */
    public record Retention(long firstIndex, long archived, Path archive) {
    }

    /**
     * Applies {@code audit.retention} and {@code audit.archive} of the policy now; null when no retention
     * is set. For the runtime's maintenance thread (and run once at open): cheap when nothing is due
     * (the writer forces what it holds, a few records are read), so any period up to
     * {@code retention / 10} does.
     */
    public Retention applyRetention() throws IOException {
        return retentionMillis <= 0 ? null : applyRetention(retentionMillis, archiveDir);
    }

    private void applyRetentionLogged() {
        try {
            Retention r = applyRetention();
            if (r != null && r.archived() > 0) {
                LOG.info("audit log: " + r.archived() + " record(s) older than audit.retention archived to " + r.archive()
                        + "; the live log starts at record " + r.firstIndex());
            }
        } catch (IOException | RuntimeException failed) {
            LOG.error("audit log: applying audit.retention failed (" + failed.getMessage() + "); every record stays live", failed);
        }
    }

    /**
     * Archives the oldest whole segments of the record log whose records are all older than
     * {@code retentionMillis}, up to a <em>cut</em> that is a segment boundary and the size of a signed
     * checkpoint (a tree head with its frontier): {@code audit verify} then proves the live part from
     * that checkpoint, and {@code audit verify --archive DIR} the whole log. Segments are copied to
     * {@code archive} (null: deleted) by {@link RecordLog#archiveBefore}. Before the cut is made, an
     * {@code audit.archived} record stating it ({@code before}: the cut) is written and covered by a
     * signed head: a live log that starts at a record no such record names was cut by someone else.
     *
     * <p>Segment boundaries fall where the store rolled, not at heads; so a pass also plants the next
     * cut: it signs a checkpoint at the current size and rolls the segment there, when the current
     * segment began more than {@code retention / 10} ago. A later pass can cut there once all records
     * below it are older than the retention. The tree heads log is kept whole
     * (about a kilobyte per {@code audit.treeHeadEvery} records): the heads below the cut still show
     * what was signed, and their signatures are still checked.
     *
     * @return the new first live index and how many records left the live log
     */
    public Retention applyRetention(long retentionMillis, Path archive) throws IOException {
        if (retentionMillis <= 0) {
            throw new IllegalArgumentException("retention must be > 0 ms, got " + retentionMillis);
        }
        synchronized (retentionLock) {
            if (closing) {
                throw new IOException("the audit log in " + dir + " is closed");
            }
            long before = log.firstIndex();
            CompletableFuture<Long> result = new CompletableFuture<>();
            // Chosen here, not by the writer: reading record times may check whole sealed segments'
            // frames (lazy open), which must not hold up the records being written meanwhile.
            long chosen = newestCut(System.currentTimeMillis() - retentionMillis);
            enqueue(new CutRequestForTicket(chosen, retentionMillis, archive, result), true);
            long cut;
            try {
                cut = awaitWriter(result);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof IOException io) {
                    throw io;
                }
                throw new IOException("audit retention failed: " + cause, cause);
            }
            if (cut <= before) {
                return new Retention(before, 0, archive);
            }
            // Outside the writer: copying segments may take seconds, and records keep being written meanwhile.
            long first = log.archiveBefore(cut, archive);
            return new Retention(first, first - before, archive);
        }
    }

    private static <T> T awaitWriterResult(CompletableFuture<T> result, Thread writer) throws ExecutionException, IOException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return result.get(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (TimeoutException e) {
                    if (!writer.isAlive() && !result.isDone()) {
                        throw new IOException("the audit writer stopped");
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private <T> T awaitWriter(CompletableFuture<T> result) throws ExecutionException, IOException {
        return awaitWriterResult(result, writer);
    }

    @Override
    public void record(String type, Map<String, Object> fields) {
        append(type, fields, true);
    }

    @Override
    public void recordBestEffort(String type, Map<String, Object> fields) {
        append(type, fields, false);
    }

    /** How many records were lost and not yet stated by an {@code audit.records-lost} record. */
    public long lostRecords() {
        return lost.get();
    }

    /** Every record lost since this log was opened, including those already stated. */
    public long lostRecordsTotal() {
        return lostTotal.get();
    }

    /** True while the log cannot write. */
    public boolean failed() {
        return failure != null;
    }

    private void append(String type, Map<String, Object> fields, boolean mustAudit) {
        if (closing) {
            // The JVM is shutting down (or the log was closed): nothing can be written any more. Say so
            // for each record, and under deny refuse the call like any other that cannot be audited.
            lostTotal.incrementAndGet();
            LOG.warn("audit log closed; a '" + type + "' record cannot be written" + (mustAudit && refuseWhenFailed
                    ? " and its call is refused" : "") + ": " + fields);
            if (mustAudit && refuseWhenFailed) {
                throw new AuditUnavailableException("'" + type + "' cannot be audited: the audit log in " + dir
                        + " is closed (the JVM is shutting down); the call is refused (audit.onWriteFailure: deny)", null);
            }
            return;
        }
        IOException failed = failure; // the one volatile read a working log costs
        if (failed != null) {
            // Counted under the lock the writer's recovery holds while it states the loss and clears the
            // failure: a count made after that statement would be owed with no failure left to state it.
            synchronized (lossLock) {
                failed = failure;
                if (failed != null) {
                    countLost(1);
                }
            }
            if (failed != null) {
                if (mustAudit && refuseWhenFailed) {
                    throw refusal(type, failed);
                }
                return;
            }
        }
        // Encoded here, on the producer's thread: the single writer thread then only adds seq and time,
        // so producers on many cores are not serialised behind one encoder.
        CanonicalJson.Prepared prepared;
        String problem = null;
        try {
            prepared = CanonicalJson.prepare(withoutReservedKeys(fields));
        } catch (IllegalArgumentException unencodable) {
            prepared = null;
            problem = "its fields cannot be written as JSON: " + unencodable.getMessage();
        }
        long ticket = enqueue(new RecForTicket(type, prepared, fields, problem), durability == Durability.FSYNC);
        if (durability == Durability.FSYNC) {
            awaitDurable(ticket);
            failed = failure;
            if (failed != null && mustAudit && refuseWhenFailed) {
                throw refusal(type, failed); // the writer counted the record if it was lost
            }
        }
    }

    private AuditUnavailableException refusal(String type, IOException failed) {
        return new AuditUnavailableException("'" + type + "' cannot be audited: the audit log in " + dir
                + " cannot write since " + lossSince + " (" + lossCause + "); the call is refused (audit.onWriteFailure:"
                + " deny; 'continue' would run it unaudited and count the lost record)", failed);
    }

    /** Counts records that will never reach the log. */
    private void countLost(long n) {
        if (n <= 0) {
            return;
        }
        long now = System.currentTimeMillis();
        if (lossSince == null) {
            lossSince = Instant.ofEpochMilli(now).toString();
        }
        lossUntilMillis = now;
        lost.addAndGet(n);
        lostTotal.addAndGet(n);
    }

    private String lossUntil() {
        long until = lossUntilMillis;
        return until > 0 ? Instant.ofEpochMilli(until).toString() : lossUntilCarried;
    }

    /** The innermost message of a failure: what the operating system said ("File too large"). */
    private static String rootMessage(Throwable failed) {
        Throwable t = failed;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    /**
     * Queues the item made for the next ticket and returns the ticket. The writer is woken when it sleeps
     * with nothing queued, when someone waits for this item ({@code urgent}), or when a full batch is
     * queued; otherwise it collects records for up to the flush interval, so a burst of records costs
     * the producers no system call at all.
     */
    private long enqueue(LongFunction<Item> make, boolean urgent) {
        if (queued.get() >= QUEUE_CAPACITY) {
            awaitRoom();
        }
        long ticket;
        synchronized (enqueueLock) {
            ticket = ++enqueued;
            queue.offer(make.apply(ticket));
        }
        int n = queued.incrementAndGet();
        if (urgent) {
            wanted.accumulateAndGet(ticket, Max.INSTANCE);
            LockSupport.unpark(writer);
        } else if (writerIdle || (n >= MAX_BATCH && writerGathering)) {
            LockSupport.unpark(writer);
        }
        return ticket;
    }

    /** Back-pressure: the writer is {@value #QUEUE_CAPACITY} records behind; wait for it (never drop). */
    private void awaitRoom() {
        while (queued.get() >= QUEUE_CAPACITY && writer.isAlive()) {
            LockSupport.unpark(writer);
            LockSupport.parkNanos(100_000);
        }
    }

    @Override
    public void flush() {
        long target;
        synchronized (enqueueLock) {
            target = enqueued;
        }
        if (target > done) {
            wanted.accumulateAndGet(target, Max.INSTANCE);
            LockSupport.unpark(writer);
        }
        awaitDurable(target);
    }

    @Override
    public boolean signsTreeHeads() {
        return true;
    }

    @Override
    public TreeHead signTreeHead(String reason, Map<String, Object> subject) {
        if (closing) {
            return null;
        }
        return requestHead(reason, subject);
    }

    private TreeHead requestHead(String reason, Map<String, Object> subject) {
        CompletableFuture<TreeHead> result = new CompletableFuture<>();
        enqueue(new HeadRequestForTicket(reason, subject, result), true);
        // A head costs the writer one signature (~30-40 µs): wait for it spinning for a moment rather
        // than parking at once, which would add a wake-up (tens of µs on a small VM) to every session
        // close. This thread has nothing else to do; the writer works on another core.
        long spinUntil = System.nanoTime() + HEAD_SPIN_NANOS;
        while (!result.isDone() && System.nanoTime() < spinUntil) {
            Thread.onSpinWait();
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return result.get(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (TimeoutException e) {
                    if (!writer.isAlive()) {
                        return null;
                    }
                } catch (ExecutionException e) {
                    LOG.error("signing a tree head (" + reason + ") failed: " + e.getCause(), e.getCause());
                    return null;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void awaitDurable(long ticket) {
        synchronized (progress) {
            while (durable < ticket && failure == null && writer.isAlive()) {
                try {
                    progress.wait(100);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Writes what is queued, signs a {@code shutdown} tree head over everything (unless the last head
     * already covers it), stops the writer and closes both logs. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closing) {
                return;
            }
            requestHead("shutdown", null);
            closing = true;
        }
        enqueue(StopForTicket.INSTANCE, true);
        try {
            writer.join(10_000);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        try {
            log.close();
        } catch (IOException failed) {
            LOG.error("closing the audit log failed: " + failed, failed);
        }
        try {
            heads.close();
        } catch (IOException failed) {
            LOG.error("closing the audit tree head log failed: " + failed, failed);
        }
        long owed = lost.get();
        if (owed > 0) {
            persistLost();
            LOG.error("AUDIT LOG closed with " + owed + " record(s) lost from " + lossSince + " to " + lossUntil() + " ("
                    + lossCause + "); " + (lostFile != null && persistedLost == owed
                    ? "audit.records-lost will be recorded when the log is next opened"
                    : "the count could not be saved in " + dir.resolve(LostRecords.FILE) + ": this line is the only record of it"));
        }
        if (lostFile != null) {
            try {
                lostFile.close();
            } catch (IOException ignored) {
                // it was forced at every write
            }
        }
    }

    // ---------------------------------------------------------------- writer thread

    private void writeLoop() {
        List<Item> batch = new ArrayList<>();
        while (true) {
            if (failure != null) {
                recoverIfDue();
            }
            if (lost.get() != persistedLost) {
                persistLost();
            }
            if (queue.isEmpty()) {
                idle();
            }
            if (!queue.isEmpty()) {
                gather();
            }
            Item item;
            while (batch.size() < MAX_BATCH && (item = queue.poll()) != null) {
                batch.add(item);
            }
            boolean stop = false;
            if (!batch.isEmpty()) {
                queued.addAndGet(-batch.size());
                stop = write(batch);
                batch.clear();
            }
            periodicHead();
            if (stop) {
                return;
            }
        }
    }

    private boolean awaited() {
        return wanted.get() > done;
    }

    /**
     * Sleeps with nothing queued until an item arrives or an interval head falls due. No spinning here
     * or below: on a machine with few cores a spinning writer takes the CPU from the very threads that
     * produce its records.
     */
    private void idle() {
        writerIdle = true;
        try {
            // Re-check after publishing the flag: a producer either sees the flag or we see its item.
            if (queue.isEmpty() && !awaited()) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(pollMillis()));
            }
        } finally {
            writerIdle = false;
        }
        Thread.interrupted(); // only close() stops the writer, by a Stop item
    }

    /**
     * Records are queued: wait for more, up to the flush interval (the bounded delay of
     * {@code audit.flushInterval}), unless someone waits for them or a full batch is there.
     */
    private void gather() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(flushMillis);
        while (!awaited() && queued.get() < MAX_BATCH) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            writerGathering = true;
            try {
                if (!awaited() && queued.get() < MAX_BATCH) {
                    LockSupport.parkNanos(left);
                }
            } finally {
                writerGathering = false;
            }
            Thread.interrupted();
        }
    }

    /** How long to sleep with nothing queued: until an interval head is due, else a second. */
    private long pollMillis() {
        if (tree.size() == headSize()) {
            return 1_000;
        }
        long due = lastHeadNanos + headNanos - System.nanoTime();
        return Math.max(1, Math.min(1_000, TimeUnit.NANOSECONDS.toMillis(due) + 1));
    }

    private long headSize() {
        TreeHead h = lastHead;
        return h == null ? 0 : h.size();
    }

    /** Writes a batch in order; returns true if it held the stop request. */
    private boolean write(List<Item> batch) {
        long last = 0;
        boolean stop = false;
        for (Item item : batch) {
            // Every item counts as done once handled, failed or not: waiters then see the failure.
            last = Math.max(last, item.ticket());
            try {
                if (item instanceof Rec r) {
                    encodeRecord(r);
                    continue;
                }
                appendPending();
                if (item instanceof HeadRequest h) {
                    syncRecords();
                    signDueRoots();
                    if (failure == null) {
                        h.result().complete(h.reason().equals("shutdown") && tree.size() == headSize() && lastHead != null
                                && lastHead.isCheckpoint() ? lastHead : signHead(h.reason(), h.subject()));
                    } else {
                        h.result().completeExceptionally(failure);
                    }
                } else if (item instanceof CutRequest c) {
                    syncRecords();
                    signDueRoots();
                    if (failure == null) {
                        c.result().complete(chooseCut(c));
                    } else {
                        c.result().completeExceptionally(failure);
                    }
                } else if (item instanceof Stop) {
                    stop = true;
                }
            } catch (IOException | RuntimeException failed) {
                if (failed instanceof IOException) {
                    failed(failed); // the log itself failed: it refuses appends until reopened
                } else {
                    LOG.error("audit writer: " + failed, failed); // e.g. no signing key: the log goes on
                }
                if (item instanceof HeadRequest h) {
                    h.result().completeExceptionally(failed);
                }
                if (item instanceof CutRequest c) {
                    c.result().completeExceptionally(failed);
                }
                if (item instanceof Stop) {
                    stop = true;
                }
            }
        }
        try {
            appendPending();
            syncRecords();
        } catch (IOException | RuntimeException failed) {
            failed(failed);
        }
        synchronized (progress) {
            durable = Math.max(durable, last);
            done = durable;
            progress.notifyAll();
        }
        return stop;
    }

    private void failed(Exception failed) {
        if (failure == null) {
            lossCause = rootMessage(failed);
            if (lossSince == null) {
                lossSince = Instant.now().toString();
            }
            failure = failed instanceof IOException ? (IOException) failed : new IOException(failed);
            // A log at a size limit frees a little room when a reopen cuts the torn tail: it "recovers"
            // for one record and fails again. Within ten minutes of a recovery keep backing off and do
            // not raise the alarm again; each recovery still states its loss with an ERROR and a record.
            boolean again = recoveredNanos != 0 && System.nanoTime() - recoveredNanos < TimeUnit.MINUTES.toNanos(10);
            recoveryPauseMillis = again ? Math.min(60_000, recoveryPauseMillis * 2) : 1_000;
            nextRecoveryNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(recoveryPauseMillis);
            if (again) {
                LOG.warn("audit log in " + dir + " failed again soon after it recovered (" + lossCause + "); as before, "
                        + (refuseWhenFailed ? "calls that must be audited are refused" : "calls run unaudited")
                        + " and lost records are counted; next retry in " + recoveryPauseMillis + " ms");
                persistLost();
                return;
            }
            LOG.error("AUDIT LOG WRITE FAILED in " + dir + " (" + lossCause + "): "
                    + (refuseWhenFailed
                    ? "governed calls that must be audited are REFUSED until it writes again (audit.onWriteFailure: deny)"
                    : "governed calls run UNAUDITED until it writes again (audit.onWriteFailure: continue)")
                    + "; every lost record is counted (in " + dir.resolve(LostRecords.FILE) + ") and stated by an"
                    + " audit.records-lost record once the log writes again; retrying", failed);
            persistLost();
        }
    }

    /** Saves the count of lost records where the next start finds it. */
    private void persistLost() {
        long n = lost.get();
        if (lostFile == null || n == persistedLost) {
            return;
        }
        try {
            lostFile.write(n == 0 ? null : new LostRecords.Loss(n, lossSince, lossUntil(), lossCause));
            persistedLost = n;
        } catch (IOException | RuntimeException e) {
            if (!lostFileFailureLogged) {
                lostFileFailureLogged = true;
                LOG.error("cannot save the count of lost audit records in " + dir.resolve(LostRecords.FILE) + " ("
                        + e.getMessage() + "); the count is only in memory and in these log lines", e);
            }
        }
    }

    /**
     * Appends {@code audit.records-lost} for what is owed, forces it and clears the count. The first
     * record written after a failure: if it cannot be written, the log still cannot write.
     */
    private void writeLossRecord() throws IOException {
        long n = lost.get();
        if (n <= 0) {
            return;
        }
        String since = lossSince;
        String until = lossUntil();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("lost", n);
        f.put("since", since);
        f.put("until", until);
        f.put("cause", lossCause);
        long seq = tree.size();
        byte[] bytes = CanonicalJson.prepare(f).with("seq", seq, "time", org.agenthypervisor.core.encoding.IsoInstant.format(Instant.now()), "type", "audit.records-lost");
        long index = log.append(bytes);
        if (index != seq) {
            throw new IllegalStateException("audit log and Merkle tree disagree: record " + index + ", tree size " + seq);
        }
        log.sync();
        tree.append(MerkleHash.leaf(bytes));
        if (lost.addAndGet(-n) == 0) {
            lossSince = null;
            lossUntilMillis = 0;
            lossUntilCarried = null;
        }
        persistLost();
        LOG.error("audit log: " + n + " record(s) were lost from " + since + " to " + until + " (" + lossCause
                + "); recorded as audit.records-lost (seq " + seq + ")");
    }

    /**
     * While failed, now and then: reopen the log (which cuts a torn tail), rebuild the tree from what
     * was really written, and write the loss record; success means records are accepted again.
     */
    private void recoverIfDue() {
        if (closing || historyGoneLogged || System.nanoTime() < nextRecoveryNanos) {
            return;
        }
        try {
            RecordLog.Options options = log.options();
            long reached = log.size(); // records that reached the file whole before it failed
            if (!java.nio.file.Files.isDirectory(dir)) {
                throw historyGone("its directory " + dir + " no longer exists");
            }
            try {
                log.close(); // a failed log closes without forcing
            } catch (IOException ignored) {
                // it failed already
            }
            log = RecordLog.open(dir, RECORDS, options);
            if (log.size() < reached) {
                // Removed or replaced under us: going on would start a second history in the same place.
                long found = log.size();
                try {
                    log.close();
                } catch (IOException ignored) {
                    // closing a log nobody may write
                }
                throw historyGone("it holds " + found + " records where this JVM wrote " + reached);
            }
            if (heads.failed()) {
                RecordLog.Options headOptions = heads.options();
                try {
                    heads.close();
                } catch (IOException ignored) {
                    // it failed already
                }
                heads = RecordLog.open(dir, HEADS, headOptions);
            }
            tree = restore(log, heads, lastHead, key == null ? null : key.publicKey(), trustedCheckpoint,
                    new ArrayList<>()).tree(); // problems are logged
            pending.clear();
            dueRoots.clear();
            unsynced = 0;
            plannedSize = Math.min(headSize(), tree.size());
            synchronized (lossLock) {
                writeLossRecord();
                recoveredNanos = System.nanoTime();
                failure = null;
            }
            LOG.warn("audit log in " + dir + " writes again; records are accepted again");
        } catch (IOException | RuntimeException stillFailing) {
            if (stillFailing instanceof HistoryGone && !historyGoneLogged) {
                historyGoneLogged = true;
                LOG.error(stillFailing.getMessage());
            }
            recoveryPauseMillis = Math.min(60_000, recoveryPauseMillis * 2);
            nextRecoveryNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(recoveryPauseMillis);
            if (LOG.isDebugEnabled()) {
                LOG.debug("audit log still cannot write (" + rootMessage(stillFailing) + "); next try in "
                        + recoveryPauseMillis + " ms");
            }
        }
    }

    /** The log's files were removed or replaced while it ran: it stays failed until the JVM restarts. */
    private static final class HistoryGone extends IOException {
        private static final long serialVersionUID = 1L;

        HistoryGone(String message) {
            super(message);
        }
    }

    private HistoryGone historyGone(String why) {
        return new HistoryGone("AUDIT LOG in " + dir + " cannot resume: " + why + " (the data directory was removed"
                + " or replaced while the JVM ran). It stays failed until the JVM restarts; "
                + (refuseWhenFailed ? "calls that must be audited stay refused" : "calls run unaudited and are counted")
                + ". Restore the directory from a backup, or accept the loss, and restart.");
    }

    /**
     * Encodes a record with its {@code seq} (its index: the log's size plus the records encoded but not
     * yet appended) and hashes it into the tree; {@link #appendPending} writes it.
     */
    private void encodeRecord(Rec r) {
        if (failure != null) {
            countLost(1); // a failed RecordLog refuses appends; the first error was reported
            return;
        }
        long seq = tree.size();
        byte[] bytes;
        if (r.prepared() == null) {
            bytes = substitute(seq, r, r.problem());
        } else {
            try {
                bytes = r.prepared().with("seq", seq, "time", time(r.timeMillis()), "type", r.type());
            } catch (IllegalArgumentException unencodable) {
                bytes = substitute(seq, r, "its fields cannot be written as JSON: " + unencodable.getMessage());
            }
        }
        if (bytes.length > log.options().maxRecordSize()) {
            bytes = substitute(seq, r, "it is " + bytes.length + " bytes, over the limit of " + log.options().maxRecordSize());
        }
        pending.add(bytes);
        tree.append(MerkleHash.leaf(bytes));
        if (tree.size() - plannedSize >= headEvery) {
            // Exactly every N records: remember the root here, sign it once the batch is forced.
            dueRoots.add(new Object[] {tree.size(), tree.root(), tree.pieces()});
            plannedSize = tree.size();
        }
    }

    /** The fields without the keys the log itself writes (a caller's seq, time or type would be a duplicate). */
    private static Map<String, Object> withoutReservedKeys(Map<String, Object> fields) {
        if (!fields.containsKey("seq") && !fields.containsKey("time") && !fields.containsKey("type")) {
            return fields;
        }
        Map<String, Object> copy = new java.util.LinkedHashMap<>(fields);
        copy.remove("seq");
        copy.remove("time");
        copy.remove("type");
        return copy;
    }

    /** A record that stands in for one that cannot be written, so the log and its seq go on. */
    private byte[] substitute(long seq, Rec r, String problem) {
        LOG.error("audit record '" + r.type() + "' (seq " + seq + ") replaced by audit.unwritable: " + problem);
        String text = problem.length() > 1000 ? problem.substring(0, 1000) + "…" : problem;
        return CanonicalJson.object().put("seq", seq).put("time", time(r.timeMillis())).put("type", "audit.unwritable")
                .put("originalType", r.type()).put("problem", text).toBytes();
    }

    /** The ISO-8601 text of a time, cached per millisecond (records arrive in bursts). */
    private String time(long millis) {
        if (millis != timeMillis || timeText == null) {
            timeMillis = millis;
            timeText = org.agenthypervisor.core.encoding.IsoInstant.format(Instant.ofEpochMilli(millis));
        }
        return timeText;
    }

    /** Writes the encoded records with as few write calls as possible. */
    private void appendPending() throws IOException {
        if (pending.isEmpty()) {
            return;
        }
        try {
            if (failure == null) {
                long first = log.appendAll(pending);
                if (first + pending.size() != tree.size()) {
                    throw new IllegalStateException("audit log and Merkle tree disagree: the log holds "
                            + (first + pending.size()) + " records, the tree " + tree.size());
                }
                unsynced += pending.size();
            } else {
                countLost(pending.size());
            }
        } catch (IOException writeFailed) {
            // The records before the failed write call were written; the tree is rebuilt on recovery.
            countLost(tree.size() - log.size());
            throw writeFailed;
        } finally {
            pending.clear();
        }
    }

    private void syncRecords() throws IOException {
        appendPending();
        if (unsynced > 0 && durability != Durability.NONE && failure == null) {
            log.sync();
        }
        unsynced = 0;
    }

    /** Signs the {@code every} heads that fell due in the batch just written; its records are forced. */
    private void signDueRoots() {
        try {
            for (Object[] due : dueRoots) {
                if (failure == null) {
                    @SuppressWarnings("unchecked")
                    List<byte[]> pieces = (List<byte[]>) due[2];
                    signHead((Long) due[0], (byte[]) due[1], pieces, "every", null);
                }
            }
        } catch (IOException | RuntimeException failed) {
            if (key != null) { // a missing key was reported once by signingKey()
                LOG.error("signing a tree head failed: " + failed, failed);
            }
        } finally {
            dueRoots.clear();
        }
    }

    private void periodicHead() {
        try {
            syncRecords();
        } catch (IOException failed) {
            return; // reported by the batch that failed
        }
        signDueRoots();
        long covered = headSize();
        long size = tree.size();
        if (size == covered || failure != null) {
            return;
        }
        if (System.nanoTime() - lastHeadNanos >= headNanos) {
            try {
                signHead("interval", null);
            } catch (IOException | RuntimeException failed) {
                if (key != null) { // a missing key was reported once by signingKey()
                    LOG.error("signing a tree head failed: " + failed, failed);
                }
                lastHeadNanos = System.nanoTime(); // do not retry in a tight loop
            }
        }
    }

    /** Signs a head over the whole tree and appends it; the records it covers are already forced. */
    private TreeHead signHead(String reason, Map<String, Object> subject) throws IOException {
        return signHead(tree.size(), tree.root(), tree.pieces(), reason, subject);
    }

    /** Every head is a checkpoint (carries the frontier at its size): any of them can start a fast open or a cut. */
    private TreeHead signHead(long size, byte[] root, List<byte[]> frontier, String reason, Map<String, Object> subject)
            throws IOException {
        SigningKey k = signingKey();
        TreeHead head = TreeHead.sign(size, root, Instant.now(), reason, subject, frontier, k);
        heads.append(head.toJson());
        if (durability != Durability.NONE) {
            heads.sync();
        }
        lastHead = head;
        trustedCheckpoint = head;
        plannedSize = Math.max(plannedSize, size);
        lastHeadNanos = System.nanoTime();
        return head;
    }

    /**
     * The newest segment boundary below which every record is older than {@code cutoffMillis} and at
     * which a valid checkpoint was signed; the current first index when there is none. Reads only.
     */
    private long newestCut(long cutoffMillis) throws IOException {
        RecordLog records = log;
        long first = records.firstIndex();
        long[] starts = records.segmentStarts();
        long cut = first;
        PublicKey pk = publicKey(keysDir);
        if (pk == null) {
            return cut; // no key: no head was ever signed, so there is no checkpoint to cut at
        }
        for (int j = 1; j < starts.length; j++) {
            long boundary = starts[j];
            if (boundary <= first || checkpointAt(heads, boundary, pk) == null) {
                continue; // most boundaries are where the store filled a segment: no checkpoint there
            }
            long time = recordMillis(records, boundary - 1);
            if (time < 0 || time >= cutoffMillis) {
                break; // segments are in time order: later ones are newer still
            }
            cut = boundary;
        }
        return cut;
    }

    /**
     * The writer's part of a retention pass (records so far are written and forced): states the cut
     * chosen by {@link #newestCut} with an {@code audit.archived} record covered by a signed checkpoint,
     * then, when the current segment began more than {@code retention / 10} ago, signs a checkpoint at
     * the current size and rolls the segment there (the next possible cut). Returns the cut.
     */
    private long chooseCut(CutRequest c) throws IOException {
        long first = log.firstIndex();
        long cut = Math.max(first, c.cut());
        if (cut > first) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("before", cut);
            f.put("records", cut - first);
            f.put("archive", c.archive() == null ? "(deleted)" : c.archive().toString());
            f.put("retentionMillis", c.retentionMillis());
            encodeRecord(new Rec(0, "audit.archived", CanonicalJson.prepare(f), null, null, System.currentTimeMillis()));
            syncRecords();
            signDueRoots();
            signCheckpointHere(); // the statement of the cut is signed before the cut is made
        }
        long[] now = log.segmentStarts();
        long current = now[now.length - 1];
        // Plant at most every retention/10 (by the current segment's first record): cuts that fine keep
        // the live history under 1.1 x the retention without a segment per pass (the runtime runs a
        // pass every minute or so).
        if (tree.size() > current) {
            long since = recordMillis(log, current);
            if (since >= 0 && since <= System.currentTimeMillis() - c.retentionMillis() / 10) {
                signCheckpointHere();
                log.roll(); // the next segment starts at the checkpoint just signed: a future cut
            }
        }
        return cut;
    }

    /** Signs a checkpoint at the current size unless the last head already is one there. */
    private void signCheckpointHere() throws IOException {
        TreeHead h = lastHead;
        if (h == null || h.size() != tree.size() || !h.isCheckpoint()) {
            signHead("checkpoint", null);
        }
    }

    /** The time of record {@code index} in epoch ms, or -1 if it has none readable. */
    private static long recordMillis(RecordLog log, long index) throws IOException {
        try {
            Object parsed = CanonicalJson.parse(log.get(index));
            if (parsed instanceof Map<?, ?> m && m.get("time") instanceof String t) {
                return org.agenthypervisor.core.encoding.IsoInstant.parse(t).toEpochMilli();
            }
        } catch (RuntimeException unreadable) {
            LOG.warn("audit retention: record " + index + " has no readable time (" + unreadable.getMessage()
                    + "); nothing from there on is archived");
        }
        return -1;
    }

    /** A checkpoint of exactly {@code size} records in the heads log, signed by {@code key} and consistent; or null. */
    static TreeHead checkpointAt(RecordLog heads, long size, PublicKey key) throws IOException {
        long lo = heads.firstIndex();
        long hi = heads.size();
        while (lo < hi) { // the first head of size >= size (sizes never decrease)
            long mid = (lo + hi) >>> 1;
            if (headAt(heads, mid).size() < size) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        for (long i = lo; i < heads.size(); i++) {
            TreeHead h = headAt(heads, i);
            if (h.size() != size) {
                return null;
            }
            if (h.isCheckpoint() && key != null && h.verify(key) && h.frontierMatchesRoot()) {
                return h;
            }
        }
        return null;
    }

    private static TreeHead headAt(RecordLog heads, long i) throws IOException {
        try {
            return TreeHead.fromJson(heads.get(i));
        } catch (IllegalArgumentException malformed) {
            throw new IOException("tree head #" + i + " in " + heads.dir() + " is malformed: " + malformed.getMessage(), malformed);
        }
    }

    private SigningKey signingKey() {
        if (key == null) {
            try {
                key = KeyDirectory.open(keysDir).getOrCreate(KEY_ID);
            } catch (RuntimeException e) {
                if (!keyFailureLogged) {
                    keyFailureLogged = true;
                    LOG.error("cannot load or create the hypervisor's signing key '" + KEY_ID + "' in " + keysDir
                            + "; no tree heads will be signed: " + e.getMessage(), e);
                }
                throw e;
            }
        }
        return key;
    }
}
