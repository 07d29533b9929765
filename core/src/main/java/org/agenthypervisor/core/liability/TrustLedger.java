package org.agenthypervisor.core.liability;

import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.store.AppendLog;
import org.agenthypervisor.core.store.CorruptLogException;
import org.agenthypervisor.core.store.Durability;
import org.agenthypervisor.core.store.LogRecord;
import org.agenthypervisor.core.store.OpenReport;
import org.agenthypervisor.core.store.RecordLog;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The persistent trust ledger: {@code <dataDir>/trust}, one {@link RecordLog} named {@code trust}
 * whose records are canonical JSON, one per event that changed scores:
 * <pre>
 * {"cause":"...","changes":[{"after":0.05,"agent":"b","before":1,"distance":1}],"kind":"slash",
 *  "time":"2025-01-01T00:00:00.123Z","version":1}
 * </pre>
 * {@code kind} is {@code slash} (an anomaly; every agent it slashed, in one record), {@code set} (an
 * operator; {@code before} is null when the writer did not know it) or {@code recover} (the policy's
 * recovery rate). Replaying the records in order gives each agent's live score: the {@code after} of
 * its latest change. Agents the ledger never mentions have their initial trust from the policy.
 *
 * <p>{@link #append} returns only once the record is on the device (group commit), and callers
 * change the live score only after it returns: a restart can never restore a slashed agent. A torn
 * tail (a crash during an append, whose change therefore never took effect) is cut when the ledger
 * is opened; anything else that is wrong with the files fails the open and is never rewritten.
 *
 * <p>The read-write open holds the log's lock for the life of the JVM, which is how the command
 * line knows whether a JVM is using the data directory.
 *
 * <h2>Snapshot and retention</h2>
 * {@code trust/trust.snapshot} ({@link TrustSnapshot}) holds every agent's latest change as of a
 * record index; opening reads it and replays only the records after it. A snapshot is written when
 * {@value #SNAPSHOT_EVERY} records have been appended since the last one, by {@link #compact}, and
 * at {@link #close} if anything was appended (slashes are rare, so in practice: at every close after
 * a change). A damaged snapshot, one that covers more records than the ledger has, one that covers
 * fewer than the live log's first record, or a missing one when records were archived, fails the
 * open naming the file.
 *
 * <p>{@link #applyRetention} moves whole segments whose records are all older than the retention
 * and covered by the snapshot to {@code trust/archive} (or deletes them); {@link #history} reads the
 * archive and the live log together. Archived records are never needed to open the ledger.
 *
 * <h2>A shared ledger</h2>
 * {@link #openShared} keeps the same records in an {@link AppendLog} that several JVMs write (the
 * PostgreSQL store). Its index order is the commit order, so replaying it gives every JVM the same
 * scores; when another JVM appends, {@link #catchUp} reads the new records and hands the changed
 * entries to the listener set with {@link #onChangedElsewhere} (the liability engine, which applies
 * them to the principals at once). A shared ledger has no snapshot, retention or files to check: the
 * database keeps the records.
 */
public final class TrustLedger implements AutoCloseable {
    public static final String NAME = "trust";
    public static final int VERSION = 1;
    /** Records appended since the last snapshot that make the next append write one. */
    public static final int SNAPSHOT_EVERY = 1_000;
    /** The archive of retired segments, inside the ledger's directory. */
    public static final String ARCHIVE = "archive";

    private static final Log LOG = Log.get("liability");

    /** The file log, or null for a shared ledger. */
    private final RecordLog log;
    /** Where records are appended and read: {@link #log} itself, or the shared log. */
    private final AppendLog records;
    private volatile Consumer<List<Entry>> changedElsewhere = NoListener.INSTANCE;
    private final Map<String, Entry> latest = new ConcurrentHashMap<>();
    /** Records [0, applied) are reflected in {@link #latest}. */
    private long applied;
    /** Records the snapshot on disk covers (0 if none). */
    private long covered;
    /** Records read from the log when the ledger was opened (the tail after the snapshot). */
    private long replayedAtOpen;

    /** An agent's latest change: its score, what changed it, when, and the ledger record's index. */
    public record Entry(String agent, double trust, String kind, String cause, String time, long index) {
    }

    /** One agent's change in a record. {@code before} may be NaN (unknown, written as null). */
    public record Change(String agent, double before, double after, int distance) {
    }

    /** One ledger record, for {@link #history}. */
    public record Event(long index, String kind, String cause, String time, List<Change> changes) {
    }

    /**
     * What {@link #history} read: records {@code [firstKept, size)}, and notes on records it could
     * not show (deleted by retention).
     */
    public record HistoryReport(long firstKept, long size, long archived, List<String> notes) {
    }

    private TrustLedger(RecordLog log) {
        this.log = log;
        this.records = log;
    }

    private TrustLedger(AppendLog shared) {
        this.log = null;
        this.records = shared;
    }

    /**
     * Opens a ledger kept in a shared log (several JVMs) and replays it; from then on, records other
     * JVMs append are applied as they are announced (see {@link #onChangedElsewhere}).
     */
    public static TrustLedger openShared(AppendLog shared) throws IOException {
        TrustLedger ledger = new TrustLedger(shared);
        ledger.catchUp();
        ledger.replayedAtOpen = ledger.applied;
        shared.onAppendedElsewhere(new CatchUpQuietly(ledger));
        return ledger;
    }

    // Classes, not lambdas: each lambda costs ~0.5 ms to link at start-up (issue 11).

    /** The listener until {@link #onChangedElsewhere}: none. */
    private static final class NoListener implements Consumer<List<Entry>> {
        static final NoListener INSTANCE = new NoListener();

        @Override
        public void accept(List<Entry> changed) {
        }
    }

    private static final class CatchUpQuietly implements Runnable {
        private final TrustLedger ledger;

        CatchUpQuietly(TrustLedger ledger) {
            this.ledger = ledger;
        }

        @Override
        public void run() {
            ledger.catchUpQuietly();
        }
    }

    /** Applies the records after the last one applied (see {@link #catchUp}), collecting the entries they change. */
    private static final class CatchUp implements Consumer<LogRecord> {
        private final TrustLedger ledger;
        private final List<Entry> changed;

        CatchUp(TrustLedger ledger, List<Entry> changed) {
            this.ledger = ledger;
            this.changed = changed;
        }

        @Override
        public void accept(LogRecord r) {
            if (r.index() != ledger.applied) {
                throw new IllegalStateException("trust ledger " + ledger.records.describe() + ": expected record "
                        + ledger.applied + ", read record " + r.index() + " (a record is missing; the ledger is never"
                        + " rewritten)");
            }
            Event e = parse(ledger.records.describe(), r.index(), r.payload());
            for (Change c : e.changes()) {
                Entry entry = new Entry(c.agent(), c.after(), e.kind(), e.cause(), e.time(), e.index());
                ledger.latest.put(c.agent(), entry);
                changed.add(entry);
            }
            ledger.applied = r.index() + 1;
        }
    }

    /** Replays the records after the snapshot when the ledger is opened (see {@link #load}). */
    private static final class Replay implements Consumer<LogRecord> {
        private final TrustLedger ledger;

        Replay(TrustLedger ledger) {
            this.ledger = ledger;
        }

        @Override
        public void accept(LogRecord r) {
            Event e = parse(ledger.log.dir(), r.index(), r.payload());
            for (Change c : e.changes()) {
                ledger.latest.put(c.agent(), new Entry(c.agent(), c.after(), e.kind(), e.cause(), e.time(), e.index()));
            }
        }
    }

    /** Whether the records live in a shared store rather than this data directory's files. */
    public boolean shared() {
        return log == null;
    }

    /** Where the records are, for messages. */
    public String describe() {
        return records.describe();
    }

    /** Receives the entries that records appended by other JVMs changed, in record order. */
    public void onChangedElsewhere(Consumer<List<Entry>> listener) {
        this.changedElsewhere = listener;
    }

    /**
     * Applies the records after the last one applied here (appended by other JVMs) and tells the
     * listener what they changed.
     *
     * @return the number of records applied
     */
    public long catchUp() throws IOException {
        List<Entry> changed = new ArrayList<>();
        long before;
        synchronized (this) {
            before = applied;
            records.forEach(applied, new CatchUp(this, changed));
        }
        if (!changed.isEmpty()) {
            changedElsewhere.accept(changed);
        }
        return applied - before;
    }

    private void catchUpQuietly() {
        try {
            catchUp();
        } catch (IOException | RuntimeException failure) {
            LOG.error("trust ledger " + records.describe() + ": could not apply the changes of other JVMs (" + failure
                    + "); they apply at the next notification or reconnection", failure);
        }
    }

    /**
     * The ledger's log options: a slash is forced before it applies, so a ledger shorter than its
     * high-water mark lost slashes, and must not open as if trust had never dropped.
     */
    static RecordLog.Options options() {
        return RecordLog.Options.defaults().withHighWaterMark(true);
    }

    /** The ledger's directory in a data directory. */
    public static Path directory(Path dataDir) {
        return dataDir.resolve(NAME);
    }

    /**
     * Opens (creating if missing) the ledger of a data directory read-write and replays it.
     *
     * @throws IOException if another process holds it, or it is corrupted (a {@link CorruptLogException}
     *                     naming file, offset and record), or cannot be read
     */
    public static TrustLedger open(Path dataDir, Durability durability) throws IOException {
        RecordLog log = RecordLog.open(directory(dataDir), NAME, options().withDurability(durability));
        TrustLedger ledger = new TrustLedger(log);
        try {
            ledger.load(TrustSnapshot.read(log.dir()));
            TrustSnapshot.removeLeftoverTemps(log.dir());
            if (ledger.applied - ledger.covered >= SNAPSHOT_EVERY) {
                ledger.snapshotQuietly();
            }
        } catch (IOException | RuntimeException failure) {
            log.close();
            throw failure;
        }
        return ledger;
    }

    /** What opening found: a torn tail that was cut, if any. */
    public OpenReport openReport() {
        return log == null ? new OpenReport(records.size(), 0, 0, null, 0, false, "shared ledger", false)
                : log.openReport();
    }

    /**
     * Reads a data directory's ledger without locking or changing it (works while a JVM uses it).
     *
     * @return the latest change of every agent it mentions, by agent id; empty if there is no ledger
     */
    public static Map<String, Entry> read(Path dataDir) throws IOException {
        Path dir = directory(dataDir);
        if (!Files.isDirectory(dir)) {
            return Map.of();
        }
        // A JVM may write a newer snapshot and archive segments while this reads: read the snapshot
        // first (the log only grows past it), and try again if an archive moved the log past it or
        // removed a file being read. Damage fails every attempt the same way.
        for (int attempt = 1; ; attempt++) {
            TrustSnapshot.Contents snapshot = TrustSnapshot.read(dir);
            try (RecordLog log = RecordLog.open(dir, NAME, options().withReadOnly(true))) {
                TrustLedger reader = new TrustLedger(log);
                reader.load(snapshot);
                return new TreeMap<>(reader.latest);
            } catch (NoSuchFileException none) {
                if (snapshot != null) {
                    throw new IOException("trust ledger " + dir + " has a snapshot but no ledger files", none);
                }
                return Map.of();
            } catch (IOException | IndexOutOfBoundsException raced) {
                if (attempt >= 3) {
                    throw raced;
                }
            }
        }
    }

    /**
     * Whether a process (this one included) holds the ledger of {@code dataDir} open read-write,
     * i.e. whether a JVM with the agent is using the data directory.
     */
    public static boolean inUse(Path dataDir) throws IOException {
        Path lockFile = directory(dataDir).resolve(NAME + ".lock");
        if (!Files.exists(lockFile)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock lock = ch.tryLock();
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        } catch (OverlappingFileLockException inThisJvm) {
            return true;
        }
    }

    /** The snapshot is older than the live log's first record: for a reader, a race with an archive. */
    private static final class SnapshotBehind extends IOException {
        SnapshotBehind(String message) {
            super(message);
        }
    }

    /** Takes the snapshot's scores (checked against the log), then replays the records after it. */
    private void load(TrustSnapshot.Contents snapshot) throws IOException {
        Path file = TrustSnapshot.file(log.dir());
        long first = log.firstIndex();
        long size = log.size();
        long from = 0;
        if (snapshot == null) {
            if (first > 0) {
                throw new IOException("trust ledger snapshot " + file + " is missing, but records 0.." + (first - 1)
                        + " of the ledger were archived and only a snapshot sums them up; the agents' scores cannot"
                        + " be known without it: restore it from a backup");
            }
        } else {
            long covers = snapshot.covers();
            if (covers > size) {
                throw new IOException("trust ledger snapshot " + file + " covers " + covers + " records, but the ledger"
                        + " has only " + size + ": the ledger lost records or the snapshot belongs to another ledger;"
                        + " neither is rewritten: restore the ledger directory from a backup");
            }
            if (covers < first) {
                throw new SnapshotBehind("trust ledger snapshot " + file + " covers records 0.." + (covers - 1)
                        + ", but the live ledger starts at record " + first + ": records " + covers + ".." + (first - 1)
                        + " were archived without a snapshot that covers them (an older snapshot was restored?)");
            }
            if (covers > first) {
                long crc = TrustSnapshot.crcOf(log.get(covers - 1));
                if (crc != snapshot.lastRecordCrc()) {
                    throw new IOException("trust ledger snapshot " + file + " does not match the ledger: record "
                            + (covers - 1) + ", the last it covers, differs from the one it was made from (the snapshot"
                            + " or the ledger was replaced); neither is rewritten: restore the ledger directory from a"
                            + " backup");
                }
            }
            latest.putAll(snapshot.entries());
            covered = covers;
            from = covers;
        }
        log.forEach(from, new Replay(this));
        replayedAtOpen = size - from;
        applied = size;
    }

    /** Parses and checks one record; a bad one is an {@link IllegalStateException} naming the ledger. */
    private static Event parse(Object dir, long index, byte[] payload) {
        Object tree;
        try {
            tree = CanonicalJson.parse(payload);
        } catch (IllegalArgumentException bad) {
            throw new IllegalStateException("trust ledger " + dir + ": record " + index + " is not JSON ("
                    + bad.getMessage() + "); the ledger is never rewritten: restore it from a backup", bad);
        }
        if (!(tree instanceof Map) || !(((Map<?, ?>) tree).get("changes") instanceof List)) {
            throw new IllegalStateException("trust ledger " + dir + ": record " + index
                    + " has no \"changes\"; the ledger is never rewritten: restore it from a backup");
        }
        Map<?, ?> rec = (Map<?, ?>) tree;
        String kind = String.valueOf(rec.get("kind"));
        String cause = rec.get("cause") == null ? "" : String.valueOf(rec.get("cause"));
        String time = String.valueOf(rec.get("time"));
        List<Change> changes = new ArrayList<>();
        for (Object o : (List<?>) rec.get("changes")) {
            if (!(o instanceof Map) || !(((Map<?, ?>) o).get("agent") instanceof String)
                    || !(((Map<?, ?>) o).get("after") instanceof Number)) {
                throw new IllegalStateException("trust ledger " + dir + ": record " + index
                        + " has a change without agent or after: " + o);
            }
            Map<?, ?> c = (Map<?, ?>) o;
            String agent = (String) c.get("agent");
            double after = ((Number) c.get("after")).doubleValue();
            if (!(after >= 0.0 && after <= 1.0)) {
                throw new IllegalStateException("trust ledger " + dir + ": record " + index + " sets '" + agent
                        + "' to " + after + ", outside [0, 1]");
            }
            double before = c.get("before") instanceof Number b ? b.doubleValue() : Double.NaN;
            int distance = c.get("distance") instanceof Number d ? d.intValue() : 0;
            changes.add(new Change(agent, before, after, distance));
        }
        return new Event(index, kind, cause, time, changes);
    }

    /** The live score the ledger holds for an agent, if it ever changed. */
    public OptionalDouble trust(String agent) {
        Entry e = latest.get(agent);
        return e == null ? OptionalDouble.empty() : OptionalDouble.of(e.trust());
    }

    /** The latest change of every agent the ledger mentions, by id. */
    public Map<String, Entry> entries() {
        return Collections.unmodifiableMap(new TreeMap<>(latest));
    }

    /**
     * Appends one event and returns once it is durable; only then does it count.
     *
     * @return the record's index
     */
    public synchronized long append(String kind, String cause, List<Change> changes, long timeMillis) throws IOException {
        List<Object> list = new ArrayList<>(changes.size());
        for (Change c : changes) {
            list.add(CanonicalJson.object()
                    .put("agent", c.agent())
                    .put("before", Double.isNaN(c.before()) ? null : (Object) c.before())
                    .put("after", c.after())
                    .put("distance", (long) c.distance()));
        }
        String time = org.agenthypervisor.core.encoding.IsoInstant.format(Instant.ofEpochMilli(timeMillis));
        byte[] record = CanonicalJson.object()
                .put("version", (long) VERSION)
                .put("kind", kind)
                .put("cause", cause)
                .put("time", time)
                .put("changes", list)
                .toBytes();
        long index = records.appendDurable(record);
        if (log == null && index != applied) {
            // Other JVMs appended before this record: apply theirs and this one in commit order.
            catchUp();
            return index;
        }
        for (Change c : changes) {
            latest.put(c.agent(), new Entry(c.agent(), c.after(), kind, cause, time, index));
        }
        if (index == applied) {
            applied = index + 1;
        }
        if (log == null) {
            return index;
        }
        if (applied - covered >= SNAPSHOT_EVERY) {
            snapshotQuietly(); // the record is durable whatever happens to the snapshot
        }
        return index;
    }

    /** Fails the ledger if its files were removed or replaced under it (see {@link RecordLog#checkFiles}). */
    public void checkFiles() throws IOException {
        if (log != null) {
            log.checkFiles();
        }
    }

    /** The number of records. */
    public long size() {
        return records.size();
    }

    /** Records the current snapshot covers (0 if there is none). */
    public synchronized long snapshotCovers() {
        return covered;
    }

    /** How many records opening read from the log: those after the snapshot. */
    public long replayedAtOpen() {
        return replayedAtOpen;
    }

    /**
     * Writes a snapshot of the current scores if any record was appended since the last one.
     *
     * @return whether one was written
     * @throws IOException if it could not be written (the old snapshot then stays; nothing is lost)
     */
    public synchronized boolean compact() throws IOException {
        if (log == null || applied == covered) {
            return false;
        }
        if (log.failed() || applied != log.size()) {
            throw new IOException("trust ledger " + log.dir() + ": not writing a snapshot: the log failed or holds a"
                    + " record whose change is not known here (records " + applied + " of " + log.size() + ")");
        }
        log.sync(); // a snapshot must never cover a record that a crash could still take away
        long covers = applied;
        long crc = TrustSnapshot.crcOf(log.get(covers - 1));
        TrustSnapshot.write(log.dir(), covers, crc, latest.values());
        covered = covers;
        return true;
    }

    private void snapshotQuietly() {
        try {
            compact();
        } catch (IOException | RuntimeException failure) {
            LOG.warn("trust ledger " + log.dir() + ": could not write the snapshot " + TrustSnapshot.file(log.dir())
                    + " (" + failure + "); the ledger is intact, the next open just replays more records");
        }
    }

    /**
     * Retires old records: writes a snapshot if needed, seals the current segment once its first record
     * is older than the retention (so that a cut point exists), then removes from the live log every
     * whole segment whose records are all older than the retention and covered by the snapshot: copied
     * to {@code trust/archive}, or deleted when {@code delete}. Whether a segment is old is judged by its
     * last record's time (records are appended in time order; a clock set back only delays retirement).
     *
     * @return the number of records retired
     */
    public long applyRetention(long retentionMillis, boolean delete, long nowMillis) throws IOException {
        if (log == null) {
            return 0; // the database keeps a shared ledger's records
        }
        long cut;
        long first;
        synchronized (this) {
            compact();
            long cutoff = nowMillis - retentionMillis;
            long[] starts = log.segmentStarts();
            long current = starts[starts.length - 1];
            if (log.size() > current && olderThan(current, cutoff)) {
                log.roll();
                starts = log.segmentStarts();
            }
            first = log.firstIndex();
            cut = first;
            for (int i = 0; i + 1 < starts.length; i++) {
                long end = starts[i + 1];
                if (end > covered || !olderThan(end - 1, cutoff)) {
                    break;
                }
                cut = end;
            }
        }
        if (cut <= first) {
            return 0;
        }
        // Outside the lock: copying segments must not hold up a slash. The snapshot already covers them.
        long now = log.archiveBefore(cut, delete ? null : log.dir().resolve(ARCHIVE));
        LOG.info("trust ledger " + log.dir() + ": " + (delete ? "deleted" : "archived to " + log.dir().resolve(ARCHIVE))
                + " records " + first + ".." + (now - 1) + ", older than the retention and covered by the snapshot");
        return now - first;
    }

    private boolean olderThan(long index, long cutoffMillis) throws IOException {
        try {
            return parseMillis(parse(log.dir(), index, log.get(index)).time()) < cutoffMillis;
        } catch (RuntimeException unreadable) {
            return false; // keep what cannot be dated
        }
    }

    private static long parseMillis(String time) {
        return org.agenthypervisor.core.encoding.IsoInstant.parse(time).toEpochMilli();
    }

    /**
     * Reads every record still kept, archived and live, oldest first, without locking or changing
     * anything (works while a JVM uses the ledger).
     *
     * @param each receives each record in index order
     * @return what was read; {@code notes} says which records are not kept any more
     * @throws IOException if a file is damaged (naming it) or cannot be read
     */
    public static HistoryReport history(Path dataDir, Consumer<Event> each) throws IOException {
        Path dir = directory(dataDir);
        List<String> notes = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return new HistoryReport(0, 0, 0, notes);
        }
        // The live log first: an archive run copies segments to the archive before it removes them
        // from the live log, so the archive then holds at least everything below this first index.
        try (RecordLog live = RecordLog.open(dir, NAME, options().withReadOnly(true))) {
            long first = live.firstIndex();
            long firstKept = first;
            long archived = 0;
            Path archiveDir = dir.resolve(ARCHIVE);
            if (first > 0 && Files.isDirectory(archiveDir)) {
                try (RecordLog archive = RecordLog.open(archiveDir, NAME, RecordLog.Options.defaults().withReadOnly(true))) {
                    long aFirst = archive.firstIndex();
                    long aEnd = Math.min(archive.size(), first);
                    if (aEnd > aFirst) {
                        firstKept = aFirst;
                        archive.forEach(aFirst, (LogRecord r) -> {
                            if (r.index() < aEnd) {
                                each.accept(parse(archiveDir, r.index(), r.payload()));
                            }
                        });
                        archived = aEnd - aFirst;
                        if (aEnd < first) {
                            notes.add("records " + aEnd + ".." + (first - 1) + " were deleted by retention"
                                    + " (liability.archive: delete)");
                        }
                    }
                } catch (NoSuchFileException none) {
                    // an empty archive directory: nothing archived there
                }
            }
            if (firstKept > 0) {
                notes.add(0, "records 0.." + (firstKept - 1) + " were deleted by retention (liability.archive: delete);"
                        + " the snapshot keeps the scores they set");
            }
            live.forEach(first, (LogRecord r) -> each.accept(parse(dir, r.index(), r.payload())));
            return new HistoryReport(firstKept, live.size(), archived, notes);
        } catch (NoSuchFileException none) {
            return new HistoryReport(0, 0, 0, notes);
        }
    }

    /** Writes a snapshot if anything was appended since the last one, then closes. */
    @Override
    public synchronized void close() throws IOException {
        if (log == null) {
            return; // the shared log belongs to its store, which the runtime closes
        }
        if (!log.options().readOnly() && !log.failed()) {
            snapshotQuietly();
        }
        log.close();
    }
}
