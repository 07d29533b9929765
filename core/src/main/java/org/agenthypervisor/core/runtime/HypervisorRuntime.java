package org.agenthypervisor.core.runtime;

import org.agenthypervisor.api.Session;
import org.agenthypervisor.api.spi.HypervisorBackend;
import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.opentelemetry.OpenTelemetryBridge;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.context.Propagation;
import org.agenthypervisor.core.gate.GateRuntime;
import org.agenthypervisor.core.liability.LiabilityEngine;
import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.observe.Counters;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.PolicyException;
import org.agenthypervisor.core.saga.SagaEngine;
import org.agenthypervisor.core.session.SessionManager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The hypervisor of one JVM: policy, principals, gate, audit trail, facade backend, reloads and
 * shutdown. The agent creates it in {@code premain}; everything else reaches it through the gate
 * and the facade.
 */
public final class HypervisorRuntime {
    private static final Log LOG = Log.get("runtime");
    private static final Log POLICY = Log.get("policy");
    private static final Log CAPABILITIES = Log.get("capabilities");

    private final RuntimeOptions options;
    private final Path dataDir;
    private final Principals principals;
    private final GateRuntime gate;
    private final AuditTrail audit;
    /** {@link #audit}, also telling the application's OpenTelemetry (when it has the API) what it records (issue 14). */
    private final AuditTrail observed;
    private final Counters counters = new Counters();
    private final RuntimeEvents events;
    private final FacadeBackend backend;
    private final LiabilityEngine liability;
    /** The shared store ({@code store: postgres}), or null when everything is in files. */
    private final org.agenthypervisor.core.store.postgres.PostgresStore store;
    private final SessionManager sessions;
    private final SagaEngine sagas;
    private volatile Policy policy;
    private volatile Consumer<Set<String>> afterReload = NoReloadListener.INSTANCE;
    private PolicyWatcher watcher;
    private final Maintenance maintenance = new Maintenance();

    private HypervisorRuntime(RuntimeOptions options, Policy policy, java.util.function.BiFunction<Path, Policy, AuditTrail> auditFactory,
                              StartupPhases phases) throws IOException {
        this.options = options;
        this.policy = policy;
        this.dataDir = options.workingDir().resolve(policy.dataDir()).normalize();
        Files.createDirectories(dataDir);
        // The shared store first: with one, the audit log is the application's, in the database (issue 13).
        this.store = openStore(policy);
        if (store != null) {
            phases.mark("shared store");
        }
        this.audit = store != null ? sharedAudit(store, dataDir, policy) : auditFactory.apply(dataDir, policy);
        this.observed = OpenTelemetryBridge.observe(audit, policy.observe().openTelemetry());
        phases.mark("audit log");
        this.principals = new Principals(policy);
        this.events = new RuntimeEvents(observed, counters);
        this.gate = new GateRuntime(policy, principals, events);
        phases.mark("gate");
        this.liability = new LiabilityEngine(policy, principals, observed, counters, dataDir,
                store == null ? null : store.log(org.agenthypervisor.core.liability.TrustLedger.NAME));
        phases.mark("trust ledger");
        this.sessions = new SessionManager(policy, principals, observed, counters);
        this.sagas = new SagaEngine(policy, principals, observed, counters, dataDir, liability, gate.hostContext(),
                store == null ? null : store.sagaLog(policy.store().postgres().sagaLeaseMillis()));
        phases.mark("saga journal");
        // Order matters: refuse untrusted payloads first, then join sessions, then journal saga steps.
        // Approvals first: a call waiting for (or denied) approval has vouched, joined and journaled nothing yet.
        Supplier<Policy> currentPolicy = new PolicySupplier(this);
        this.approvals = new org.agenthypervisor.core.approval.Approvals(observed, currentPolicy, WallClock.INSTANCE);
        gate.addParticipant(approvals);
        gate.addParticipant(liability);
        gate.addParticipant(sessions);
        gate.addParticipant(sagas);
        events.setAnomalySink(new RingViolationSink(this));
        this.quarantines = new org.agenthypervisor.core.quarantine.Quarantines(principals, observed, WallClock.INSTANCE,
                dataDir);
        quarantines.restore(); // before any call: a restart must not release a killed agent
        gate.setQuarantines(quarantines);
        liability.setQuarantines(quarantines);
        sessions.setQuarantines(quarantines);
        this.elevations = new org.agenthypervisor.core.elevation.Elevations(principals, observed, WallClock.INSTANCE,
                currentPolicy, true);
        gate.setElevations(elevations);
        this.rateLimits = new org.agenthypervisor.core.ratelimit.RateLimits(policy, audit);
        principals.useRateLimits(rateLimits);
        this.backend = new FacadeBackend(this);
        this.frameworks = new org.agenthypervisor.core.frameworks.FrameworkGate(gate, principals, events, audit, sessions,
                policy);
        frameworks.setApprovals(approvals);
    }

    private final org.agenthypervisor.core.frameworks.FrameworkGate frameworks;
    private final org.agenthypervisor.core.ratelimit.RateLimits rateLimits;

    // What the start hands out (here and the housekeeping tasks below) are classes, not lambdas or
    // method references: each of those costs ~0.5 ms to link at start-up (issue 11).

    /** {@code System::currentTimeMillis}. */
    private static final class WallClock implements LongSupplier {
        static final WallClock INSTANCE = new WallClock();

        @Override
        public long getAsLong() {
            return System.currentTimeMillis();
        }
    }

    /** The policy in force ({@link #policy()}). */
    private static final class PolicySupplier implements Supplier<Policy> {
        private final HypervisorRuntime runtime;

        PolicySupplier(HypervisorRuntime runtime) {
            this.runtime = runtime;
        }

        @Override
        public Policy get() {
            return runtime.policy();
        }
    }

    /** Enforced ring violations go to liability, with the calling thread's context. */
    private static final class RingViolationSink implements RuntimeEvents.AnomalySink {
        private final HypervisorRuntime runtime;

        RingViolationSink(HypervisorRuntime runtime) {
            this.runtime = runtime;
        }

        @Override
        public void ringViolation(org.agenthypervisor.core.rings.RingDenial denial,
                                  org.agenthypervisor.core.gate.SiteBinding binding) {
            runtime.liability.ringViolation(runtime.currentContext(), denial, binding);
        }
    }

    /** Nothing to do after a reload until the agent installs its retransformation. */
    private static final class NoReloadListener implements Consumer<Set<String>> {
        static final NoReloadListener INSTANCE = new NoReloadListener();

        @Override
        public void accept(Set<String> changed) {
        }
    }

    private static final class ReloadFromFile implements Runnable {
        private final HypervisorRuntime runtime;

        ReloadFromFile(HypervisorRuntime runtime) {
            this.runtime = runtime;
        }

        @Override
        public void run() {
            runtime.reloadFromFile();
        }
    }

    /** Rate limits and their refusal counts. */
    public org.agenthypervisor.core.ratelimit.RateLimits rateLimits() {
        return rateLimits;
    }

    /**
     * Connects to the policy's shared store, if it names one. A database that cannot be reached stops
     * the start (fail closed), unless {@code store.postgres.onUnavailable: files}: then this JVM runs on
     * its own files and says so as an ERROR, because its trust changes are not shared.
     */
    private static org.agenthypervisor.core.store.postgres.PostgresStore openStore(Policy policy) throws IOException {
        Policy.PostgresStoreSpec spec = policy.store().postgres();
        if (spec == null) {
            return null;
        }
        try {
            return org.agenthypervisor.core.store.postgres.PostgresStore.open(spec, System.getenv());
        } catch (IOException failure) {
            if (spec.onUnavailable() == Policy.OnUnavailable.FILES) {
                LOG.error("SHARED STORE UNAVAILABLE, RUNNING ON LOCAL FILES: " + failure.getMessage()
                        + "; store.postgres.onUnavailable is files, so this JVM keeps its trust ledger under its data"
                        + " directory: slashes here do not reach the other JVMs and theirs do not reach this one");
                return null;
            }
            throw new IOException(failure.getMessage() + " (store.postgres.onUnavailable: fail, at "
                    + spec.location().file() + ":" + spec.location().line() + "; set it to files to run on local files"
                    + " instead)", failure);
        }
    }

    /** The shared audit log, signed with this JVM's key ({@code liability.keysDir} or {@code <dataDir>/keys}). */
    private static AuditTrail sharedAudit(org.agenthypervisor.core.store.postgres.PostgresStore store, Path dataDir,
                                          Policy policy) throws IOException {
        try {
            return store.audit(org.agenthypervisor.core.audit.AuditLog.keysDir(dataDir, policy), policy.audit());
        } catch (IOException failure) {
            store.close();
            throw failure;
        }
    }

    /** The store a policy names, for messages (never a password: the policy holds none). */
    private static String storeSettings(Policy p) {
        Policy.PostgresStoreSpec pg = p.store().postgres();
        return pg == null ? "files" : "postgres " + pg.url() + " schema " + pg.schema() + " user " + pg.user();
    }

    /** The shared store, or null when the policy keeps everything in files. */
    public org.agenthypervisor.core.store.postgres.PostgresStore store() {
        return store;
    }

    /** The hypervisor's side of the framework integrations. */
    public org.agenthypervisor.core.frameworks.FrameworkGate frameworks() {
        return frameworks;
    }

    /** The calling thread's context. */
    public Context currentContext() {
        return Propagation.current(gate.hostContext());
    }

    /**
     * Starts the runtime for a validated policy: creates the data directory, opens the audit trail,
     * records the policy load and activates the gate.
     */
    public static HypervisorRuntime start(RuntimeOptions options, Policy policy, java.util.function.BiFunction<Path, Policy, AuditTrail> auditFactory)
            throws IOException {
        return start(options, policy, auditFactory, new StartupPhases());
    }

    /** {@link #start(RuntimeOptions, Policy, java.util.function.BiFunction)}, marking its phases. */
    public static HypervisorRuntime start(RuntimeOptions options, Policy policy, java.util.function.BiFunction<Path, Policy, AuditTrail> auditFactory,
                                          StartupPhases phases) throws IOException {
        HypervisorRuntime runtime = new HypervisorRuntime(options, policy, auditFactory, phases);
        Propagation.install(runtime.gate.hostContext());
        runtime.installCapabilities();
        Propagation.installUnidentified(org.agenthypervisor.core.context.Context.of(runtime.principals.unidentified()));
        runtime.gate.activate();
        runtime.frameworks.activate();
        runtime.audit.recordBestEffort("policy.loaded", runtime.policyFields(policy, false));
        runtime.startMaintenance();
        phases.mark("activation");
        return runtime;
    }

    /**
     * Recovers the sagas the journal shows unfinished, if {@code saga.recoverOnStart} says so. The
     * agent calls it once, before {@code main}, after weaving and the facade are installed: the
     * compensations it runs are woven (their ring checks apply) and may call the facade.
     */
    public void recoverSagasOnStart() {
        if (policy.saga().recoverOnStart()) {
            sagas.recoverOnStart();
        }
    }

    public Policy policy() {
        return policy;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Principals principals() {
        return principals;
    }

    public GateRuntime gate() {
        return gate;
    }

    public AuditTrail audit() {
        return audit;
    }

    public Counters counters() {
        return counters;
    }

    public RuntimeOptions options() {
        return options;
    }

    public HypervisorBackend backend() {
        return backend;
    }

    private final org.agenthypervisor.core.quarantine.Quarantines quarantines;
    private final org.agenthypervisor.core.elevation.Elevations elevations;
    private final org.agenthypervisor.core.approval.Approvals approvals;

    /** Pending approval requests (issue 15). */
    public org.agenthypervisor.core.approval.Approvals approvals() {
        return approvals;
    }

    /** Operators' elevations (issue 15). */
    public org.agenthypervisor.core.elevation.Elevations elevations() {
        return elevations;
    }

    /** Quarantine and kill switch per agent. */
    public org.agenthypervisor.core.quarantine.Quarantines quarantines() {
        return quarantines;
    }

    public LiabilityEngine liability() {
        return liability;
    }

    public SessionManager sessions() {
        return sessions;
    }

    public SagaEngine sagas() {
        return sagas;
    }

    /** The capabilities under the policy in force; replaced whole on each reload. */
    private volatile org.agenthypervisor.core.capabilities.CapabilityTable capabilityTable;

    private org.agenthypervisor.core.capabilities.CapabilityTable capabilityTable(Policy p) {
        return org.agenthypervisor.core.capabilities.CapabilityTable.of(p, options.workingDir().toAbsolutePath().normalize(),
                Path.of(System.getProperty("user.home", "/")).toAbsolutePath().normalize());
    }

    /** The capabilities of every ring and agent under the policy in force (for {@code policy check} and tests). */
    public org.agenthypervisor.core.capabilities.CapabilityTable capabilities() {
        return capabilityTable;
    }

    /** The agent a class belongs to by the policy's class globs or its {@code @Agent} annotation, or null. */
    private String ownerOf(Class<?> type) {
        String name = type.getName();
        for (Policy.AgentSpec a : policy.agents().values()) {
            for (org.agenthypervisor.core.policy.Glob g : a.classes()) {
                if (g.matches(name)) {
                    return a.id();
                }
            }
        }
        for (Class<?> c = type; c != null; c = c.getEnclosingClass()) {
            org.agenthypervisor.api.Agent agent = c.getAnnotation(org.agenthypervisor.api.Agent.class);
            if (agent != null) {
                return agent.value();
            }
        }
        return null;
    }

    /**
     * The hypervisor's own files are out of every agent's reach (issue 10): its data directory (keys,
     * journal, ledger, audit log), a separate keys directory, and the policy file.
     */
    private void installCapabilities() {
        java.util.List<Path> dirs = new java.util.ArrayList<>(List.of(dataDir));
        String keysDir = policy.liability().keysDir();
        if (keysDir != null) {
            dirs.add(options.workingDir().resolve(keysDir).normalize());
        }
        java.util.List<Path> files = options.policyFile() == null ? List.of() : List.of(options.policyFile());
        org.agenthypervisor.core.capabilities.ProtectedPaths paths =
                new org.agenthypervisor.core.capabilities.ProtectedPaths(dirs, files);
        this.capabilityTable = capabilityTable(policy);
        org.agenthypervisor.core.capabilities.CapabilityGate.install(new org.agenthypervisor.core.capabilities.CapabilityGate.Rules() {
            @Override
            public org.agenthypervisor.core.capabilities.ProtectedPaths protectedPaths() {
                return paths;
            }

            @Override
            public org.agenthypervisor.core.capabilities.CapabilityTable table() {
                return capabilityTable;
            }

            @Override
            public String ownerOf(Class<?> type) {
                return HypervisorRuntime.this.ownerOf(type);
            }

            @Override
            public boolean enforcing() {
                return policy.mode() == Policy.Mode.ENFORCE;
            }

            @Override
            public void denied(org.agenthypervisor.core.context.Context context,
                               org.agenthypervisor.core.capabilities.Capability capability, String target, String reason,
                               boolean enforced) {
                if (policy.mode() == Policy.Mode.OFF) {
                    return;
                }
                try {
                    Map<String, Object> fields = new LinkedHashMap<>();
                    fields.put("agent", context.principal().id());
                    fields.put("effectiveRing", context.ringSource().effectiveRing());
                    fields.put("capability", capability.key());
                    fields.put("target", target);
                    fields.put("reason", reason);
                    if (enforced) {
                        observed.recordBestEffort("capability.denied", fields); // refused anyway
                    } else {
                        observed.record("capability.would-deny", fields); // the call runs: it must be audited
                    }
                    CAPABILITIES.warn((enforced ? "DENIED " : "WOULD DENY (audit mode; the call runs) ") + "agent '"
                            + context.principal().id() + "' " + capability.key() + " " + target + ": " + reason);
                    if (enforced) {
                        liability.capabilityViolation(context, capability.key() + " " + target);
                    }
                } catch (org.agenthypervisor.core.audit.AuditUnavailableException refused) {
                    throw refused; // audit.onWriteFailure: deny; the call must not run unaudited
                } catch (RuntimeException failure) {
                    LOG.error("could not report a capability denial: " + failure, failure);
                }
            }
        });
    }

    /** Called with the classes to retransform after each accepted reload. */
    public void onReload(Consumer<Set<String>> retransform) {
        this.afterReload = retransform;
    }

    /**
     * Starts watching the policy file, if there is one and the options allow it.
     *
     * <p>A policy file that the governed JVM can write is a way for an agent to grant itself ring 0
     * (a red-team run did exactly that). So unless the operator asked for it explicitly
     * ({@code watch=true}), the file is watched in {@code enforce} mode only when this JVM cannot write
     * it nor replace it in its directory (deploy it read-only, owned by another user, or from a
     * read-only mount such as a Kubernetes ConfigMap). In {@code audit} and {@code off} mode nothing is
     * enforced, so the file is watched. A reload can always be asked from outside the JVM (the
     * MXBean's {@code reloadPolicy} over a remote connection, {@code agent-hypervisor policy reload}).
     *
     * @param explicitlyAsked the operator said {@code watch=true}
     */
    public synchronized void startWatching(boolean explicitlyAsked) {
        if (options.policyFile() == null || !options.watch() || watcher != null) {
            return;
        }
        Path file = options.policyFile();
        boolean writable = java.nio.file.Files.isWritable(file)
                || (file.toAbsolutePath().getParent() != null && java.nio.file.Files.isWritable(file.toAbsolutePath().getParent()));
        if (policy.mode() == Policy.Mode.ENFORCE && writable) {
            if (!explicitlyAsked) {
                POLICY.info("not watching " + file + " for changes: this JVM can write it, so an agent could rewrite its"
                        + " own grants (make the file and its directory read-only for this user, or pass watch=true to"
                        + " accept that; reloads from outside the JVM work either way)");
                return;
            }
            POLICY.warn("watching " + file + " although this JVM can write it (watch=true): code running in this JVM"
                    + " could change the policy");
        }
        if (watcher == null) {
            watcher = new PolicyWatcher(options.policyFile(), new ReloadFromFile(this));
            watcher.start();
        }
    }

    /** Reads the policy file again; a valid new version replaces the current one atomically. */
    public synchronized boolean reloadFromFile() {
        Policy next;
        try {
            next = PolicyLoader.load(options);
        } catch (PolicyException invalid) {
            counters.policyRejections.increment();
            POLICY.error("policy reload REJECTED, the previous policy stays in force: " + invalid.getMessage());
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("source", String.valueOf(options.policyFile()));
            fields.put("problems", invalid.problems().stream().map(Object::toString).toList());
            audit.recordBestEffort("policy.rejected", fields);
            return false;
        } catch (IOException unreadable) {
            counters.policyRejections.increment();
            POLICY.error("policy reload REJECTED (cannot read " + options.policyFile() + "), the previous policy stays in force: "
                    + unreadable);
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("source", String.valueOf(options.policyFile()));
            fields.put("problems", List.of(String.valueOf(unreadable)));
            audit.recordBestEffort("policy.rejected", fields);
            return false;
        }
        if (next.sha256().equals(policy.sha256())) {
            return false;
        }
        apply(next);
        return true;
    }

    /** Switches to a validated policy version. */
    public synchronized void apply(Policy next) {
        if (!next.dataDir().equals(policy.dataDir())) {
            POLICY.warn("dataDir changed from '" + policy.dataDir() + "' to '" + next.dataDir()
                    + "'; the data directory only changes at restart");
        }
        if (!storeSettings(next).equals(storeSettings(policy))) {
            POLICY.warn("store changed from " + storeSettings(policy) + " to " + storeSettings(next)
                    + "; the store only changes at restart (this JVM keeps using the one it started with)");
        }
        Set<String> changed = gate.apply(next);
        liability.applyPolicy(next);
        sessions.applyPolicy(next);
        sagas.applyPolicy(next);
        frameworks.apply(next);
        rateLimits.apply(next);
        principals.useRateLimits(rateLimits);
        this.capabilityTable = capabilityTable(next);
        this.policy = next;
        counters.policyReloads.increment();
        audit.recordBestEffort("policy.reloaded", policyFields(next, true));
        POLICY.info("policy reloaded from " + next.source() + " (sha256 " + next.sha256().substring(0, 12) + "): mode "
                + next.mode().name().toLowerCase() + ", " + next.agents().size() + " agent(s), " + next.rules().size() + " rule(s)");
        afterReload.accept(changed);
    }

    private Map<String, Object> policyFields(Policy p, boolean reload) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("source", p.source());
        fields.put("sha256", p.sha256());
        fields.put("mode", p.mode().name().toLowerCase());
        fields.put("agents", List.copyOf(p.agents().keySet()));
        fields.put("rules", p.rules().size());
        fields.put("reload", reload);
        return fields;
    }

    /** Live trust and effective ring of every agent seen, for JMX and the command line. */
    public Map<String, Double> trustScores() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Principal p : principals.agents()) {
            out.put(p.id(), p.trust());
        }
        return out;
    }

    /**
     * Housekeeping off the start path: a log whose files were removed under it (a log that forces
     * notices at its next force; this covers {@code none} durability and quiet logs) fails, so calls
     * that need it fail closed.
     */
    private void startMaintenance() {
        if (audit instanceof org.agenthypervisor.core.audit.AuditLog) {
            maintenance.add("audit files", new Housekeeping(this, Housekeeping.Job.AUDIT_FILES));
            // Nothing unless audit.retention is set; then it plants a cut at most every retention/10.
            maintenance.add("audit retention", new Housekeeping(this, Housekeeping.Job.AUDIT_RETENTION));
        }
        maintenance.add("trust ledger files", new Housekeeping(this, Housekeeping.Job.LEDGER_FILES));
        // Cheap when nothing is due (one record read); retires whole segments when they are.
        maintenance.add("trust ledger retention", new Housekeeping(this, Housekeeping.Job.LEDGER_RETENTION));
        if (sagas.journal() != null) {
            maintenance.add("saga journal files", new Housekeeping(this, Housekeeping.Job.JOURNAL_FILES));
        }
        // Writes nothing unless 10,000 records followed the last checkpoint or a cut has come due.
        maintenance.add("saga journal compaction", new Housekeeping(this, Housekeeping.Job.SAGA_COMPACTION));
        maintenance.start();
    }

    /**
     * One housekeeping task of the runtime. One class for all six rather than a class (or a lambda)
     * each: every start loads and links what it registers here (issue 11).
     */
    private static final class Housekeeping implements Maintenance.Task {
        enum Job { AUDIT_FILES, AUDIT_RETENTION, LEDGER_FILES, LEDGER_RETENTION, JOURNAL_FILES, SAGA_COMPACTION }

        private final HypervisorRuntime runtime;
        private final Job job;

        Housekeeping(HypervisorRuntime runtime, Job job) {
            this.runtime = runtime;
            this.job = job;
        }

        @Override
        public void run() throws IOException {
            switch (job) {
                case AUDIT_FILES -> ((org.agenthypervisor.core.audit.AuditLog) runtime.audit).recordLog().checkFiles();
                case AUDIT_RETENTION -> ((org.agenthypervisor.core.audit.AuditLog) runtime.audit).applyRetention();
                case LEDGER_FILES -> runtime.liability.ledger().checkFiles();
                case LEDGER_RETENTION -> runtime.liability.applyRetention();
                case JOURNAL_FILES -> runtime.sagas.journal().recordLog().checkFiles();
                case SAGA_COMPACTION -> runtime.sagas.compact();
                default -> throw new IllegalStateException("no housekeeping job " + job);
            }
        }
    }

    /** Runs every housekeeping task once, now, on the calling thread. */
    public void runMaintenance() {
        maintenance.runOnce();
    }

    /** Flushes and closes what needs it; registered as a shutdown hook by the agent. */
    public void shutdown() {
        try {
            elevations.close();
            maintenance.stop();
            if (watcher != null) {
                watcher.stop();
            }
            sagas.close();
            sessions.close();
            liability.close();
            audit.flush();
            audit.close();
            if (store != null) {
                store.close(); // after the audit log, which may be in it
            }
        } catch (Throwable failure) {
            LOG.error("error during shutdown: " + failure, failure);
        }
    }
}
