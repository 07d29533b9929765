package org.agenthypervisor.core.liability;

import org.agenthypervisor.api.UntrustedHandoffException;
import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.breach.BreachDetector;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.ContextCell;
import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.crypto.Envelope;
import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.crypto.SigningKey;
import org.agenthypervisor.core.encoding.PayloadEncoder;
import org.agenthypervisor.core.gate.Call;
import org.agenthypervisor.core.gate.CallParticipant;
import org.agenthypervisor.core.gate.SiteBinding;
import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.observe.Counters;
import org.agenthypervisor.core.observe.FlightEvents;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.Policy.LiabilitySpec;
import org.agenthypervisor.core.rings.RingDenial;
import org.agenthypervisor.core.store.Durability;
import org.agenthypervisor.core.store.OpenReport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Joint liability (SPEC §3): takes part in every hand-off (refusal, vouch, chain) and turns
 * anomalies into slashes. Registered first among the gate's participants.
 *
 * <h2>A hand-off</h2>
 * Entering a public (or rule-named) method of agent B from agent A ≠ B: B refuses the payload with
 * {@link UntrustedHandoffException} if A, or any agent in A's chain other than B itself, has σ below
 * {@code agents.B.minTrust}; else A vouches for the arguments ({@link Vouch}, audited as
 * {@code handoff}, signed when {@code liability.signing: each}) and B's code runs holding the chain
 * {A: 1, A's chain one hop further}. When B's method returns normally with a value (not
 * {@code void}), B vouches for the result back to A, and A's chain becomes the merge of what it had
 * and {B: 1, B's chain one hop further}.
 *
 * <h2>An anomaly</h2>
 * One of: an enforced ring violation (the violator is the actor, severity
 * {@code ringViolationSeverity}), {@code Hypervisor.reportAnomaly} (no actor; the reporter's chain
 * is slashed, never the reporter; ω = the severity), a saga compensation that finally failed (the
 * step's agent is the actor), and, when the policy turns it on, a refused hand-off (the chain the
 * receiver was offered, never the receiver). {@link Slashing} computes the new scores; the
 * {@link TrustLedger} makes them durable; only then does {@link Principals#setTrust} apply them,
 * which recomputes each agent's effective ring at once. Anomalies are serialised by one lock (they
 * are rare); hand-offs take no lock of their own.
 */
public class LiabilityEngine implements CallParticipant, AutoCloseable {
    private static final Log LOG = Log.get("liability");
    /** The state {@link #enter} hands to {@link #exit} for a hand-off. */
    private static final Object HANDOFF = new Object();
    private static final HexFormat HEX = HexFormat.of();

    protected final Principals principals;
    protected final AuditTrail audit;
    protected final Counters counters;
    protected final Path dataDir;
    protected volatile Policy policy;

    private final TrustLedger ledger;
    private final AgentKeys keys;
    /** Distinguishes this JVM's vouch ids from every other run's. */
    private final String bootId;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong anomalies = new AtomicLong();
    private final Object slashLock = new Object();
    private final TrustRecovery recovery;
    /** Per principal index: 1 once its key exists (batched mode creates keys off the signing path). */
    private volatile byte[] keyReady = new byte[16];
    private volatile boolean closed;

    public LiabilityEngine(Policy policy, Principals principals, AuditTrail audit, Counters counters, Path dataDir) {
        this(policy, principals, audit, counters, dataDir, null);
    }

    /**
     * @param sharedTrust the trust ledger's shared log (the PostgreSQL store), or null for the files
     *                    under {@code dataDir}
     */
    public LiabilityEngine(Policy policy, Principals principals, AuditTrail audit, Counters counters, Path dataDir,
                           org.agenthypervisor.core.store.AppendLog sharedTrust) {
        this.policy = policy;
        this.principals = principals;
        this.audit = audit;
        this.counters = counters;
        this.dataDir = dataDir;
        byte[] boot = new byte[8];
        org.agenthypervisor.core.crypto.Entropy.nextBytes(boot);
        this.bootId = HEX.formatHex(boot);
        this.ledger = sharedTrust == null ? openLedger(dataDir) : openSharedLedger(sharedTrust);
        // Before any call can happen: agents known now get their persisted score, later ones on creation.
        ledger.onChangedElsewhere(new ChangedElsewhere(this)); // first: a change arriving now is not lost
        principals.usePersistedTrust(new PersistedTrust(ledger));
        applyRetention();
        this.keys = new AgentKeys(keysDirectory(policy, dataDir));
        this.recovery = new TrustRecovery(this);
        this.breach = new BreachDetector(policy.liability().breach());
        recovery.start();
    }

    // Classes, not lambdas: each lambda costs ~0.5 ms to link at start-up (issue 11).

    /** {@link #applyChangedElsewhere}, as the ledger's listener. */
    private static final class ChangedElsewhere implements Consumer<List<TrustLedger.Entry>> {
        private final LiabilityEngine engine;

        ChangedElsewhere(LiabilityEngine engine) {
            this.engine = engine;
        }

        @Override
        public void accept(List<TrustLedger.Entry> changed) {
            engine.applyChangedElsewhere(changed);
        }
    }

    /** An agent's score as the ledger last recorded it. */
    private static final class PersistedTrust implements Function<String, OptionalDouble> {
        private final TrustLedger ledger;

        PersistedTrust(TrustLedger ledger) {
            this.ledger = ledger;
        }

        @Override
        public OptionalDouble apply(String agent) {
            return ledger.trust(agent);
        }
    }

    private static TrustLedger openLedger(Path dataDir) {
        Path dir = TrustLedger.directory(dataDir);
        try {
            TrustLedger ledger = TrustLedger.open(dataDir, Durability.BATCH);
            OpenReport report = ledger.openReport();
            if (report.tornTail()) {
                LOG.warn("trust ledger " + dir + ": cut a torn tail left by a crash (" + report
                        + "); the change it held never took effect");
            }
            if (report.markCreated()) {
                LOG.warn("trust ledger " + dir + ": " + report + " (expected once after an upgrade; otherwise someone"
                        + " removed trust.hwm, and a cut ledger would not have been noticed this time)");
            }
            return ledger;
        } catch (IOException | RuntimeException failure) {
            throw new UncheckedIOException("cannot open the trust ledger " + dir + ": "
                    + org.agenthypervisor.core.store.IoProblems.describe(failure)
                    + " (the ledger is never rewritten; if it is damaged, restore it from a backup, or move it aside"
                    + " to start every agent from its initial trust)",
                    failure instanceof IOException ? (IOException) failure : new IOException(failure));
        }
    }

    private static TrustLedger openSharedLedger(org.agenthypervisor.core.store.AppendLog shared) {
        try {
            TrustLedger ledger = TrustLedger.openShared(shared);
            LOG.info("trust ledger: " + shared.describe() + ", " + ledger.size() + " record(s)");
            return ledger;
        } catch (IOException | RuntimeException failure) {
            throw new UncheckedIOException("cannot open the trust ledger " + shared.describe() + ": "
                    + org.agenthypervisor.core.store.IoProblems.describe(failure), failure instanceof IOException
                    ? (IOException) failure : new IOException(failure));
        }
    }

    /**
     * Another JVM sharing the ledger slashed or set an agent: the score applies here at once (and with
     * it the agent's effective ring). Agents this JVM has not met yet get it when they are created.
     */
    private void applyChangedElsewhere(List<TrustLedger.Entry> changed) {
        for (TrustLedger.Entry e : changed) {
            Principal p = principals.find(e.agent());
            if (p == null || p.trust() == e.trust()) {
                continue;
            }
            double before = p.trust();
            principals.setTrust(p, e.trust());
            LOG.warn("TRUST CHANGED BY ANOTHER JVM (" + e.kind() + ", ledger record " + e.index() + "): agent '" + p.id()
                    + "' " + format(before) + " -> " + format(e.trust()) + " (effective ring " + p.effectiveRing() + "): "
                    + e.cause());
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("agent", p.id());
            fields.put("before", before);
            fields.put("after", e.trust());
            fields.put("kind", e.kind());
            fields.put("record", e.index());
            fields.put("effectiveRing", (long) p.effectiveRing());
            audit.recordBestEffort("trust.shared", fields);
        }
    }

    /** Where agents' keys live: {@code liability.keysDir} (relative to the working directory), else {@code <dataDir>/keys}. */
    static Path keysDirectory(Policy policy, Path dataDir) {
        String configured = policy.liability().keysDir();
        if (configured == null) {
            return dataDir.resolve("keys");
        }
        return Path.of("").toAbsolutePath().resolve(configured).normalize();
    }

    /** The directory of the agents' keys. */
    public Path keysDirectory() {
        return keys.directory();
    }

    /**
     * The trust ledger's maintenance: a snapshot if anything changed since the last one, then
     * {@code liability.retention} / {@code liability.archive} (see {@link TrustLedger#applyRetention}).
     * Runs once when the engine starts; the runtime calls it periodically (hourly is plenty: records
     * are retired whole segments at a time). A failure is logged and changes nothing; it never stops
     * the application.
     *
     * @return the number of records retired from the live ledger
     */
    public long applyRetention() {
        if (closed) {
            return 0;
        }
        Policy.LiabilitySpec spec = policy.liability();
        try {
            return ledger.applyRetention(spec.retentionMillis(), spec.archive() == Policy.Archive.DELETE,
                    System.currentTimeMillis());
        } catch (IOException | RuntimeException failure) {
            LOG.warn("trust ledger " + TrustLedger.directory(dataDir) + ": retention failed (" + failure
                    + "); nothing was lost, the live ledger just keeps its old records until the next run");
            return 0;
        }
    }

    /** The trust ledger (for tools and tests). */
    public TrustLedger ledger() {
        return ledger;
    }

    // ---------------------------------------------------------------- hand-offs

    @Override
    public Object enter(Call call) {
        if (!call.isHandoff()) {
            return null;
        }
        Context caller = call.caller();
        Principal sender = caller.principal();
        Principal receiver = call.owner();
        org.agenthypervisor.core.quarantine.Quarantines q = quarantines;
        if (q != null && receiver.quarantine() != null) {
            RuntimeException refusal = q.refusal(receiver, sender, call.binding().method());
            if (refusal != null) {
                throw refusal;
            }
        }
        if (!sender.isHost()) {
            breach.observed(sender.id(), System.currentTimeMillis());
        }
        Chain chain = Chain.of(caller.chain());
        checkTrust(call, sender, receiver, chain);
        Vouch vouch = vouch(sender, receiver, call.binding().method(), Vouch.CALL, encodeArguments(call.arguments()),
                chain.parents(), caller.session());
        call.enter(call.entered().withChain(chain.handedBy(sender.index(), vouch.id())));
        return HANDOFF;
    }

    @Override
    public void exit(Call call, Object state, Object returned, Throwable thrown) {
        if (state != HANDOFF || thrown != null || returnsVoid(call.binding())) {
            return;
        }
        try {
            Principal callee = call.owner();
            Context resumed = call.resumed();
            Context now = calleeContext(call);
            Chain calleeChain = Chain.of(now.chain());
            Vouch vouch = vouch(callee, resumed.principal(), call.binding().method(), Vouch.RETURN,
                    encodeValue(returned), calleeChain.parents(), now.session() != null ? now.session() : resumed.session());
            Chain merged = Chain.of(resumed.chain()).merge(calleeChain.handedBy(callee.index(), vouch.id()));
            call.resume(resumed.withChain(merged));
        } catch (RuntimeException failure) {
            // The call already happened; its result must reach the caller whatever went wrong here.
            LOG.error("could not vouch for the result of " + call.binding().method() + ": " + failure, failure);
        }
    }

    /** The callee's context as the method returns (its chain may have grown through its own hand-offs). */
    private static Context calleeContext(Call call) {
        ContextCell cell = ContextCell.peek();
        Context now = cell == null ? null : cell.get();
        return now != null && now.principal() == call.owner() ? now : call.entered();
    }

    private static boolean returnsVoid(SiteBinding binding) {
        return binding.site().method().descriptor().endsWith(")V");
    }

    private void checkTrust(Call call, Principal sender, Principal receiver, Chain chain) {
        double min = receiver.minTrust();
        boolean refused = sender.trust() < min;
        for (int i = 0; !refused && i < chain.size(); i++) {
            int agent = chain.agentAt(i);
            refused = agent != receiver.index() && principals.byIndex(agent).trust() < min;
        }
        if (refused) {
            refuse(call, sender, receiver, chain, min);
        }
    }

    /** The slow path of a refusal: find the nearest untrusted agent, report, maybe slash, throw. */
    private void refuse(Call call, Principal sender, Principal receiver, Chain chain, double min) {
        Principal untrusted = null;
        int distance = 0;
        if (sender.trust() < min) {
            untrusted = sender;
        } else {
            for (int i : chain.byDistance(this::idOf)) {
                Principal p = principals.byIndex(chain.agentAt(i));
                if (p != receiver && p.trust() < min) {
                    untrusted = p;
                    distance = chain.distanceAt(i);
                    break;
                }
            }
        }
        if (untrusted == null) {
            return; // its score rose in the meantime (an operator or recovery): accept
        }
        double sigma = untrusted.trust();
        String method = call.binding().method();
        String key = "agents." + receiver.id() + ".minTrust";
        String who = untrusted == sender ? "the sender '" + sender.id() + "'"
                : "agent '" + untrusted.id() + "' (in the sender's chain at distance " + distance + ")";
        String message = "agent '" + receiver.id() + "' refused a hand-off from '" + sender.id() + "' to " + method
                + ": " + who + " has trust " + format(sigma) + ", below the minimum trust " + format(min) + " of '"
                + receiver.id() + "' (" + key + " in the policy); the method did not run. To accept it, lower " + key
                + " or restore the trust of '" + untrusted.id() + "' (trust set " + untrusted.id()
                + " VALUE --reason TEXT, or the JMX operation setTrust)";
        counters.refusals.increment();
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("sender", sender.id());
        fields.put("receiver", receiver.id());
        fields.put("method", method);
        fields.put("untrustedAgent", untrusted.id());
        fields.put("trust", sigma);
        fields.put("distance", (long) distance);
        fields.put("minTrust", min);
        fields.put("policyKey", key);
        fields.put("chain", describe(chain));
        audit.recordBestEffort("handoff.refused", fields);
        LOG.warn("REFUSED " + message);
        FlightEvents.HandoffRefused event = FlightEvents.recording() ? new FlightEvents.HandoffRefused() : null;
        if (event != null && event.isEnabled()) {
            event.sender = sender.id();
            event.receiver = receiver.id();
            event.method = method;
            event.untrustedAgent = untrusted.id();
            event.trust = sigma;
            event.minTrust = min;
            event.commit();
        }
        double severity = policy.liability().refusedHandoffSeverity();
        if (severity > 0) {
            // The receiver reports what it was offered: the sender at distance 1, its chain beyond.
            anomaly("refusedHandoff", null, 0, chain.handedBy(sender.index(), null), receiver, severity,
                    "hand-off refused by '" + receiver.id() + "' at " + method + " (" + who + " below minTrust "
                            + format(min) + ")", receiver.id(), severity);
        }
        throw new UntrustedHandoffException(message, sender.id(), receiver.id(), method, untrusted.id(), sigma, min);
    }

    private Vouch vouch(Principal sender, Principal receiver, String method, String direction,
                        PayloadEncoder.Encoded payload, List<String> parents, Object session) {
        long seq = sequence.incrementAndGet();
        Vouch vouch = new Vouch(bootId + "-" + seq, sender.id(), receiver.id(), method, direction,
                HEX.formatHex(payload.sha256()), payload.complete(), payload.unencodablePaths(), parents,
                sessionId(session), seq, System.currentTimeMillis());
        Envelope.Signature signature = null;
        String signing;
        if (policy.liability().signing() == Policy.Signing.EACH) {
            signing = "each";
            signature = vouch.sign(signingKey(sender, vouch));
        } else {
            signing = "batched";
            ensureKey(sender);
        }
        audit.record("handoff", vouch.auditFields(signing, signature));
        counters.handoffs.increment();
        return vouch;
    }

    private SigningKey signingKey(Principal sender, Vouch vouch) {
        try {
            return keys.keyOf(sender);
        } catch (RuntimeException failure) {
            // Fail closed: with signing: each, an unsigned hand-off must not happen.
            String message = "cannot sign the " + vouch.direction() + " hand-off from '" + sender.id() + "' to '"
                    + vouch.receiver() + "' at " + vouch.method() + " (liability.signing: each): no usable key for '"
                    + sender.id() + "' in " + keys.directory() + ": " + failure.getMessage()
                    + "; fix the key directory (liability.keysDir) or use liability.signing: batched";
            LOG.error(message);
            throw new SecurityException(message, failure);
        }
    }

    /** Batched mode: make sure the sender has a key, so its vouches can be exported and signed later. */
    private void ensureKey(Principal sender) {
        int i = sender.index();
        byte[] ready = keyReady;
        if (i >= 0 && i < ready.length && ready[i] != 0) {
            return;
        }
        synchronized (this) {
            ready = keyReady;
            if (i < 0 || (i < ready.length && ready[i] != 0)) {
                return;
            }
            try {
                keys.keyOf(sender);
            } catch (RuntimeException failure) {
                LOG.warn("no key for agent '" + sender.id() + "' in " + keys.directory() + " (" + failure.getMessage()
                        + "); its vouches are covered by the audit log but cannot be exported as signed envelopes");
            }
            byte[] grown = i < ready.length ? ready.clone() : java.util.Arrays.copyOf(ready, Math.max(i + 1, ready.length * 2));
            grown[i] = 1;
            keyReady = grown;
        }
    }

    private static String sessionId(Object session) {
        if (session instanceof org.agenthypervisor.api.Session) {
            try {
                return ((org.agenthypervisor.api.Session) session).id();
            } catch (RuntimeException ignored) {
                return null;
            }
        }
        return null;
    }

    private static PayloadEncoder.Encoded encodeArguments(Object[] args) {
        try {
            return PayloadEncoder.encodeArguments(args);
        } catch (RuntimeException | StackOverflowError failure) {
            return unencodable(failure);
        }
    }

    private static PayloadEncoder.Encoded encodeValue(Object value) {
        try {
            return PayloadEncoder.encode(value);
        } catch (RuntimeException | StackOverflowError failure) {
            return unencodable(failure);
        }
    }

    /** Encoding never breaks a call: digest a marker naming the failure, and say so. */
    private static PayloadEncoder.Encoded unencodable(Throwable failure) {
        byte[] marker = ("{\"" + PayloadEncoder.UNENCODABLE + "\":\"" + failure.getClass().getName() + "\"}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return new PayloadEncoder.Encoded(marker, false, List.of("$"));
    }

    // ---------------------------------------------------------------- anomalies

    /**
     * An enforced ring violation: the violator is the actor. Its severity follows the breach grade of
     * the violator's window (unless {@code ringViolationSeverity} fixes it); a grade that trips the
     * breaker quarantines the violator for the cooldown.
     */
    public void ringViolation(Context violator, RingDenial denial, SiteBinding binding) {
        if (violator == null || violator.isHost() || violator.principal().index() < 0) {
            return; // the host has no score and is never in a chain
        }
        LiabilitySpec spec = policy.liability();
        double omega = riskWeight(binding, spec);
        Principal actor = violator.principal();
        BreachDetector.Verdict verdict = breach.denied(actor.id(), System.currentTimeMillis());
        double severity = spec.graded() ? spec.breach().severity(verdict.grade()) : spec.ringViolationSeverity();
        anomaly("ringViolation", actor, severity, Chain.of(violator.chain()), null,
                omega, "ring violation: agent '" + actor.id() + "' (effective ring "
                        + denial.effectiveRing() + ") called " + denial.method() + ", which requires ring "
                        + denial.requiredRing() + "; breach " + verdict.describe(), null, severity);
        if (verdict.grade().trips()) {
            trip(actor, verdict, spec.breach().cooldownMillis());
        }
    }

    /** The circuit breaker: quarantine the agent for the cooldown and start its window afresh. */
    private void trip(Principal actor, BreachDetector.Verdict verdict, long cooldownMillis) {
        breach.reset(actor.id());
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("agent", actor.id());
        fields.put("grade", verdict.grade().key());
        fields.put("denied", verdict.denied());
        fields.put("calls", verdict.calls());
        fields.put("share", verdict.share());
        fields.put("windowMillis", verdict.windowMillis());
        fields.put("cooldownMillis", cooldownMillis);
        audit.recordBestEffort("breach.tripped", fields);
        org.agenthypervisor.core.quarantine.Quarantines q = quarantines;
        if (q == null) {
            LOG.warn("breach of agent '" + actor.id() + "' tripped the breaker, but no quarantine is wired: " + verdict.describe());
            return;
        }
        try {
            q.quarantine(actor.id(), cooldownMillis, "breach " + verdict.describe(), "breach");
        } catch (IllegalStateException killed) {
            // Already killed: a kill outranks the breaker's cooldown.
        }
    }

    private final BreachDetector breach;
    private volatile org.agenthypervisor.core.quarantine.Quarantines quarantines;

    /** Where the breaker quarantines agents and hand-offs to quarantined agents are refused. */
    public void setQuarantines(org.agenthypervisor.core.quarantine.Quarantines quarantines) {
        this.quarantines = quarantines;
    }

    /** The breach detector (for tools and tests). */
    public BreachDetector breach() {
        return breach;
    }

    /**
     * An enforced capability denial (the JDK call did not happen): an anomaly like a ring violation,
     * graded in the same window.
     */
    public void capabilityViolation(Context violator, String what) {
        if (violator == null || violator.isHost() || violator.principal().index() < 0) {
            return;
        }
        LiabilitySpec spec = policy.liability();
        Principal actor = violator.principal();
        BreachDetector.Verdict verdict = breach.denied(actor.id(), System.currentTimeMillis());
        double severity = spec.graded() ? spec.breach().severity(verdict.grade()) : spec.ringViolationSeverity();
        anomaly("capabilityViolation", actor, severity, Chain.of(violator.chain()),
                null, spec.riskDefault(), "capability violation: agent '" + actor.id() + "' " + what + "; breach "
                        + verdict.describe(), null, severity);
        if (verdict.grade().trips()) {
            trip(actor, verdict, spec.breach().cooldownMillis());
        }
    }

    /** The risk weight ω of calling the method: compensable, partial or default. */
    static double riskWeight(SiteBinding binding, LiabilitySpec spec) {
        if (binding == null) {
            return spec.riskDefault();
        }
        if (binding.compensation() != null) {
            return spec.riskCompensable();
        }
        return binding.partial() ? spec.riskPartial() : spec.riskDefault();
    }

    /** {@code Hypervisor.reportAnomaly}: the reporter's chain is slashed, not the reporter. */
    public void reportAnomaly(Context reporter, String reason, double severity) {
        if (!(severity > 0.0 && severity <= 1.0)) {
            throw new IllegalArgumentException("severity must be in (0, 1], was " + severity);
        }
        Principal who = reporter.principal();
        anomaly("reported", null, 0, Chain.of(reporter.chain()), who.isHost() ? null : who, severity,
                "anomaly reported by '" + who.id() + "': " + reason, who.id(), severity);
    }

    /** A saga step's compensation finally failed: the step's agent is the actor. */
    public void compensationFailed(Principal stepAgent, Object stepChain, String reason) {
        LiabilitySpec spec = policy.liability();
        double severity = spec.compensationFailureSeverity();
        if (severity <= 0) {
            LOG.info("compensation failed (" + reason + "); liability.anomalies.compensationFailure is 0: nobody is slashed");
            return;
        }
        Principal actor = stepAgent == null || stepAgent.isHost() || stepAgent.index() < 0 ? null : stepAgent;
        anomaly("compensationFailed", actor, severity, Chain.of(stepChain), null, spec.riskCompensable(),
                "compensation failed" + (stepAgent == null ? "" : " for a step of '" + stepAgent.id() + "'") + ": " + reason,
                null, severity);
    }

    /**
     * Slashes the actor (if any) and the chain, durably, then applies the scores. One ledger record,
     * one {@code anomaly} audit record, one {@code trust.slashed} record per agent, one log line.
     */
    private void anomaly(String kind, Principal actor, double actorSeverity, Chain chain, Principal exclude,
                         double omega, String cause, String reporter, double severity) {
        synchronized (slashLock) {
            LiabilitySpec spec = policy.liability();
            Slashing.Params params = Slashing.Params.of(spec, omega);
            List<Slashing.Slash> planned = Slashing.plan(actor == null ? -1 : actor.index(), actorSeverity, chain,
                    exclude == null ? -1 : exclude.index(), principals.host().index(), params,
                    i -> principals.byIndex(i).trust(), this::idOf);
            // A slash that changes nothing (an agent already at 0 violating again) is not a slash: no
            // ledger write (an fsync), no trust.slashed record, no log line. The anomaly is still audited.
            List<Slashing.Slash> plan = new ArrayList<>(planned.size());
            for (Slashing.Slash s : planned) {
                if (s.after() < s.before()) {
                    plan.add(s);
                }
            }
            if (plan.isEmpty() && !planned.isEmpty()) {
                // Nothing changed (an agent already at 0 violating again): the violation itself is
                // audited (ring.denied); an anomaly record and a log line would say nothing new.
                return;
            }
            String anomalyId = bootId + "-a" + anomalies.incrementAndGet();
            List<Map<String, Object>> chainFields = describe(chain);

            List<TrustLedger.Change> changes = new ArrayList<>(plan.size());
            for (Slashing.Slash s : plan) {
                changes.add(new TrustLedger.Change(idOf(s.agent()), s.before(), s.after(), s.distance()));
            }
            long now = System.currentTimeMillis();
            boolean durable = persist("slash", cause, changes, now);

            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("anomaly", anomalyId);
            fields.put("kind", kind);
            fields.put("cause", cause);
            fields.put("actor", actor == null ? null : actor.id());
            fields.put("reporter", reporter);
            fields.put("severity", severity);
            fields.put("omega", omega);
            fields.put("chain", chainFields);
            fields.put("slashed", (long) plan.size());
            fields.put("durable", durable);
            audit.recordBestEffort("anomaly", fields);

            StringBuilder line = new StringBuilder("ANOMALY ").append(cause).append(": ");
            if (plan.isEmpty()) {
                line.append("nobody to slash (the chain is empty)");
            }
            for (int n = 0; n < plan.size(); n++) {
                Slashing.Slash s = plan.get(n);
                Principal p = principals.byIndex(s.agent());
                principals.setTrust(p, s.after());
                counters.slashes.increment();
                Map<String, Object> slashed = new LinkedHashMap<>();
                slashed.put("agent", p.id());
                slashed.put("before", s.before());
                slashed.put("after", s.after());
                slashed.put("distance", (long) s.distance());
                slashed.put("role", s.distance() == 0 ? "actor" : "chain");
                slashed.put("cause", cause);
                slashed.put("kind", kind);
                slashed.put("anomaly", anomalyId);
                slashed.put("omega", omega);
                slashed.put("effectiveRing", (long) p.effectiveRing());
                slashed.put("grantedRing", (long) p.grantedRing());
                slashed.put("chain", chainFields);
                slashed.put("durable", durable);
                audit.recordBestEffort("trust.slashed", slashed);
                FlightEvents.Slashed event = FlightEvents.recording() ? new FlightEvents.Slashed() : null;
                if (event != null && event.isEnabled()) {
                    event.agent = p.id();
                    event.before = s.before();
                    event.after = s.after();
                    event.distance = s.distance();
                    event.reason = cause;
                    event.commit();
                }
                line.append(n == 0 ? "" : ", ").append(p.id()).append(' ').append(format(s.before())).append(" -> ")
                        .append(format(s.after())).append(s.distance() == 0 ? " (actor)" : " (d" + s.distance() + ")");
                if (p.effectiveRing() != p.grantedRing()) {
                    line.append(" now ring ").append(p.effectiveRing());
                }
            }
            LOG.warn(line.toString());
        }
    }

    /** Makes a change durable; a failure is reported and the caller decides whether to go on. */
    private boolean persist(String kind, String cause, List<TrustLedger.Change> changes, long now) {
        if (changes.isEmpty()) {
            return true;
        }
        try {
            ledger.append(kind, cause, changes, now);
            return true;
        } catch (IOException | RuntimeException failure) {
            LOG.error("TRUST LEDGER WRITE FAILED (" + ledger.describe() + "): " + failure
                    + (kind.equals("slash") ? "; the slash takes effect in this JVM but a restart would not know it"
                    : "; the change does not take effect"), failure);
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("kind", kind);
            fields.put("cause", cause);
            fields.put("error", String.valueOf(failure));
            audit.recordBestEffort("trust.ledger-failed", fields);
            return false;
        }
    }

    // ---------------------------------------------------------------- operators and recovery

    /**
     * An operator sets an agent's trust (JMX {@code setTrust}); durable first, then applied, audited
     * as {@code trust.set}.
     *
     * @return the score before
     * @throws IllegalArgumentException for a bad id, value or an empty reason
     * @throws IllegalStateException if the ledger cannot make it durable (nothing changed then)
     */
    public double setTrust(String agentId, double value, String reason, String by) {
        if (!KeyDirectory.isValidId(agentId) || "host".equals(agentId)) {
            throw new IllegalArgumentException("'" + agentId + "' is not an agent id (ids match"
                    + " [a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?; the host has no trust score)");
        }
        if (!(value >= 0.0 && value <= 1.0)) {
            throw new IllegalArgumentException("trust must be in [0, 1], was " + value);
        }
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("a reason is required: it goes into the audit log and the trust ledger");
        }
        Principal p = principals.agent(agentId);
        synchronized (slashLock) {
            double before = p.trust();
            double after = Slashing.round(value);
            if (!persist("set", reason, List.of(new TrustLedger.Change(agentId, before, after, 0)),
                    System.currentTimeMillis())) {
                throw new IllegalStateException("the trust ledger could not record the change; nothing changed");
            }
            principals.setTrust(p, after);
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("agent", agentId);
            fields.put("before", before);
            fields.put("after", after);
            fields.put("reason", reason);
            fields.put("by", by);
            fields.put("effectiveRing", (long) p.effectiveRing());
            audit.recordBestEffort("trust.set", fields);
            LOG.warn("TRUST SET by " + by + ": agent '" + agentId + "' " + format(before) + " -> " + format(after)
                    + " (effective ring " + p.effectiveRing() + "): " + reason);
            return before;
        }
    }

    /** One step of the policy's recovery: every agent below its initial trust regains the rate. */
    void recoverOnce() {
        Policy.Recovery r = policy.liability().recovery();
        if (r == null || closed) {
            return;
        }
        synchronized (slashLock) {
            List<TrustLedger.Change> changes = new ArrayList<>();
            List<Principal> who = new ArrayList<>();
            for (Principal p : principals.agents()) {
                double before = p.trust();
                if (before < p.initialTrust()) {
                    double after = Math.min(p.initialTrust(), Slashing.round(before + r.rate()));
                    if (after > before) {
                        changes.add(new TrustLedger.Change(p.id(), before, after, 0));
                        who.add(p);
                    }
                }
            }
            if (changes.isEmpty()) {
                return;
            }
            String cause = "recovery: +" + r.rate() + " every " + r.everyMillis() + " ms up to the initial trust";
            if (!persist("recover", cause, changes, System.currentTimeMillis())) {
                return;
            }
            for (int i = 0; i < who.size(); i++) {
                Principal p = who.get(i);
                TrustLedger.Change c = changes.get(i);
                principals.setTrust(p, c.after());
                Map<String, Object> fields = new LinkedHashMap<>();
                fields.put("agent", p.id());
                fields.put("before", c.before());
                fields.put("after", c.after());
                fields.put("rate", r.rate());
                fields.put("everyMillis", r.everyMillis());
                fields.put("effectiveRing", (long) p.effectiveRing());
                audit.recordBestEffort("trust.recovered", fields);
            }
            LOG.info("trust recovered for " + who.size() + " agent(s) (" + cause + ")");
        }
    }

    /** A new policy version was applied. */
    public void applyPolicy(Policy next) {
        this.policy = next;
        breach.apply(next.liability().breach());
        recovery.wake();
    }

    Policy policy() {
        return policy;
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        recovery.stop();
        synchronized (slashLock) {
            try {
                ledger.close();
            } catch (IOException failure) {
                LOG.error("closing the trust ledger failed: " + failure, failure);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private String idOf(int index) {
        return principals.byIndex(index).id();
    }

    /** The chain as audit fields: [{agent, distance}] nearest first. */
    private List<Map<String, Object>> describe(Chain chain) {
        List<Map<String, Object>> out = new ArrayList<>(chain.size());
        for (int i : chain.byDistance(this::idOf)) {
            Map<String, Object> e = new LinkedHashMap<>(4);
            e.put("agent", idOf(chain.agentAt(i)));
            e.put("distance", (long) chain.distanceAt(i));
            out.add(e);
        }
        return out;
    }

    /** A score with 2 to 4 decimals (0.05, 0.525, 0.7625, 1.00); no Formatter: anomalies build a line per agent. */
    static String format(double score) {
        if (!(score >= 0.0 && score <= 1.0)) {
            return String.valueOf(score);
        }
        long units = Math.round(score * 10_000);
        int frac = (int) (units % 10_000);
        char[] digits = {(char) ('0' + frac / 1000), (char) ('0' + frac / 100 % 10), (char) ('0' + frac / 10 % 10),
                (char) ('0' + frac % 10)};
        int len = 4;
        while (len > 2 && digits[len - 1] == '0') {
            len--;
        }
        return (units / 10_000) + "." + new String(digits, 0, len);
    }
}
