package org.agenthypervisor.core.saga;

import org.agenthypervisor.api.CompensationFailedException;
import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.encoding.PayloadEncoder;
import org.agenthypervisor.core.gate.Call;
import org.agenthypervisor.core.gate.CallParticipant;
import org.agenthypervisor.core.gate.CallRefusedException;
import org.agenthypervisor.core.gate.SiteBinding;
import org.agenthypervisor.core.governance.MethodPlan.Compensation;
import org.agenthypervisor.core.governance.MethodPlan.SagaBoundary;
import org.agenthypervisor.core.liability.LiabilityEngine;
import org.agenthypervisor.core.observe.Counters;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.saga.SagaHistory.SagaView;
import org.agenthypervisor.core.store.CorruptLogException;
import org.agenthypervisor.core.store.OpenReport;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Sagas (SPEC §4): opens and ends sagas at boundaries, journals compensable steps, rolls back on
 * failure and recovers after a crash. Registered last among the gate's participants, so it sees the
 * context the body will run in (after a switch into the method's agent).
 *
 * <h2>In a call</h2>
 * <ul>
 *   <li>A <b>boundary</b> ({@code @Saga} or a policy {@code sagas} entry) entered with no running saga
 *   in the context opens one: a durable {@code begin} record, and a {@link SagaRun} in
 *   {@code Context.saga} for the whole task (executors and threads included). A boundary entered
 *   inside a running saga joins it.</li>
 *   <li>A <b>compensable method</b> called while a saga runs is a step: a durable {@code step.started}
 *   record with its encoded arguments before the body, the step id in {@code Context.step}; when it
 *   returns, a {@code step.done} record with its encoded result, and the step joins the list the
 *   rollback walks. A compensable method whose pairing is broken is refused inside a saga; outside a
 *   saga compensable methods run as usual.</li>
 *   <li>When the opening boundary returns, the saga ends {@code completed}; when an exception leaves
 *   it, the done steps are compensated in reverse order of completion (see {@link Compensator}), the
 *   saga ends {@code compensated} or {@code escalated}, and the original exception propagates, with a
 *   suppressed {@link CompensationFailedException} per escalated step. An exception that a nested
 *   boundary throws and the code inside the saga handles is not a failure of the saga.</li>
 * </ul>
 *
 * <h2>Late steps</h2>
 * A step still running on another thread when its saga ends is settled when it returns: after a
 * completed saga it is only journaled; after a failed one it is compensated at once, on its own
 * thread. A step that starts after its saga failed is refused. The boundary does not wait for tasks it
 * did not join.
 */
public class SagaEngine implements CallParticipant, AutoCloseable {
    /** Encoded arguments larger than this are not journaled (the step is then not recoverable). */
    static final int MAX_ARGS_BYTES = 1 << 20;

    protected final Principals principals;
    protected final AuditTrail audit;
    protected final Counters counters;
    protected final Path dataDir;
    protected final LiabilityEngine liability;
    protected final Context hostContext;
    protected volatile Policy policy;

    /** The file journal, or null when the journal is shared ({@link #shared}). */
    private final SagaJournal journal;
    /** Where the engine writes: {@link #journal} or {@link #shared}. */
    private final SagaLog log;
    /** The journal shared with the application's other JVMs, or null. */
    private final SharedSagaLog shared;
    private final Transitions t;
    private final Compensator compensator;
    private final Recovery recovery;
    private final Instances instances = new Instances();
    private final SagaIds ids;
    private final Set<String> warnedOnce = ConcurrentHashMap.newKeySet();

    /** Unfinished sagas found in the journal at open and not recovered yet, by id. */
    private final Map<String, SagaView> pending = new LinkedHashMap<>();
    /** Unfinished sagas recovery must not act on: their records (or the journal) failed authentication. */
    private final Map<String, SagaView> held = new LinkedHashMap<>();
    /** Why a held saga is held, where it is not the journal's authentication. */
    private final Map<String, String> heldWhy = new java.util.HashMap<>();
    /** What each deferred saga waits for (classes to load or to get a factory for). */
    private final Map<String, Set<String>> waitingBySaga = new LinkedHashMap<>();
    /** All of those classes: an immutable snapshot the gate path reads, empty when nothing waits. */
    private volatile Set<String> waitingFor = Set.of();
    private volatile boolean recoveryEnabled;
    private volatile ExecutorService recoveryThread;

    public SagaEngine(Policy policy, Principals principals, AuditTrail audit, Counters counters, Path dataDir,
                      LiabilityEngine liability, Context hostContext) {
        this(policy, principals, audit, counters, dataDir, liability, hostContext, null);
    }

    /**
     * @param shared the journal shared by the application's JVMs ({@code store: postgres}), or null for
     *               the file journal under {@code dataDir}. With a shared journal nothing is read at
     *               start: unfinished sagas reach this JVM when it takes them over from a JVM whose lease
     *               expired (see {@link #recoverOnStart})
     */
    public SagaEngine(Policy policy, Principals principals, AuditTrail audit, Counters counters, Path dataDir,
                      LiabilityEngine liability, Context hostContext, SharedSagaLog shared) {
        this.policy = policy;
        this.principals = principals;
        this.audit = audit;
        this.counters = counters;
        this.dataDir = dataDir;
        this.liability = liability;
        this.hostContext = hostContext;
        this.shared = shared;
        if (shared != null) {
            this.journal = null;
            this.log = shared;
            this.t = new Transitions(shared, audit, counters);
            this.ids = new SagaIds(shared);
            this.compensator = new Compensator(t, new SettingsInForce(this), liability, hostContext);
            this.recovery = new Recovery(t, compensator, instances, principals, hostContext);
            // The lease is renewed from now on; sagas of expired JVMs are taken once recovery is enabled.
            shared.start(new RecoveryEnabled(this), new TakeOver(this));
            return;
        }
        Path dir = SagaJournal.directory(dataDir);
        try {
            this.journal = SagaJournal.open(dataDir, org.agenthypervisor.core.audit.AuditLog.keysDir(dataDir, policy),
                    policy.saga().durability());
            this.log = journal;
        } catch (CorruptLogException corrupt) {
            throw new IllegalStateException("the saga journal in " + dir + " is corrupt: " + corrupt.getMessage()
                    + ". The agent stops (fail closed) and never rewrites the journal: inspect it (java -jar"
                    + " agent-hypervisor.jar saga list --data-dir " + dataDir + "), then move " + dir + " aside to start"
                    + " with an empty journal (its unfinished sagas are then not recovered)", corrupt);
        } catch (IOException failure) {
            throw new IllegalStateException("cannot open the saga journal in " + dir + ": "
                    + org.agenthypervisor.core.store.IoProblems.describe(failure), failure);
        }
        this.t = new Transitions(journal, audit, counters);
        OpenReport report = journal.openReport();
        if (report.tornTail()) {
            Transitions.LOG.warn("saga journal: " + report.message() + " (an append interrupted by a crash; every record"
                    + " before it is intact)");
            t.audit("saga.journal.tail-cut", "file", String.valueOf(report.cutFile()), "offset", report.cutOffset(),
                    "bytesCut", report.bytesCut(), "recordsKept", report.recordsRecovered());
        }
        if (report.markCreated()) {
            Transitions.LOG.warn("saga journal: " + report.message() + " (expected once after an upgrade; otherwise"
                    + " someone removed journal.hwm, and a cut journal would not have been noticed this time)");
        }
        SagaHistory history;
        try {
            JournalSeal seal = null;
            if (journal.recordLog().size() > 0) {
                try {
                    seal = journal.seal();
                } catch (RuntimeException noKey) {
                    // Reported below: nothing verifies, so nothing is recovered; new records then fail to seal.
                    Transitions.LOG.error("saga journal: cannot load the hypervisor's key to verify the journal: " + noKey);
                }
            }
            // Records kept for unfinished sagas only (they are dropped as sagas end): compaction carries them.
            history = SagaHistory.replay(journal.recordLog(), seal, false, true);
        } catch (IOException unreadable) {
            closeQuietly();
            throw new IllegalStateException("cannot read the saga journal in " + dir + ": " + unreadable.getMessage()
                    + ". The agent stops (fail closed); the journal is never rewritten", unreadable);
        }
        Set<String> endLost = crossCheckWithAudit(report, history, dir);
        this.ids = new SagaIds(history.highestNumber());
        for (SagaView saga : history.recoverable()) {
            if (endLost.contains(saga.id())) {
                held.put(saga.id(), saga);
                heldWhy.put(saga.id(), "not recovered: the journal lost its end, which the audit log recorded; settle it"
                        + " by hand (saga show " + saga.id() + ")");
            } else {
                pending.put(saga.id(), saga);
            }
        }
        for (SagaView saga : history.held()) {
            held.put(saga.id(), saga);
        }
        reportUnauthenticated(history);
        this.compensator = new Compensator(t, new SettingsInForce(this), liability, hostContext);
        this.recovery = new Recovery(t, compensator, instances, principals, hostContext);
        compact(history);
    }

    // Classes, not lambdas: each lambda costs ~0.5 ms to link at start-up (issue 11).

    /** The saga settings of the policy in force. */
    private static final class SettingsInForce implements Supplier<Policy.SagaSettings> {
        private final SagaEngine engine;

        SettingsInForce(SagaEngine engine) {
            this.engine = engine;
        }

        @Override
        public Policy.SagaSettings get() {
            return engine.policy.saga();
        }
    }

    /** Whether sagas of expired JVMs may be taken over yet (see {@link #recoverOnStart}). */
    private static final class RecoveryEnabled implements BooleanSupplier {
        private final SagaEngine engine;

        RecoveryEnabled(SagaEngine engine) {
            this.engine = engine;
        }

        @Override
        public boolean getAsBoolean() {
            return engine.recoveryEnabled;
        }
    }

    /** {@link #takenOver}, for the lease thread. */
    private static final class TakeOver implements Consumer<List<SharedSagaLog.Claimed>> {
        private final SagaEngine engine;

        TakeOver(SagaEngine engine) {
            this.engine = engine;
        }

        @Override
        public void accept(List<SharedSagaLog.Claimed> claimed) {
            engine.takenOver(claimed);
        }
    }

    // ---------------------------------------------------------------- compaction

    private final Object compacting = new Object();

    /**
     * Takes finished sagas older than {@code saga.retention} out of the live journal (see
     * {@link JournalCompaction}). Runs once when the engine opens; the runtime calls it again
     * periodically (any interval works: a run with nothing to do writes nothing). Never throws: a
     * failure is logged, and a failed append fails the journal as any write would.
     */
    public JournalCompaction.Result compact() {
        return compact(null);
    }

    private JournalCompaction.Result compact(SagaHistory history) {
        if (journal == null) {
            return null; // the shared journal keeps its rows (see docs/storage.md)
        }
        synchronized (compacting) {
            Policy.SagaSettings settings = policy.saga();
            JournalCompaction.Result result;
            try {
                result = JournalCompaction.compact(journal, history, System.currentTimeMillis(),
                        settings.retentionMillis(), settings.archive() == Policy.Archive.KEEP,
                        JournalCompaction.minRecordsFromProperty());
            } catch (IOException | RuntimeException failed) {
                Transitions.LOG.error("saga journal compaction failed (the journal keeps every record it had): " + failed,
                        failed);
                return null;
            }
            if (JournalCompaction.EMPTY.equals(result.skipped())) {
                return result; // a new or empty journal: nothing to say
            }
            if (result.skipped() != null) {
                if (warnedOnce.add("compaction:" + result.skipped())) {
                    Transitions.LOG.warn("saga journal: " + result);
                }
            } else if (result.checkpoint() >= 0 || result.archivedRecords() > 0) {
                Transitions.LOG.info("saga journal: " + result);
                t.audit("saga.journal.compacted", "checkpoint", result.checkpoint(), "carried", result.carried(),
                        "firstBefore", result.firstBefore(), "firstAfter", result.firstAfter(),
                        "archive", settings.archive().name().toLowerCase());
            }
            return result;
        }
    }

    /**
     * After a cut tail, or a journal whose high-water mark was missing (so a cut could not be seen),
     * an unfinished saga may be one whose {@code end} was lost: recovering it would compensate done
     * steps a second time. The audit log records {@code saga.end} after the journal's end, so an
     * audited end of a saga the journal shows unfinished proves the journal lost records: such a saga
     * is held (never recovered automatically), loudly. Not settled from the audit record: the audit
     * tail past the last signed head is not authenticated, and whether to compensate again is an
     * operator's call. The JVM still starts and recovers the other sagas: a full disk that failed the
     * journal in the middle of sagas (which then ended in memory, and the audit log, once it could
     * write again, recorded their end) must not keep the application down once space returns. Only
     * after a cut tail or a missing mark, and only for unfinished sagas: a journal moved aside on
     * purpose knows no sagas, and a clean start reads no second log.
     *
     * @return the sagas whose end the journal lost
     */
    private Set<String> crossCheckWithAudit(OpenReport report, SagaHistory history, Path dir) {
        if (!(report.tornTail() || report.markCreated()) || history.unfinished().isEmpty()) {
            return Set.of();
        }
        Set<String> unfinished = new java.util.LinkedHashSet<>();
        for (SagaView saga : history.unfinished()) {
            unfinished.add(saga.id());
        }
        Map<String, Long> proven;
        try {
            proven = org.agenthypervisor.core.audit.AuditEvidence.sagaEnds(dataDir, unfinished);
        } catch (IOException unreadable) {
            closeQuietly();
            throw new IllegalStateException("the saga journal in " + dir + " lost its tail (" + report.message() + ") and"
                    + " the audit log, needed to check what was lost, cannot be read: " + unreadable.getMessage()
                    + ". The agent stops (fail closed)", unreadable);
        }
        if (proven.isEmpty()) {
            return Set.of();
        }
        Transitions.LOG.error("SAGA JOURNAL LOST RECORDS in " + dir + ": it shows saga(s) " + proven.keySet()
                + " unfinished, but the audit log recorded their end (audit record(s) " + proven.values() + "); the"
                + " journal lost their end (" + report.message() + "; a crash, or a full disk that failed the journal"
                + " while they ran). Recovering them could compensate their steps again, so they are HELD, never"
                + " recovered automatically; the journal is never rewritten. Inspect them (java -jar agent-hypervisor.jar"
                + " saga show ID --data-dir " + dataDir + "; audit verify) and settle them by hand. Other sagas are"
                + " recovered as usual.");
        t.audit("saga.held", "sagas", List.copyOf(proven.keySet()), "auditRecords", List.copyOf(proven.values()),
                "reason", "the journal lost their end, which the audit log recorded");
        return proven.keySet();
    }

    /**
     * Records that fail authentication are reported, never dropped or rewritten, and recovery does not
     * act on what they touch (see {@link SagaHistory}). The JVM still starts: governance, new sagas and
     * in-process rollback work as before; only automatic recovery of the held sagas waits for an operator.
     */
    private void reportUnauthenticated(SagaHistory history) {
        List<SagaHistory.Unauthenticated> bad = history.unauthenticated();
        if (bad.isEmpty()) {
            return;
        }
        Path dir = SagaJournal.directory(dataDir);
        List<Long> indexes = new ArrayList<>();
        Set<String> reasons = new java.util.LinkedHashSet<>();
        for (SagaHistory.Unauthenticated u : bad) {
            if (indexes.size() < 100) {
                indexes.add(u.index());
            }
            reasons.add(u.reason().name().toLowerCase());
        }
        List<String> heldIds = List.copyOf(held.keySet());
        StringBuilder detail = new StringBuilder();
        for (int i = 0; i < bad.size() && i < 10; i++) {
            detail.append("\n  ").append(bad.get(i));
        }
        if (bad.size() > 10) {
            detail.append("\n  ... and ").append(bad.size() - 10).append(" more (saga list shows them all)");
        }
        String remedy = "Nothing was rewritten or dropped. Inspect the journal (java -jar agent-hypervisor.jar saga list"
                + " --data-dir " + dataDir + "; saga show ID); then either accept it as it is (saga seal --accept, which"
                + " re-seals every record with this data directory's key and keeps the old journal beside it) and let the"
                + " next start recover, or move " + dir + " aside to start with an empty journal";
        String affected = heldIds.isEmpty() ? "no unfinished saga is affected"
                : "unfinished saga(s) " + heldIds + " are HELD for an operator and not recovered";
        if (history.tampered()) {
            Transitions.LOG.error("SAGA JOURNAL AUTHENTICATION FAILED in " + dir + ": " + bad.size() + " record(s) do not"
                    + " verify; someone may have written the journal. Because a record may be missing, " + (heldIds.isEmpty()
                    ? "no unfinished saga is affected" : "every unfinished saga (" + heldIds + ") is HELD for an operator and"
                    + " not recovered") + "; quarantined sagas: " + history.quarantined() + "." + detail + "\n" + remedy);
        } else {
            Transitions.LOG.warn("saga journal " + dir + " holds " + bad.size() + " record(s) of format 1, written before"
                    + " journal records were authenticated (sagas " + history.quarantined() + "): " + affected + "." + detail
                    + "\n" + remedy);
        }
        t.audit("saga.journal.unauthenticated", "records", indexes, "count", bad.size(), "reasons", List.copyOf(reasons),
                "tampered", history.tampered(), "quarantined", List.copyOf(history.quarantined()), "held", heldIds);
    }

    private void closeQuietly() {
        try {
            log.close();
        } catch (IOException ignored) {
            // already failing with a better message
        }
    }

    // ---------------------------------------------------------------- the gate participant

    /** What {@link #exit} gets back from {@link #enter} for a saga this call opened. */
    private record Opened(SagaRun run) {
    }

    /** What {@link #exit} gets back for a step. */
    private record Step(SagaRun run, String stepId, Compensation compensation, Method target, Object self,
                        Object[] arguments, Context context, int ring, String method) {
    }

    @Override
    public Object enter(Call call) {
        SiteBinding binding = call.binding();
        Compensation compensation = binding.compensation();
        SagaBoundary boundary = binding.saga();
        if (!waitingFor.isEmpty()) {
            noticeClass(call.type(), call.self());
        }
        if (compensation == null && boundary == null) {
            return null;
        }
        Context context = call.entered();
        SagaRun run = context.saga() instanceof SagaRun ? (SagaRun) context.saga() : null;
        if (run != null && run.isRunning()) {
            return compensation != null ? startStep(call, run, compensation) : null; // a nested boundary joins
        }
        if (run != null && run.failed() && compensation != null && boundary == null) {
            refuse(call, run.id, "saga " + run.id + " (" + run.name + ") failed and is being or was rolled back, so no new"
                    + " step may start in it: " + binding.method() + " is refused");
        }
        return boundary != null ? open(call, boundary) : null;
    }

    @Override
    public void exit(Call call, Object state, Object returned, Throwable thrown) {
        if (state instanceof Step) {
            finishStep((Step) state, returned, thrown);
        } else if (state instanceof Opened) {
            SagaRun run = ((Opened) state).run();
            if (thrown == null) {
                complete(run);
            } else {
                rollback(run, thrown);
            }
        }
    }

    private Object open(Call call, SagaBoundary boundary) {
        String id;
        try {
            id = ids.nextSaga();
        } catch (java.io.UncheckedIOException failed) {
            refuse(call, "?", "saga " + boundary.name() + " cannot begin: no saga id could be reserved ("
                    + failed.getCause().getMessage() + "); " + call.binding().method() + " is refused rather than run"
                    + " without a journal");
            return null;
        }
        String method = call.binding().method();
        String agent = call.entered().principal().id();
        SagaRun run = new SagaRun(id, boundary.name(), method);
        try {
            log.write(JournalRecords.begin(id, System.currentTimeMillis(), boundary.name(), method, agent));
        } catch (IOException failed) {
            refuse(call, id, "saga " + boundary.name() + " cannot begin: its begin record could not be journaled ("
                    + failed.getMessage() + "); " + method + " is refused rather than run without a journal");
        }
        call.enter(call.entered().withSaga(run));
        counters.sagasStarted.increment();
        t.audit("saga.begin", "saga", id, "name", boundary.name(), "method", method, "agent", agent);
        Transitions.flight(id, null, "begin", method);
        return new Opened(run);
    }

    private Object startStep(Call call, SagaRun run, Compensation compensation) {
        SiteBinding binding = call.binding();
        String method = binding.method();
        if (compensation.problem() != null) {
            refuse(call, run.id, method + " is a compensable step whose compensation is broken, so it is refused inside"
                    + " saga " + run.id + " (" + run.name + "); this was reported when its class loaded: "
                    + compensation.problem());
        }
        Class<?> type = call.type();
        Method target;
        try {
            target = CompensationMethods.find(type, compensation.methodName(), compensation.descriptor());
        } catch (IllegalStateException unusable) {
            refuse(call, run.id, method + " is refused inside saga " + run.id + ": " + unusable.getMessage());
            return null;
        }
        Object[] arguments = call.arguments().clone();
        Object self = call.self();
        Context entered = call.entered();
        String unrecoverable = null;
        PayloadEncoder.Encoded encoded = PayloadEncoder.encodeArguments(arguments);
        byte[] args = encoded.json();
        if (!encoded.complete()) {
            unrecoverable = "arguments not encodable as data at " + encoded.unencodablePaths();
        } else if (args.length > MAX_ARGS_BYTES) {
            unrecoverable = "arguments too large to journal (" + args.length + " bytes encoded, limit " + MAX_ARGS_BYTES + ")";
            args = null;
        }
        String instanceClass = null;
        if (self != null) {
            Class<?> c = self.getClass();
            instanceClass = c.getName();
            if (unrecoverable == null && (c.isHidden() || c.isAnonymousClass() || c.isLocalClass())) {
                unrecoverable = "its instance is of an anonymous, local or hidden class (" + c.getName()
                        + "), which recovery cannot create";
            } else if (unrecoverable == null && !instances.hasFactory(c.getName()) && Instances.noArgConstructor(c) == null
                    && warnedOnce.add("instance:" + c.getName())) {
                Transitions.LOG.warn(c.getName() + " has compensable steps but no no-argument constructor: after a crash its"
                        + " steps can only be compensated once the application calls Hypervisor.registerFactory("
                        + c.getSimpleName() + ".class, ...)");
            }
        }
        if (unrecoverable != null && warnedOnce.add("unrecoverable:" + method)) {
            Transitions.LOG.warn("steps of " + method + " run and are compensated in this JVM, but cannot be recovered after"
                    + " a crash: " + unrecoverable + " (use records, collections, strings, numbers, enums or byte[] for"
                    + " the arguments of compensable methods)");
        }
        String stepId = run.nextStepId();
        int ring = entered.ringSource().effectiveRing();
        String agent = entered.principal().id();
        JournalRecords.StepStart start = new JournalRecords.StepStart(run.id, stepId, System.currentTimeMillis(), method,
                type.getName(), instanceClass, compensation.methodName(), compensation.descriptor(),
                compensation.passesResult(), compensation.compensateInDoubt(), args, unrecoverable == null, unrecoverable,
                agent, ring);
        try {
            log.write(JournalRecords.stepStarted(start));
        } catch (IOException failed) {
            refuse(call, run.id, method + " is refused inside saga " + run.id + ": its step could not be journaled ("
                    + failed.getMessage() + "), and a step that is not journaled could not be compensated after a crash");
        }
        Context stepContext = entered.withStep(stepId);
        call.enter(stepContext);
        return new Step(run, stepId, compensation, target, self, arguments, stepContext, ring, method);
    }

    private void refuse(Call call, String sagaId, String message) {
        t.audit("saga.step.refused", "saga", sagaId, "method", call.binding().method(), "reason", message);
        Transitions.LOG.error(message);
        throw new CallRefusedException(message);
    }

    private void finishStep(Step step, Object returned, Throwable thrown) {
        SagaRun run = step.run();
        String agent = step.context().principal().id();
        if (thrown != null) {
            String error = JournalRecords.describe(thrown);
            t.journal(JournalRecords.stepFailed(run.id, step.stepId(), System.currentTimeMillis(), error));
            t.audit("saga.step.failed", "saga", run.id, "step", step.stepId(), "method", step.method(), "agent", agent,
                    "error", error);
            Transitions.flight(run.id, step.stepId(), "step failed", step.method());
            return;
        }
        PayloadEncoder.Encoded result = PayloadEncoder.encode(returned);
        if (!result.complete() && step.compensation().passesResult() && warnedOnce.add("result:" + step.method())) {
            Transitions.LOG.warn("the results of " + step.method() + " are not encodable as data at " + result.unencodablePaths()
                    + ", and its compensation takes the result: its steps cannot be recovered after a crash");
        }
        DoneStep done = new DoneStep(run.id, step.stepId(), step.method(), step.target(), step.compensation().descriptor(),
                step.compensation().passesResult(), step.self(), step.arguments(), returned, step.context(), step.ring());
        byte[] record = JournalRecords.stepDone(run.id, step.stepId(), System.currentTimeMillis(), result.json(),
                result.complete());
        boolean joined = run.finishStep(done, () -> {
            try {
                log.append(record);
            } catch (IOException failed) {
                Transitions.LOG.error("saga " + run.id + ": could not journal the done record of step " + step.stepId() + " ("
                        + failed.getMessage() + "); it is compensated in this JVM if the saga fails, but a crash now"
                        + " would leave it in doubt");
            }
        });
        try {
            log.awaitDurable();
        } catch (IOException failed) {
            Transitions.LOG.error("saga " + run.id + ": the done record of step " + step.stepId() + " could not be forced: "
                    + failed.getMessage());
        }
        t.audit("saga.step.done", "saga", run.id, "step", step.stepId(), "method", step.method(), "agent", agent);
        Transitions.flight(run.id, step.stepId(), "step done", step.method());
        if (!joined && run.failed() && done.claim()) {
            Transitions.LOG.warn("saga " + run.id + ": step " + step.stepId() + " (" + step.method() + ") returned after the"
                    + " saga failed; compensating it now");
            compensator.run(job(done));
        }
    }

    private void complete(SagaRun run) {
        if (!run.complete()) {
            return;
        }
        t.journal(JournalRecords.end(run.id, System.currentTimeMillis(), JournalRecords.COMPLETED, 0, 0));
        t.audit("saga.end", "saga", run.id, "name", run.name, "outcome", JournalRecords.COMPLETED);
        Transitions.flight(run.id, null, JournalRecords.COMPLETED, run.method);
    }

    private void rollback(SagaRun run, Throwable thrown) {
        List<DoneStep> steps = run.beginRollback();
        if (steps == null) {
            return;
        }
        String error = JournalRecords.describe(thrown);
        t.journal(JournalRecords.rollback(run.id, System.currentTimeMillis(), error, steps.size()));
        t.audit("saga.rollback", "saga", run.id, "name", run.name, "error", error, "steps", steps.size());
        Transitions.flight(run.id, null, "rollback", run.method);
        int compensated = 0;
        int escalated = 0;
        for (DoneStep step : steps) {
            if (!step.claim()) {
                continue;
            }
            CompensationFailedException failed;
            try {
                failed = compensator.run(job(step));
            } catch (RuntimeException | Error unexpected) {
                // The compensator reports compensation failures itself; this is a bug of ours. Keep going.
                Transitions.LOG.error("saga " + run.id + ": internal error while compensating step " + step.stepId, unexpected);
                failed = new CompensationFailedException("internal error while compensating step " + step.stepId + ": "
                        + unexpected, run.id, step.stepId, step.compensationDisplay(), 0, unexpected);
            }
            if (failed == null) {
                compensated++;
            } else {
                escalated++;
                thrown.addSuppressed(failed);
            }
        }
        String outcome = escalated > 0 ? JournalRecords.OUTCOME_ESCALATED : JournalRecords.OUTCOME_COMPENSATED;
        run.ended(escalated > 0);
        t.journal(JournalRecords.end(run.id, System.currentTimeMillis(), outcome, compensated, escalated));
        t.audit("saga.end", "saga", run.id, "name", run.name, "outcome", outcome, "compensated", compensated,
                "escalated", escalated);
        Transitions.flight(run.id, null, outcome, run.method);
        if (escalated > 0) {
            counters.sagasEscalated.increment();
            Transitions.LOG.error("saga " + run.id + " (" + run.name + ") failed (" + error + ") and ended ESCALATED: "
                    + compensated + " step(s) compensated, " + escalated + " could not be");
        } else {
            counters.sagasCompensated.increment();
            Transitions.LOG.info("saga " + run.id + " (" + run.name + ") failed (" + error + "); " + compensated
                    + " step(s) compensated in reverse order");
        }
    }

    /** The compensation of an in-process step: its context, without the saga, pinned to the step's ring. */
    private Compensator.Job job(DoneStep step) {
        Context context = step.context.withSaga(null).withStep(step.stepId)
                .pinnedTo(principals.pinned(step.context.ringSource(), step.ring));
        Object instance = step.instance;
        return new Compensator.Job(step.sagaId, step.stepId, step.method, step.compensationDisplay(), step.compensation,
                instance == null ? null : () -> instance, step.compensationArguments(), context, step.context.principal(),
                step.context.chain(), false, false);
    }

    // ---------------------------------------------------------------- facade

    /** The stable id of the step the context runs in (or compensates), or null. */
    public String currentStep(Context context) {
        Object step = context.step();
        return step instanceof String ? (String) step : null;
    }

    /**
     * How to get an instance of a type for recovery. The first factory for a class wins. If an
     * unfinished saga was waiting for it, it is recovered now, on the calling thread.
     */
    public <T> void registerFactory(Class<T> type, Supplier<? extends T> factory) {
        if (!instances.register(type, factory)) {
            Transitions.LOG.warn("a factory for " + type.getName() + " was already registered; the first one stays");
            return;
        }
        if (recoveryEnabled && hasPending()) {
            recoverPending(saga -> true, "factory", type.getClassLoader());
        }
    }

    // ---------------------------------------------------------------- recovery

    /** Recovers the sagas the journal shows unfinished; called once when the agent starts. */
    public void recoverOnStart() {
        recoveryEnabled = true;
        if (shared != null) {
            return; // the lease thread takes sagas over from now on
        }
        int count;
        synchronized (this) {
            count = pending.size();
        }
        if (count == 0) {
            return;
        }
        Transitions.LOG.info("recovering " + count + " unfinished saga(s) from the journal in " + SagaJournal.directory(dataDir));
        recoverPending(saga -> true, "start", null);
    }

    /**
     * Sagas this JVM took over from a JVM whose lease expired (on the lease thread): they join the
     * pending ones and are recovered on the recovery thread, as a deferred saga is.
     */
    private void takenOver(List<SharedSagaLog.Claimed> claimed) {
        synchronized (this) {
            for (SharedSagaLog.Claimed c : claimed) {
                SagaView saga;
                try {
                    saga = SagaHistory.replayShared(c.records(), false, true).saga(c.sagaId());
                } catch (IOException unreadable) {
                    Transitions.LOG.error("saga " + c.sagaId() + " taken over from " + c.previousOwner() + " cannot be read ("
                            + unreadable.getMessage() + "); it is not recovered: settle it by hand (saga show "
                            + c.sagaId() + " --store)");
                    continue;
                }
                if (saga == null || !saga.state().unfinished()) {
                    continue; // no begin record (cannot happen: the row and the record are written together) or ended
                }
                Transitions.LOG.warn("saga " + c.sagaId() + " (" + saga.name() + ") was left unfinished by " + c.previousOwner()
                        + ", whose lease expired; this JVM took it over (epoch " + c.epoch() + ") and recovers it");
                t.audit("saga.takeover", "saga", c.sagaId(), "from", c.previousOwner(), "epoch", c.epoch());
                pending.put(saga.id(), saga);
            }
            if (recoveryThread == null) {
                recoveryThread = Executors.newSingleThreadExecutor(r -> {
                    Thread thread = new Thread(r, "agent-hypervisor-saga-recovery");
                    thread.setDaemon(true);
                    return thread;
                });
            }
        }
        recoveryThread.execute(() -> {
            org.agenthypervisor.core.context.ContextCell.obtain(hostContext).set(hostContext);
            recoverPending(saga -> true, "takeover", null);
        });
    }

    /** What {@link #recover} did with one saga. */
    public record Recovered(String sagaId, String outcome, String detail) {
    }

    /**
     * Recovers unfinished sagas now (the command line's offline recovery).
     *
     * @param loader where the application's classes are (besides the usual loaders), or null
     * @param sagaIds the sagas to recover, or empty for all unfinished ones
     */
    public List<Recovered> recover(ClassLoader loader, Collection<String> sagaIds, String trigger) {
        Set<String> wanted = new HashSet<>();
        for (String id : sagaIds) {
            wanted.add(SagaIds.normalize(id));
        }
        List<Recovered> out = new ArrayList<>();
        if (shared != null) {
            // Sagas of the shared journal are this JVM's to recover once it took them over from an expired owner.
            try {
                List<SharedSagaLog.Claimed> claimed = shared.takeExpired(wanted);
                synchronized (this) {
                    for (SharedSagaLog.Claimed c : claimed) {
                        SagaView saga = SagaHistory.replayShared(c.records(), false, true).saga(c.sagaId());
                        if (saga != null && saga.state().unfinished()) {
                            t.audit("saga.takeover", "saga", c.sagaId(), "from", c.previousOwner(), "epoch", c.epoch());
                            pending.put(saga.id(), saga);
                        }
                    }
                }
            } catch (IOException failed) {
                out.add(new Recovered("?", "deferred", "cannot take sagas over: " + failed.getMessage()));
                return out;
            }
        }
        synchronized (this) {
            for (SagaView saga : held.values()) {
                if (wanted.isEmpty() || wanted.contains(saga.id())) {
                    out.add(new Recovered(saga.id(), "held", heldWhy.getOrDefault(saga.id(), "not recovered: the journal"
                            + " failed authentication (saga list shows why; saga seal --accept after inspecting it)")));
                }
            }
        }
        out.addAll(recoverPending(saga -> wanted.isEmpty() || wanted.contains(saga.id()), trigger, loader));
        return out;
    }

    /** The ids of unfinished sagas held for an operator because the journal failed authentication. */
    public synchronized List<String> held() {
        return List.copyOf(held.keySet());
    }

    /** The ids of unfinished sagas not recovered yet (waiting for a class or a factory, or not tried). */
    public synchronized List<String> unfinished() {
        return List.copyOf(pending.keySet());
    }

    private synchronized boolean hasPending() {
        return !pending.isEmpty();
    }

    private synchronized List<Recovered> recoverPending(Predicate<SagaView> which, String trigger, ClassLoader loader) {
        List<Recovered> out = new ArrayList<>();
        List<SagaView> candidates = new ArrayList<>(pending.values());
        java.util.Collections.reverse(candidates); // the most recent saga first, like its steps
        for (SagaView saga : candidates) {
            if (!which.test(saga)) {
                continue;
            }
            Recovery.Result result;
            try {
                result = recovery.recover(saga, trigger, loader);
            } catch (RuntimeException | Error unexpected) {
                Transitions.LOG.error("internal error while recovering saga " + saga.id() + "; it stays unfinished", unexpected);
                out.add(new Recovered(saga.id(), "deferred", "internal error: " + unexpected));
                continue;
            }
            if (result.outcome() == Recovery.Outcome.DEFERRED) {
                waitingBySaga.put(saga.id(), result.waitingFor());
                if (warnedOnce.add("deferred:" + saga.id() + ":" + result.reason())) {
                    Transitions.LOG.warn("saga " + saga.id() + " (" + saga.name() + ") is unfinished but cannot be recovered"
                            + " yet: " + result.reason() + "; " + Recovery.hint(result));
                    t.audit("saga.recovery.deferred", "saga", saga.id(), "name", saga.name(), "trigger", trigger,
                            "reason", result.reason());
                }
                out.add(new Recovered(saga.id(), "deferred", result.reason()));
            } else {
                pending.remove(saga.id());
                waitingBySaga.remove(saga.id());
                out.add(new Recovered(saga.id(), result.outcome().name().toLowerCase(), result.reason()));
            }
        }
        Set<String> waiting = new HashSet<>();
        waitingBySaga.values().forEach(waiting::addAll);
        waitingFor = Set.copyOf(waiting);
        return out;
    }

    /**
     * A class some deferred saga waits for passed through the gate: its class loader can load it now.
     * Recovery runs on a background thread, never on the application's call path.
     */
    private void noticeClass(Class<?> type, Object self) {
        Set<String> waiting = waitingFor;
        ClassLoader loader = null;
        if (waiting.contains(type.getName())) {
            loader = type.getClassLoader();
        } else if (self != null && waiting.contains(self.getClass().getName())) {
            loader = self.getClass().getClassLoader();
        }
        if (loader == null || !recoveryEnabled) {
            return;
        }
        synchronized (this) {
            if (waitingFor.isEmpty()) {
                return;
            }
            waitingFor = Set.of(); // until this attempt says what is still missing
            if (recoveryThread == null) {
                recoveryThread = Executors.newSingleThreadExecutor(r -> {
                    Thread thread = new Thread(r, "agent-hypervisor-saga-recovery");
                    thread.setDaemon(true);
                    return thread;
                });
            }
        }
        ClassLoader found = loader;
        recoveryThread.execute(() -> {
            // Its thread may have inherited the context (and saga) of the call that noticed the class.
            org.agenthypervisor.core.context.ContextCell.obtain(hostContext).set(hostContext);
            recoverPending(saga -> true, "class", found);
        });
    }

    public void applyPolicy(Policy next) {
        Policy previous = this.policy;
        this.policy = next;
        if (previous.saga().durability() != next.saga().durability()) {
            Transitions.LOG.warn("saga.durability changed from " + previous.saga().durability().name().toLowerCase() + " to "
                    + next.saga().durability().name().toLowerCase() + "; the journal keeps "
                    + (journal == null ? "its commits (shared store)" : journal.durability().name().toLowerCase())
                    + " until the next start");
        }
    }

    /** The file journal (for tools and tests), or null when the journal is shared. */
    public SagaJournal journal() {
        return journal;
    }

    /** Where the engine journals: the file journal or the shared one. */
    public SagaLog log() {
        return log;
    }

    @Override
    public void close() {
        ExecutorService thread = recoveryThread;
        if (thread != null) {
            thread.shutdownNow();
        }
        try {
            log.close();
        } catch (IOException failed) {
            Transitions.LOG.error("closing the saga journal failed: " + failed, failed);
        }
    }
}
