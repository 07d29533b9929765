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
        /** Journal index of the record that last settled the step's forward outcome (started, or done). */
        private long order;
        private byte[] result;
        private boolean resultComplete;
        private String error;
        private CompensationStatus compensation = CompensationStatus.NONE;
        private int attempts;
        private String lastError;

        StepView(String id, Map<String, Object> started, long index) {
            this.id = id;
            this.started = started;
            this.startedAt = index;
            this.order = index;
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

        /** The journal index of its done record (or of its started record while it has none). */
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
    private final java.util.Set<String> quarantinedIds = new java.util.LinkedHashSet<>();
    private boolean tampered;
    private long highestNumber;
    private long records;
    private int skipped;
    /** Sagas whose end was read, by number (ids of our {@code sN} form), kept after they are forgotten. */
    private final java.util.BitSet endedNumbers = new java.util.BitSet();
    /** The same for ids of another form (never written by this version; kept exact rather than lost). */
    private final java.util.Set<String> endedOther = new java.util.HashSet<>();

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
        SagaHistory history = new SagaHistory();
        JournalSeal.Verifier verifier = seal == null ? null : seal.verifier();
        try {
            log.forEach(0, (LogRecord r) -> history.apply(r.index(), r.payload(), verifier, keepFinished, keepRecords));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (IllegalArgumentException e) {
            throw new IOException("saga journal " + log.dir() + ": " + e.getMessage()
                    + "; the journal is never rewritten: move the saga directory aside after inspecting it", e);
        }
        for (String id : history.quarantinedIds) {
            SagaView saga = history.sagas.get(id);
            if (saga != null) {
                for (Unauthenticated u : history.unauthenticated) {
                    if (id.equals(u.saga())) {
                        saga.unauthenticated.add(u.index());
                    }
                }
            }
        }
        return history;
    }

    @SuppressWarnings("unchecked")
    private void apply(long index, byte[] stored, JournalSeal.Verifier verifier, boolean keepFinished, boolean keepRecords) {
        records++;
        Reason failed = null;
        if (verifier == null) {
            failed = JournalSeal.isSealed(stored) ? Reason.NO_KEY : Reason.FORMAT_1;
        } else if (!verifier.verify(index, stored)) {
            failed = JournalSeal.isSealed(stored) ? Reason.BAD_TAG : Reason.FORMAT_1;
        }
        // Without the key nothing can be trusted, as with a bad tag: every unfinished saga is held.
        tampered |= failed == Reason.BAD_TAG || failed == Reason.NO_KEY;
        byte[] payload = JournalSeal.json(stored);
        Object parsed;
        try {
            parsed = CanonicalJson.parse(payload);
        } catch (IllegalArgumentException e) {
            if (failed != null) {
                unauthenticated.add(new Unauthenticated(index, null, null, failed));
                return;
            }
            throw new IllegalArgumentException("record " + index + " is not JSON (" + e.getMessage() + ")", e);
        }
        if (!(parsed instanceof Map) || !(((Map<?, ?>) parsed).get("type") instanceof String)
                || !(((Map<?, ?>) parsed).get("saga") instanceof String)) {
            if (failed != null) {
                unauthenticated.add(new Unauthenticated(index, null, null, failed));
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
            quarantinedIds.add(sagaId);
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
        }
        SagaView saga = sagas.get(sagaId);
        if (saga == null) {
            if (strict && !endedBefore) {
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
            case JournalRecords.STEP_STARTED -> saga.steps.put(stepId, new StepView(stepId, r, index));
            case JournalRecords.STEP_DONE -> {
                if (step != null) {
                    step.status = StepStatus.DONE;
                    step.order = index;
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

    private static final java.util.Set<String> KNOWN_TYPES = java.util.Set.of(JournalRecords.BEGIN,
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

    /** How many records were read. */
    public long records() {
        return records;
    }

    /** How many records of unknown types were skipped. */
    public int skipped() {
        return skipped;
    }
}
