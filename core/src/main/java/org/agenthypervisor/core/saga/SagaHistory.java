package org.agenthypervisor.core.saga;

import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.store.LogRecord;
import org.agenthypervisor.core.store.RecordLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.nio.file.Path;

/**
 * What the journal says about each saga, rebuilt by reading it from the start: the basis of
 * recovery and of {@code saga list} / {@code saga show}. An authentic record that does not fit the
 * journal is damage the record log's checks cannot see (a bug, a key in the wrong hands, or a journal
 * of a newer version), and fails the replay; the journal is never rewritten. That is a record that is
 * not a JSON object with a type and a saga id, a record of an unknown type, a second {@code begin}
 * or a second {@code end} of a saga, and any other record of a saga the journal never began.
 * Skipping them would let recovery act on a history that is not the one written: a second end, or
 * a record of an unknown saga, means records are missing or out of place.
 *
 * <h2>Authentication</h2>
 * Every record is checked against the journal's {@link JournalSeal}. A record that does not verify
 * (a forged or edited one, one out of place, one of format 1, or any record when the key is not
 * available) is listed in {@link #unauthenticated()} and never dropped: the replay still applies it,
 * so that the tools show what it claims, but the saga it names is {@linkplain SagaView#quarantined()
 * quarantined}. A format 2 record that fails its tag is evidence of tampering, and the chain can no
 * longer say what is missing (a replaced record's saga is unknown): then {@link #held()} holds every
 * unfinished saga, not only the quarantined ones. Recovery acts only on {@link #recoverable()}
 * sagas. An unauthenticated record that is not even a journal record is listed, not fatal.
 */
public final class SagaHistory {

    /** Where a saga stands in the journal. */
    public enum State {
        /** Begun, no rollback, no end: still running, or the JVM stopped while it ran. */
        RUNNING,
        /** A rollback or recovery began but no end is recorded. */
        COMPENSATING,
        COMPLETED,
        COMPENSATED,
        ESCALATED;

        public boolean unfinished() {
            return this == RUNNING || this == COMPENSATING;
        }

        public String label() {
            return name().toLowerCase();
        }
    }

    /** Where a step stands. */
    public enum StepStatus { STARTED, DONE, FAILED }

    /** Where a step's compensation stands. */
    public enum CompensationStatus { NONE, COMPENSATING, COMPENSATED, ESCALATED }

    /** One saga as the journal shows it. Mutable while the replay runs, read-only for callers. */
    public static final class SagaView {
        private final String id;
        private final String name;
        private final String method;
        private final String agent;
        private final long began;
        private long ended = -1;
        private State state = State.RUNNING;
        private String error;
        private final Map<String, StepView> steps = new LinkedHashMap<>();
        private final List<Map<String, Object>> records;
        private final List<Long> unauthenticated = new ArrayList<>();

        SagaView(String id, String name, String method, String agent, long began, boolean keepRecords) {
            this.id = id;
            this.name = name;
            this.method = method;
            this.agent = agent;
            this.began = began;
            this.records = keepRecords ? new ArrayList<>() : null;
        }

        public String id() {
            return id;
        }

        public String name() {
            return name;
        }

        public String method() {
            return method;
        }

        public String agent() {
            return agent;
        }

        /** Epoch milliseconds of the begin record. */
        public long began() {
            return began;
        }

        /** Epoch milliseconds of the end record, or -1. */
        public long ended() {
            return ended;
        }

        public State state() {
            return state;
        }

        /** What made the saga fail (from its rollback record), or null. */
        public String error() {
            return error;
        }

        /** Its steps in the order they started. */
        public List<StepView> steps() {
            return List.copyOf(steps.values());
        }

        public StepView step(String stepId) {
            return steps.get(stepId);
        }

        /** Whether a record that names this saga failed authentication: recovery never acts on it. */
        public boolean quarantined() {
            return !unauthenticated.isEmpty();
        }

        /** The journal indexes of the records naming this saga that failed authentication. */
        public List<Long> unauthenticated() {
            return List.copyOf(unauthenticated);
        }

        /** Every record of the saga in journal order (only when the replay kept them). */
        public List<Map<String, Object>> records() {
            return records == null ? List.of() : Collections.unmodifiableList(records);
        }
    }

    /** One step as the journal shows it. */
    public static final class StepView {
        private final String id;
        private final Map<String, Object> started;
        private final long startedAt;
        private StepStatus status = StepStatus.STARTED;
        /** Replay position of the record that last settled the step's forward outcome (started, or done). */
        private long order;
        private byte[] result;
        private boolean resultComplete;
        private String error;
        private CompensationStatus compensation = CompensationStatus.NONE;
        private int attempts;
        private String lastError;

        StepView(String id, Map<String, Object> started, long index, long position) {
            this.id = id;
            this.started = started;
            this.startedAt = index;
            this.order = position;
        }

        public String id() {
            return id;
        }

        public String method() {
            return string("method");
        }

        public String declaringClass() {
            return string("declaringClass");
        }

        /** The class of the instance the step ran on, or null for a static step. */
        public String instanceClass() {
            return string("instanceClass");
        }

        public String compensationName() {
            return string("compensation");
        }

        public String descriptor() {
            return string("descriptor");
        }

        public boolean passesResult() {
            return Boolean.TRUE.equals(started.get("passesResult"));
        }

        public boolean compensateInDoubt() {
            return Boolean.TRUE.equals(started.get("compensateInDoubt"));
        }

        /** The canonical JSON of the arguments, or null when none were recorded. */
        public byte[] args() {
            Object args = started.get("args");
            return args == null ? null : CanonicalJson.write(args);
        }

        public boolean recoverable() {
            return Boolean.TRUE.equals(started.get("recoverable"));
        }

        /** Why the step cannot be recovered after a crash, or null. */
        public String unrecoverable() {
            return string("unrecoverable");
        }

        public String agent() {
            return string("agent");
        }

        public int ring() {
            Object ring = started.get("ring");
            return ring instanceof Number ? ((Number) ring).intValue() : 3;
        }

        public StepStatus status() {
            return status;
        }

        /** Whether the step started but the journal has no outcome for it. */
        public boolean inDoubt() {
            return status == StepStatus.STARTED;
        }

        /**
         * Where its done record (or its started record while it has none) came in the replay: orders steps
         * as the journal does. Not the journal index: records carried by compaction keep the index they had,
         * which after {@code saga seal --accept} may lie above the records that follow the carry.
         */
        public long order() {
            return order;
        }

        /** The journal index of its started record. */
        public long startedAt() {
            return startedAt;
        }

        /** The canonical JSON of its result, or null. */
        public byte[] result() {
            return result;
        }

        public boolean resultComplete() {
            return resultComplete;
        }

        /** Why the step itself failed, or null. */
        public String error() {
            return error;
        }

        public CompensationStatus compensation() {
            return compensation;
        }

        public int attempts() {
            return attempts;
        }

        /** The last error of its compensation, or the escalation reason. */
        public String lastError() {
            return lastError;
        }

        private String string(String key) {
            Object v = started.get(key);
            return v instanceof String ? (String) v : null;
        }
    }

    /**
     * A record that failed authentication.
     *
     * @param saga   the saga it names, or null if it is not a journal record
     * @param type   its type, or null if it is not a journal record
     * @param reason why it failed
     */
    public record Unauthenticated(long index, String saga, String type, Reason reason) {
        @Override
        public String toString() {
            return "#" + index + (type == null ? " (not a journal record)" : " " + type + " of " + saga) + ": " + reason.text;
        }
    }

    /** Why a record failed authentication. */
    public enum Reason {
        /** A format 2 record whose tag does not verify at its place. */
        BAD_TAG("its MAC does not verify here (forged or edited, moved, duplicated, from another journal or data"
                + " directory, or the record before it was removed or replaced)"),
        /** A record of format 1: written before journal records were authenticated. */
        FORMAT_1("format 1, written before journal records were authenticated"),
        /** A format 2 record read without the key. */
        NO_KEY("cannot be verified: the hypervisor's key is not available");

        final String text;

        Reason(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    private final Map<String, SagaView> sagas = new LinkedHashMap<>();
    private final List<Unauthenticated> unauthenticated = new ArrayList<>();
    /** A sealed (format 2) record was read: from here on a format 1 record is a downgrade. */
    private boolean sawSealed;
    private final java.util.Set<String> quarantinedIds = new java.util.LinkedHashSet<>();
    private boolean tampered;
    private long highestNumber;
    private long records;
    /** Records applied, carried ones included: the order of steps. */
    private long applied;
    private int skipped;
    /** Sagas whose end was read, by number (ids of our {@code sN} form), kept after they are forgotten. */
    private final java.util.BitSet endedNumbers = new java.util.BitSet();
    /** The same for ids of another form (never written by this version; kept exact rather than lost). */
    private final java.util.Set<String> endedOther = new java.util.HashSet<>();

    // Compaction (see JournalCompaction): where the live part may be cut, and what the checkpoints say.
    /** A compaction checkpoint seen in the replay. */
    static final class Checkpoint {
        final long index;
        final int carries;
        final long cut;
        /** The latest end-record time before it: it may become the first live record once that is past retention. */
        final long latestEndBefore;
        final boolean usable;
        int carriesSeen;

        Checkpoint(long index, int carries, long cut, long latestEndBefore, boolean usable) {
            this.index = index;
            this.carries = carries;
            this.cut = cut;
            this.latestEndBefore = latestEndBefore;
            this.usable = usable;
        }

        /** Authentic, at the index it names, and every carry it announced follows it. */
        boolean complete() {
            return usable && carriesSeen == carries;
        }
    }

    private final List<Checkpoint> checkpoints = new ArrayList<>();
    /** The checkpoint whose carries are still being counted, or null. */
    private Checkpoint counting;
    /** The latest time of an end record read. */
    private long latestEnd;
    /** The highest number a checkpoint names: ids up to it may belong to archived sagas. */
    private long archivedHighest;
    /** The cut the last authentic checkpoint names, or -1 if none was read. */
    private long latestCut = -1;
    /** The index of the first record read (the live part's first record for a compacted journal). */
    private long first;
    /** The index the next record read must have. */
    private long next;
    private JournalSeal.Verifier verifier;
    /** Records of the shared journal: stored unsealed (every JVM has its own key), trusted as the database is. */
    private boolean trusted;
    private boolean keepFinished;
    private boolean keepRecords;

    private SagaHistory() {
    }

    /**
     * Reads the whole journal of a data directory's record log, with the key from the default key
     * directory next to it ({@code <dataDir>/keys}, read-only; without it every record is
     * unauthenticated). For tools and tests; the engine passes its own seal.
     */
    public static SagaHistory replay(RecordLog log, boolean keepFinished, boolean keepRecords) throws IOException {
        Path dataDir = log.dir().getParent();
        JournalSeal seal = dataDir == null ? null : JournalSeal.load(SagaJournal.defaultKeysDir(dataDir)).orElse(null);
        return replay(log, seal, keepFinished, keepRecords);
    }

    /**
     * Reads the whole journal.
     *
     * @param seal         the journal's seal, or null if the key is not available (then no record verifies)
     * @param keepFinished keep ended sagas (the command line) or forget them as they end (recovery)
     * @param keepRecords  keep every record of each saga (for {@code saga show})
     * @throws IOException if the journal cannot be read or an authentic record is not a journal record
     */
    public static SagaHistory replay(RecordLog log, JournalSeal seal, boolean keepFinished, boolean keepRecords)
            throws IOException {
        SagaHistory history = start(log, seal, keepFinished, keepRecords);
        history.readFrom(log);
        history.checkStart(log);
        history.attachUnauthenticated();
        return history;
    }

    /**
     * Replays records of the shared journal on PostgreSQL (plain JSON, in the order they were written):
     * all of one saga (a take-over) or of many ({@code saga list --store}). Indexes are positions in
     * {@code records}.
     *
     * @throws IOException if a record is not a journal record
     */
    public static SagaHistory replayShared(List<byte[]> records, boolean keepFinished, boolean keepRecords)
            throws IOException {
        SagaHistory history = new SagaHistory();
        history.trusted = true;
        history.keepFinished = keepFinished;
        history.keepRecords = keepRecords;
        long index = 0;
        try {
            for (byte[] r : records) {
                history.apply(index++, r);
            }
        } catch (IllegalArgumentException e) {
            throw new IOException("shared saga journal: " + e.getMessage(), e);
        }
        history.next = index;
        return history;
    }

    /**
     * Reads the whole history: the archived records in {@code archive} (a read-only log of
     * {@code saga/archive}, see {@link JournalCompaction}) and then the live journal, as one chain.
     * For the tools; if the archive does not reach the live part's first record (deleted per
     * {@code saga.archive: delete}, or moved away) only the live part is read.
     */
    public static SagaHistory replayWithArchive(RecordLog archive, RecordLog live, JournalSeal seal, boolean keepFinished,
                                                boolean keepRecords) throws IOException {
        if (archive == null || archive.size() != live.firstIndex() || live.firstIndex() == 0) {
            return replay(live, seal, keepFinished, keepRecords);
        }
        SagaHistory history = start(archive, seal, keepFinished, keepRecords);
        history.readFrom(archive);
        history.checkStart(archive);
        history.readFrom(live);
        history.attachUnauthenticated();
        return history;
    }

    /**
     * A replay positioned at the log's first live record. A compacted journal starts at a checkpoint
     * that names the tag its chain continues from; anything else there means segments were removed
     * and {@code journal.start} written by hand, or damage: the replay fails (nothing is changed).
     */
    private static SagaHistory start(RecordLog log, JournalSeal seal, boolean keepFinished, boolean keepRecords)
            throws IOException {
        SagaHistory history = new SagaHistory();
        history.verifier = seal == null ? null : seal.verifier();
        history.keepFinished = keepFinished;
        history.keepRecords = keepRecords;
        long first = log.firstIndex();
        history.first = first;
        history.next = first;
        if (first > 0 && log.size() > first) {
            Map<?, ?> checkpoint = checkpointAt(log, first);
            Object previous = checkpoint == null ? null : checkpoint.get("previous");
            byte[] tag = null;
            if (previous instanceof String && ((String) previous).length() == 2 * JournalSeal.TAG_SIZE) {
                try {
                    tag = java.util.HexFormat.of().parseHex((String) previous);
                } catch (IllegalArgumentException notHex) {
                    tag = null;
                }
            }
            if (tag == null) {
                throw new IOException("saga journal " + log.dir() + ": its live part starts at record " + first + " ("
                        + log.name() + ".start) but that record is not the checkpoint compaction writes where it cuts:"
                        + " segments were removed and " + log.name() + ".start written by hand, or the journal is damaged."
                        + " Nothing was changed; put the missing segments back (from " + JournalCompaction.ARCHIVE
                        + "/ or a backup) or move the saga directory aside after inspecting it");
            }
            if (history.verifier != null) {
                history.verifier.continueFrom(tag);
            }
        }
        return history;
    }

    private static Map<?, ?> checkpointAt(RecordLog log, long index) throws IOException {
        Object parsed;
        try {
            parsed = CanonicalJson.parse(JournalSeal.json(log.get(index)));
        } catch (IllegalArgumentException notJson) {
            return null;
        }
        if (parsed instanceof Map<?, ?> m && JournalRecords.CHECKPOINT.equals(m.get("type"))
                && m.get("start") instanceof Number n && n.longValue() == index) {
            return m;
        }
        return null;
    }

    /** Reads the records of {@code log} from where this replay stands to the log's end (compaction reads on). */
    void readFrom(RecordLog log) throws IOException {
        try {
            log.forEach(next, new ReadOn(this));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (IllegalArgumentException e) {
            throw new IOException("saga journal " + log.dir() + ": " + e.getMessage()
                    + "; the journal is never rewritten: move the saga directory aside after inspecting it", e);
        }
    }

    /**
     * Applies each record and moves past it (see {@link #readFrom}). A class, not a lambda: each lambda
     * costs ~0.5 ms to link at start-up (issue 11), where the journal is replayed and compacted.
     */
    private static final class ReadOn implements Consumer<LogRecord> {
        private final SagaHistory history;

        ReadOn(SagaHistory history) {
            this.history = history;
        }

        @Override
        public void accept(LogRecord r) {
            history.apply(r.index(), r.payload());
            history.next = r.index() + 1;
        }
    }

    /** A compacted journal: its first checkpoint must be whole, and no checkpoint may say the cut lies earlier. */
    private void checkStart(RecordLog log) throws IOException {
        if (first == 0 || next == first) {
            return;
        }
        Checkpoint head = checkpoints.isEmpty() ? null : checkpoints.get(0);
        if (head == null || head.index != first || !head.complete()) {
            throw new IOException("saga journal " + log.dir() + ": the checkpoint at record " + first + ", where its live"
                    + " part starts, " + (head == null || head.index != first ? "does not verify"
                    : "announces " + head.carries + " carried saga(s) but " + head.carriesSeen + " follow it")
                    + ": segments were removed and " + log.name() + ".start written by hand, or the journal is damaged."
                    + " Nothing was changed; put the missing segments back or move the saga directory aside");
        }
        if (latestCut < first) {
            throw new IOException("saga journal " + log.dir() + ": its live part starts at record " + first + " but the last"
                    + " compaction cut at record " + latestCut + ": the segments in between were removed and "
                    + log.name() + ".start written by hand. Nothing was changed; put them back (from "
                    + JournalCompaction.ARCHIVE + "/ or a backup) or move the saga directory aside");
        }
    }

    private void attachUnauthenticated() {
        for (String id : quarantinedIds) {
            SagaView saga = sagas.get(id);
            if (saga != null) {
                saga.unauthenticated.clear();
                for (Unauthenticated u : unauthenticated) {
                    if (id.equals(u.saga())) {
                        saga.unauthenticated.add(u.index());
                    }
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void apply(long index, byte[] stored) {
        records++;
        Reason failed = null;
        if (trusted) {
            // a shared journal: unsealed JSON, authenticated by the database's access control
        } else if (verifier == null) {
            failed = JournalSeal.isSealed(stored) ? Reason.NO_KEY : Reason.FORMAT_1;
        } else if (!verifier.verify(index, stored)) {
            failed = JournalSeal.isSealed(stored) ? Reason.BAD_TAG : Reason.FORMAT_1;
        }
        // Without the key nothing can be trusted, as with a bad tag: every unfinished saga is held.
        tampered |= failed == Reason.BAD_TAG || failed == Reason.NO_KEY;
        // An unauthenticated record that names no saga cannot be pinned on one: if it comes after a sealed
        // record it may be a sealed record whose format byte was changed (a downgrade that hides, say, a
        // step's "done"), so it holds every unfinished saga, like a bad tag.
        boolean downgrade = failed == Reason.FORMAT_1 && sawSealed;
        sawSealed |= JournalSeal.isSealed(stored);
        byte[] payload = JournalSeal.json(stored);
        Object parsed;
        try {
            parsed = CanonicalJson.parse(payload);
        } catch (IllegalArgumentException e) {
            if (failed != null) {
                unauthenticated.add(new Unauthenticated(index, null, null, failed));
                tampered |= downgrade;
                return;
            }
            throw new IllegalArgumentException("record " + index + " is not JSON (" + e.getMessage() + ")", e);
        }
        if (!(parsed instanceof Map) || !(((Map<?, ?>) parsed).get("type") instanceof String)
                || !(((Map<?, ?>) parsed).get("saga") instanceof String)) {
            if (failed != null) {
                unauthenticated.add(new Unauthenticated(index, null, null, failed));
                tampered |= downgrade;
                return;
            }
            throw new IllegalArgumentException("record " + index + " is not a journal record (a JSON object with"
                    + " a type and a saga id)");
        }
        Map<String, Object> r = (Map<String, Object>) parsed;
        String type = (String) r.get("type");
        String sagaId = (String) r.get("saga");
        long time = r.get("time") instanceof Number ? ((Number) r.get("time")).longValue() : 0;
        noteNumber(sagaId); // forged ids count too: new sagas never reuse an id the journal mentions
        if (failed != null) {
            unauthenticated.add(new Unauthenticated(index, sagaId, type, failed));
            if (!sagaId.isEmpty()) { // a checkpoint names no saga
                quarantinedIds.add(sagaId);
            }
            if (keepRecords) {
                r = new LinkedHashMap<>(r);
                r.put("unauthenticated", failed.name().toLowerCase());
            }
        }
        // Structural checks bind authentic records only: a forged record is already reported and its saga
        // held, and a forger must not be able to stop the application by writing one.
        boolean strict = failed == null && !quarantinedIds.contains(sagaId);
        if (strict && !KNOWN_TYPES.contains(type)) {
            throw new IllegalArgumentException("record " + index + " of saga " + sagaId + " has unknown type \""
                    + type + "\" (a journal of a newer version, or damage)");
        }
        countCarry(index, type);
        switch (type) {
            case JournalRecords.CHECKPOINT -> checkpoint(index, r, failed == null);
            case JournalRecords.CARRY -> carry(index, r, sagaId, failed, strict);
            default -> applyRecord(index, r, type, sagaId, time, strict);
        }
    }

    /** A checkpoint: a possible cut point for compaction, and the highest id so far. */
    private void checkpoint(long index, Map<String, Object> r, boolean authentic) {
        long highest = longValue(r.get("highest"));
        highestNumber = Math.max(highestNumber, highest);
        archivedHighest = Math.max(archivedHighest, highest);
        boolean usable = authentic && longValue(r.get("start")) == index;
        Checkpoint c = new Checkpoint(index, intValue(r.get("carries")), longValue(r.get("cut")), latestEnd, usable);
        checkpoints.add(c);
        counting = c.carries > 0 ? c : null;
        if (usable) { // a re-sealed checkpoint (saga seal --accept) names indexes of the old numbering
            latestCut = c.cut;
        }
    }

    private void countCarry(long index, String type) {
        Checkpoint c = counting;
        if (c == null) {
            return;
        }
        if (type.equals(JournalRecords.CARRY) && index == c.index + c.carriesSeen + 1) {
            if (++c.carriesSeen == c.carries) {
                counting = null;
            }
        } else if (!type.equals(JournalRecords.CHECKPOINT)) {
            counting = null; // incomplete: a crash between its records, never a cut point
        }
    }

    /**
     * A carry stands for the saga's records in archived segments. Where the replay already knows the
     * saga (it read those records, or the saga ended) the carry only repeats them and is skipped.
     */
    @SuppressWarnings("unchecked")
    private void carry(long index, Map<String, Object> r, String sagaId, Reason failed, boolean strict) {
        if (sagas.containsKey(sagaId) || ended(sagaId)) {
            return;
        }
        Object list = r.get("records");
        if (!(list instanceof List)) {
            if (strict) {
                throw new IllegalArgumentException("record " + index + " is a carry of saga " + sagaId + " without records");
            }
            return;
        }
        long previous = -1;
        for (Object o : (List<Object>) list) {
            if (!(o instanceof Map) || !(((Map<?, ?>) o).get("index") instanceof Number)
                    || !(((Map<?, ?>) o).get("type") instanceof String) || !sagaId.equals(((Map<?, ?>) o).get("saga"))
                    || ((Number) ((Map<?, ?>) o).get("index")).longValue() <= previous) {
                if (strict) {
                    throw new IllegalArgumentException("record " + index + " is a carry of saga " + sagaId
                            + " holding something that is not one of its records in journal order");
                }
                continue;
            }
            Map<String, Object> record = new LinkedHashMap<>((Map<String, Object>) o);
            long original = ((Number) record.remove("index")).longValue();
            previous = original;
            if (failed != null && keepRecords) {
                record.put("unauthenticated", failed.name().toLowerCase());
            }
            String type = (String) record.get("type");
            long time = record.get("time") instanceof Number ? ((Number) record.get("time")).longValue() : 0;
            if (strict && (!KNOWN_TYPES.contains(type) || type.equals(JournalRecords.CARRY)
                    || type.equals(JournalRecords.CHECKPOINT))) {
                throw new IllegalArgumentException("record " + index + " is a carry of saga " + sagaId
                        + " holding a record of type \"" + type + "\"");
            }
            applyRecord(original, record, type, sagaId, time, strict);
        }
    }

    private void applyRecord(long index, Map<String, Object> r, String type, String sagaId, long time, boolean strict) {
        long position = ++applied;
        if (type.equals(JournalRecords.BEGIN)) {
            if (strict && (sagas.containsKey(sagaId) || ended(sagaId))) {
                throw new IllegalArgumentException("record " + index + " is a second begin of saga " + sagaId);
            }
            SagaView saga = new SagaView(sagaId, str(r, "name"), str(r, "method"), str(r, "agent"), time, keepRecords);
            sagas.put(sagaId, saga);
            if (saga.records != null) {
                saga.records.add(withIndex(r, index));
            }
            return;
        }
        boolean endedBefore = ended(sagaId);
        if (strict && type.equals(JournalRecords.END) && endedBefore) {
            throw new IllegalArgumentException("record " + index + " is a second end of saga " + sagaId
                    + " (it already ended)");
        }
        if (type.equals(JournalRecords.END)) {
            markEnded(sagaId);
            latestEnd = Math.max(latestEnd, time);
        }
        SagaView saga = sagas.get(sagaId);
        if (saga == null) {
            if (strict && !endedBefore && !archived(sagaId)) {
                // A begin precedes every other record of its saga, and a tear only ever removes the end.
                throw new IllegalArgumentException("record " + index + " (" + type + ") names saga " + sagaId
                        + ", which the journal never began");
            }
            return; // ended and forgotten: recovery keeps only unfinished sagas (late steps are journaled after the end)
        }
        if (saga.records != null) {
            saga.records.add(withIndex(r, index));
        }
        String stepId = str(r, "step");
        StepView step = stepId == null ? null : saga.steps.get(stepId);
        switch (type) {
            case JournalRecords.STEP_STARTED -> saga.steps.put(stepId, new StepView(stepId, r, index, position));
            case JournalRecords.STEP_DONE -> {
                if (step != null) {
                    step.status = StepStatus.DONE;
                    step.order = position;
                    Object result = r.get("result");
                    step.result = CanonicalJson.write(result);
                    step.resultComplete = Boolean.TRUE.equals(r.get("resultComplete"));
                }
            }
            case JournalRecords.STEP_FAILED -> {
                if (step != null) {
                    step.status = StepStatus.FAILED;
                    step.error = str(r, "error");
                }
            }
            case JournalRecords.ROLLBACK -> {
                if (!saga.state.unfinished()) {
                    break;
                }
                saga.state = State.COMPENSATING;
                saga.error = str(r, "error");
            }
            case JournalRecords.RECOVERY -> {
                if (saga.state.unfinished()) {
                    saga.state = State.COMPENSATING;
                }
            }
            case JournalRecords.COMPENSATING -> {
                if (step != null && step.compensation == CompensationStatus.NONE) {
                    step.compensation = CompensationStatus.COMPENSATING;
                }
            }
            case JournalRecords.COMPENSATION_FAILED -> {
                if (step != null) {
                    step.attempts = Math.max(step.attempts, intValue(r.get("attempt")));
                    step.lastError = str(r, "error");
                }
            }
            case JournalRecords.COMPENSATED -> {
                if (step != null) {
                    step.compensation = CompensationStatus.COMPENSATED;
                    step.attempts = Math.max(step.attempts, intValue(r.get("attempts")));
                }
            }
            case JournalRecords.ESCALATED -> {
                if (step != null) {
                    step.compensation = CompensationStatus.ESCALATED;
                    step.attempts = Math.max(step.attempts, intValue(r.get("attempts")));
                    step.lastError = str(r, "reason");
                }
            }
            case JournalRecords.END -> {
                String outcome = str(r, "outcome");
                saga.state = JournalRecords.COMPLETED.equals(outcome) ? State.COMPLETED
                        : JournalRecords.OUTCOME_ESCALATED.equals(outcome) ? State.ESCALATED : State.COMPENSATED;
                saga.ended = time;
                if (!keepFinished) {
                    sagas.remove(sagaId);
                }
            }
            default -> skipped++;
        }
    }

    /** A saga a compaction may have archived: a late record of it follows its end, which is in the archive. */
    private boolean archived(String sagaId) {
        long n = SagaIds.number(sagaId);
        return n > 0 && n <= archivedHighest;
    }

    private static long longValue(Object v) {
        return v instanceof Number ? ((Number) v).longValue() : -1;
    }

    private static final java.util.Set<String> KNOWN_TYPES = java.util.Set.of(JournalRecords.BEGIN,
            JournalRecords.CHECKPOINT, JournalRecords.CARRY,
            JournalRecords.STEP_STARTED, JournalRecords.STEP_DONE, JournalRecords.STEP_FAILED, JournalRecords.ROLLBACK,
            JournalRecords.RECOVERY, JournalRecords.COMPENSATING, JournalRecords.COMPENSATION_FAILED,
            JournalRecords.COMPENSATED, JournalRecords.ESCALATED, JournalRecords.END);

    /** The bit for an {@code sN} id (no leading zero, so one id per number), or -1. */
    private static int bit(String sagaId) {
        long n = SagaIds.number(sagaId);
        return n > 0 && n < Integer.MAX_VALUE && sagaId.charAt(1) != '0' ? (int) n : -1;
    }

    private boolean ended(String sagaId) {
        int n = bit(sagaId);
        return n > 0 ? endedNumbers.get(n) : endedOther.contains(sagaId);
    }

    private void markEnded(String sagaId) {
        int n = bit(sagaId);
        if (n > 0) {
            endedNumbers.set(n);
        } else {
            endedOther.add(sagaId);
        }
    }

    private static Map<String, Object> withIndex(Map<String, Object> r, long index) {
        Map<String, Object> copy = new LinkedHashMap<>();
        copy.put("index", index);
        copy.putAll(r);
        return copy;
    }

    private void noteNumber(String sagaId) {
        long n = SagaIds.number(sagaId);
        if (n > highestNumber) {
            highestNumber = n;
        }
    }

    private static String str(Map<String, Object> r, String key) {
        Object v = r.get(key);
        return v instanceof String ? (String) v : null;
    }

    private static int intValue(Object v) {
        return v instanceof Number ? ((Number) v).intValue() : 0;
    }

    /** Every saga kept, in the order they began. */
    public List<SagaView> sagas() {
        return List.copyOf(sagas.values());
    }

    /** The records that failed authentication, in journal order. */
    public List<Unauthenticated> unauthenticated() {
        return Collections.unmodifiableList(unauthenticated);
    }

    /** The ids of the sagas named by records that failed authentication. */
    public java.util.Set<String> quarantined() {
        return Collections.unmodifiableSet(quarantinedIds);
    }

    /**
     * Whether a format 2 record failed its tag (or could not be verified): the journal was tampered
     * with, and no unfinished saga can be trusted to be whole.
     */
    public boolean tampered() {
        return tampered;
    }

    /** The unfinished sagas recovery must not act on: all of them if {@link #tampered()}, else the quarantined ones. */
    public List<SagaView> held() {
        List<SagaView> out = new ArrayList<>();
        for (SagaView s : unfinished()) {
            if (tampered || quarantinedIds.contains(s.id)) {
                out.add(s);
            }
        }
        return out;
    }

    /** The unfinished sagas recovery may act on: every record that names them verifies, and the journal is not tampered with. */
    public List<SagaView> recoverable() {
        List<SagaView> out = new ArrayList<>();
        for (SagaView s : unfinished()) {
            if (!tampered && !quarantinedIds.contains(s.id)) {
                out.add(s);
            }
        }
        return out;
    }

    /** The sagas with no end record, in the order they began. */
    public List<SagaView> unfinished() {
        List<SagaView> out = new ArrayList<>();
        for (SagaView s : sagas.values()) {
            if (s.state.unfinished()) {
                out.add(s);
            }
        }
        return out;
    }

    public SagaView saga(String id) {
        return sagas.get(id);
    }

    /** The highest saga number in the journal (0 if none): new sagas number from the next one. */
    public long highestNumber() {
        return highestNumber;
    }

    /** The compaction checkpoints read, in journal order. */
    List<Checkpoint> checkpoints() {
        return Collections.unmodifiableList(checkpoints);
    }

    /** The cut the last authentic checkpoint names, or -1. */
    long latestCut() {
        return latestCut;
    }

    /** The latest time of an end record read (0 if none). */
    long latestEnd() {
        return latestEnd;
    }

    /** The index of the first record read. */
    public long firstIndex() {
        return first;
    }

    /** How many records were read. */
    public long records() {
        return records;
    }

    /** How many records of unknown types were skipped. */
    public int skipped() {
        return skipped;
    }
}
