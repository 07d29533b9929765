package org.agenthypervisor.agent.cli;

import org.agenthypervisor.api.spi.Backends;
import org.agenthypervisor.core.audit.AuditLog;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.PolicyException;
import org.agenthypervisor.core.runtime.HypervisorRuntime;
import org.agenthypervisor.core.runtime.PolicyLoader;
import org.agenthypervisor.core.runtime.RuntimeOptions;
import org.agenthypervisor.core.saga.SagaEngine;
import org.agenthypervisor.core.saga.SagaHistory;
import org.agenthypervisor.core.saga.SagaHistory.SagaView;
import org.agenthypervisor.core.saga.SagaHistory.StepView;
import org.agenthypervisor.core.saga.SagaIds;
import org.agenthypervisor.core.saga.JournalReseal;
import org.agenthypervisor.core.saga.JournalSeal;
import org.agenthypervisor.core.saga.SagaJournal;
import org.agenthypervisor.core.store.CorruptLogException;
import org.agenthypervisor.core.store.OpenReport;
import org.agenthypervisor.core.store.RecordLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code saga list|show|recover}: the saga journal under {@code <dataDir>/saga}. */
@Command(name = "saga", mixinStandardHelpOptions = true,
        description = {"Inspect the saga journal and recover unfinished sagas offline.",
                "list and show only read the journal (also while a JVM runs on the data directory)."},
        subcommands = {SagaCommand.ListSagas.class, SagaCommand.Show.class, SagaCommand.Recover.class,
                SagaCommand.Seal.class})
final class SagaCommand extends CommandGroup {
    /** States {@code --state} accepts. */
    static final List<String> STATES = List.of("running", "compensating", "completed", "compensated", "escalated", "unfinished");

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List the sagas in the journal, oldest first, with their state.",
                    "States: running (begun, no end yet), compensating (rollback or recovery began, no end yet),",
                    "completed, compensated, escalated; unfinished = running or compensating.",
                    "Records that fail authentication are listed, and their sagas marked UNAUTHENTICATED.",
                    "Exit code 0; 1 if records fail authentication; 2 if the data directory does not exist or the",
                    "journal is unreadable."})
    static final class ListSagas implements Callable<Integer> {
        @Option(names = {"-d", "--data-dir"}, paramLabel = "DIR", defaultValue = DEFAULT_DATA_DIR,
                description = "The data directory (default: ${DEFAULT-VALUE}).")
        Path dataDir;

        @Option(names = "--keys-dir", paramLabel = "DIR",
                description = "The key directory, if the policy sets liability.keysDir (default: DATA-DIR/keys).")
        Path keysDir;

        @Option(names = "--state", paramLabel = "STATE",
                description = "Only sagas in this state: running, compensating, completed, compensated, escalated, unfinished.")
        String state;

        @Option(names = "--store", paramLabel = "POLICY",
                description = "A policy whose store: postgres names the shared store to read the journal from (instead of"
                        + " --data-dir; its password from the environment variable the policy names).")
        Path storePolicy;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            if (state != null && !STATES.contains(state.toLowerCase(Locale.ROOT))) {
                throw new HypervisorCommand.UsageError("unknown --state '" + state + "'; use one of " + String.join(", ", STATES));
            }
            Journal journal = storePolicy != null ? Journal.readShared(storePolicy, false) : Journal.read(dataDir, keysDir, false);
            if (journal == null) {
                out.println("no saga journal in " + dataDir + " (no saga ran there yet)");
                return HypervisorCommand.OK;
            }
            journal.reportTail(out);
            journal.reportCompaction(out);
            boolean authentic = journal.reportAuthentication(out, dataDir);
            List<SagaView> shown = new ArrayList<>();
            for (SagaView saga : journal.history.sagas()) {
                if (matches(saga.state(), state)) {
                    shown.add(saga);
                }
            }
            if (!shown.isEmpty()) {
                out.printf(Locale.ROOT, "%-10s %-13s %5s  %-24s  %-24s  %s%n", "ID", "STATE", "STEPS", "BEGAN", "ENDED", "NAME");
            }
            long unfinished = 0;
            for (SagaView saga : shown) {
                unfinished += saga.state().unfinished() ? 1 : 0;
                out.printf(Locale.ROOT, "%-10s %-13s %5d  %-24s  %-24s  %s%s%n", saga.id(), saga.state().label(),
                        saga.steps().size(), time(saga.began()), saga.ended() < 0 ? "-" : time(saga.ended()), saga.name(),
                        journal.mark(saga));
            }
            out.println(shown.size() + " saga(s)" + (state == null ? "" : " in state " + state.toLowerCase(Locale.ROOT))
                    + (unfinished > 0 ? ", " + unfinished + " unfinished" : ""));
            if (unfinished > 0 && journal.owners != null) {
                out.println("in " + journal.where + ": an unfinished saga whose owner's lease is current may still be"
                        + " running in that JVM; one whose owner's lease expired is taken over by a live JVM of the"
                        + " application, or now with `saga recover --store " + storePolicy + " --classpath <the"
                        + " application's class path>`");
            } else if (unfinished > 0) {
                out.println(journal.locked
                        ? "a running JVM holds this journal: its unfinished sagas may still be running"
                        : "no JVM holds this journal: unfinished sagas are recovered at the next start, or now with"
                        + " `saga recover --data-dir " + dataDir + " --classpath <the application's class path>`"
                        + (journal.history.held().isEmpty() ? "" : " (except the HELD ones)"));
            }
            return authentic ? HypervisorCommand.OK : HypervisorCommand.FAILED;
        }

        private static boolean matches(SagaHistory.State s, String filter) {
            if (filter == null) {
                return true;
            }
            String f = filter.toLowerCase(Locale.ROOT);
            return f.equals("unfinished") ? s.unfinished() : s.label().equals(f);
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = {"Show one saga: its steps (arguments, results, compensations) and every journal record.",
                    "Exit code 0; 1 if there is no such saga; 2 if the journal cannot be read."})
    static final class Show implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID", description = "The saga id (s17, or 17).")
        String id;

        @Option(names = {"-d", "--data-dir"}, paramLabel = "DIR", defaultValue = DEFAULT_DATA_DIR,
                description = "The data directory (default: ${DEFAULT-VALUE}).")
        Path dataDir;

        @Option(names = "--keys-dir", paramLabel = "DIR",
                description = "The key directory, if the policy sets liability.keysDir (default: DATA-DIR/keys).")
        Path keysDir;

        @Option(names = "--store", paramLabel = "POLICY",
                description = "A policy whose store: postgres names the shared store to read the journal from (instead of"
                        + " --data-dir; its password from the environment variable the policy names).")
        Path storePolicy;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Journal journal = storePolicy != null ? Journal.readShared(storePolicy, true) : Journal.read(dataDir, keysDir, true);
            String sagaId = SagaIds.normalize(id);
            SagaView saga = journal == null ? null : journal.history.saga(sagaId);
            if (saga == null) {
                err.println("no saga " + sagaId + " in the journal of " + (journal != null && journal.owners != null
                        ? journal.where : dataDir) + " (saga list shows the ids"
                        + (journal != null && journal.liveFrom > 0 && !journal.archived ? "; sagas that finished before"
                        + " record " + journal.liveFrom + " were deleted by compaction, saga.archive: delete" : "") + ")");
                return HypervisorCommand.FAILED;
            }
            journal.reportTail(out);
            out.println("saga " + saga.id() + "  " + saga.name());
            out.println("  state    " + saga.state().label() + journal.mark(saga));
            if (saga.quarantined()) {
                out.println("  WARNING  records " + saga.unauthenticated() + " of this saga fail authentication: what"
                        + " follows is what they claim, not what this hypervisor wrote");
            }
            List<Map<String, Object>> records = saga.records();
            if (!records.isEmpty() && records.get(records.size() - 1).get("index") instanceof Number last
                    && last.longValue() < journal.liveFrom) {
                out.println("  journal  archived by compaction (saga/" + org.agenthypervisor.core.saga.JournalCompaction.ARCHIVE
                        + "/); no longer in the live journal");
            }
            out.println("  boundary " + saga.method() + " (agent " + saga.agent() + ")");
            out.println("  began    " + time(saga.began()) + (saga.ended() < 0 ? "" : ", ended " + time(saga.ended())));
            if (saga.error() != null) {
                out.println("  failed   " + saga.error());
            }
            out.println();
            out.println("steps (" + saga.steps().size() + ")");
            for (StepView step : saga.steps()) {
                String status = switch (step.status()) {
                    case DONE -> "done";
                    case FAILED -> "failed";
                    case STARTED -> saga.state().unfinished() ? "started, no outcome yet (in doubt after a crash)" : "started, no outcome";
                };
                String compensation = switch (step.compensation()) {
                    case NONE -> "";
                    case COMPENSATING -> ", compensating";
                    case COMPENSATED -> ", compensated (" + step.attempts() + " attempt(s))";
                    case ESCALATED -> ", ESCALATED";
                };
                out.println("  " + step.id() + "  " + step.method() + "  agent " + step.agent() + " (ring " + step.ring() + ")");
                out.println("      " + status + compensation);
                out.println("      arguments    " + json(step.args()) + (step.recoverable() ? "" : "  (not recoverable: "
                        + step.unrecoverable() + ")"));
                if (step.status() == SagaHistory.StepStatus.DONE) {
                    out.println("      result       " + json(step.result()));
                }
                if (step.error() != null) {
                    out.println("      error        " + step.error());
                }
                out.println("      compensation " + step.compensationName() + (step.passesResult() ? " (takes the result)" : "")
                        + (step.compensateInDoubt() ? ", safe when in doubt" : ""));
                if (step.lastError() != null) {
                    out.println("      " + (step.compensation() == SagaHistory.CompensationStatus.ESCALATED ? "escalated    "
                            : "last failure ") + step.lastError());
                }
            }
            out.println();
            out.println("journal records (" + saga.records().size() + ")");
            for (Map<String, Object> record : saga.records()) {
                StringBuilder line = new StringBuilder();
                line.append(String.format(Locale.ROOT, "  #%-6s %s  %-19s", record.get("index"),
                        record.get("time") instanceof Number ? time(((Number) record.get("time")).longValue()) : "?",
                        record.get("type")));
                for (Map.Entry<String, Object> e : record.entrySet()) {
                    String k = e.getKey();
                    if (!k.equals("index") && !k.equals("time") && !k.equals("type") && !k.equals("saga")) {
                        line.append(' ').append(k).append('=').append(value(e.getValue()));
                    }
                }
                out.println(line);
            }
            return HypervisorCommand.OK;
        }

        private static String json(byte[] json) {
            return json == null ? "(none)" : new String(json, StandardCharsets.UTF_8);
        }

        private static String value(Object v) {
            if (v instanceof String) {
                return (String) v;
            }
            return org.agenthypervisor.core.encoding.CanonicalJson.writeString(v);
        }
    }

    @Command(name = "recover", mixinStandardHelpOptions = true,
            description = {"Recover unfinished sagas now, in this command's JVM: done steps are compensated in reverse",
                    "order, steps in doubt compensated where their @Compensate says it is safe, else escalated.",
                    "The application's classes come from --classpath; instances from their no-argument constructors.",
                    "Compensations run unwoven here (no agent is attached), with the operator's authority; audit",
                    "records go to the data directory's audit log. Refused while a JVM holds the data directory.",
                    "Exit code 0: every saga recovered and compensated; 1: some escalated or could not be recovered;",
                    "2: usage error, the data directory is in use, or the journal is unreadable."})
    static final class Recover implements Callable<Integer> {
        @Option(names = {"-d", "--data-dir"}, paramLabel = "DIR", defaultValue = DEFAULT_DATA_DIR,
                description = "The data directory (default: ${DEFAULT-VALUE}).")
        Path dataDir;

        @Option(names = {"-cp", "--classpath"}, required = true, paramLabel = "CLASSPATH",
                description = "The application's class path (directories and jars, separated by the platform's separator).")
        String classPath;

        @Option(names = {"-p", "--policy"}, paramLabel = "FILE",
                description = "The application's policy (retries and backoff of compensations, agents' grants);"
                        + " default: the built-in default policy.")
        Path policyFile;

        @Parameters(paramLabel = "ID", arity = "0..*", description = "Only these sagas (default: every unfinished saga).")
        List<String> ids = new ArrayList<>();

        @Option(names = "--store", paramLabel = "POLICY",
                description = "The application's policy, whose store: postgres names the shared journal: recovers the"
                        + " unfinished sagas whose owner's lease expired (taking them over), with that policy; audit records"
                        + " go to --data-dir.")
        Path storePolicy;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (storePolicy != null) {
                TrustCommand.sharedStore(storePolicy); // a usage error unless it names a shared store
                policyFile = storePolicy;
                Files.createDirectories(dataDir);
            }
            if (!Files.isDirectory(dataDir)) {
                throw new HypervisorCommand.UsageError("data directory not found: " + dataDir);
            }
            Path lockFile = SagaJournal.directory(dataDir).resolve(SagaJournal.NAME + ".lock");
            if (storePolicy == null && Files.exists(lockFile) && Journal.lockedByAnother(lockFile, false)) {
                throw new HypervisorCommand.UsageError("the saga journal in " + SagaJournal.directory(dataDir)
                        + " is in use by a running JVM (it holds " + lockFile + "); that JVM recovers its own sagas:"
                        + " stop it first to recover offline");
            }
            URL[] urls = urls(classPath);
            Journal before = storePolicy != null ? Journal.readShared(storePolicy, false) : Journal.read(dataDir, null, false);
            List<String> wanted = ids.stream().map(SagaIds::normalize).toList();
            boolean anything = before != null && before.history.unfinished().stream()
                    .anyMatch(s -> (wanted.isEmpty() || wanted.contains(s.id())) && before.takeable(s.id()));
            if (!anything && before != null && before.owners != null) {
                for (SagaView s : before.history.unfinished()) {
                    if (wanted.isEmpty() || wanted.contains(s.id())) {
                        out.println(s.id() + "  not recovered: " + before.mark(s).trim() + "; the JVM that owns it recovers"
                                + " it, or it is taken over once that lease expires");
                    }
                }
            }
            if (!anything) {
                // Nothing to do: do not even open the data directory read-write.
                out.println(ids.isEmpty() ? "no unfinished saga in " + dataDir
                        : "none of " + ids + " is an unfinished saga in " + dataDir + " (saga list --state unfinished)");
                return ids.isEmpty() ? HypervisorCommand.OK : HypervisorCommand.FAILED;
            }
            URLClassLoader loader = new URLClassLoader(urls, SagaCommand.class.getClassLoader());
            Path workingDir = Path.of("").toAbsolutePath();
            RuntimeOptions options = new RuntimeOptions(policyFile == null ? null : policyFile.toAbsolutePath(),
                    policyFile == null ? "built-in default" : "saga recover --policy", dataDir.toAbsolutePath().toString(),
                    Policy.Mode.ENFORCE, false, workingDir);
            Policy policy;
            try {
                policy = PolicyLoader.load(options);
            } catch (PolicyException invalid) {
                err.println(invalid.getMessage());
                return HypervisorCommand.USAGE;
            }
            HypervisorRuntime runtime;
            try {
                runtime = HypervisorRuntime.start(options, policy, AuditLog::openFor);
            } catch (RuntimeException failure) {
                throw new HypervisorCommand.UsageError("cannot open " + dataDir + ": " + failure.getMessage());
            }
            Thread self = Thread.currentThread();
            ClassLoader previous = self.getContextClassLoader();
            List<SagaEngine.Recovered> results;
            try {
                try {
                    Backends.install(runtime.backend()); // so compensations can call Hypervisor.currentStep()
                } catch (IllegalStateException alreadyInstalled) {
                    // a second command in the same JVM (tests): the first backend stays
                }
                self.setContextClassLoader(loader);
                results = runtime.sagas().recover(loader, ids, "cli");
            } finally {
                self.setContextClassLoader(previous);
                runtime.shutdown();
                loader.close();
            }
            if (results.isEmpty()) {
                out.println(ids.isEmpty() ? "no unfinished saga in " + (storePolicy != null ? before.where : dataDir)
                        : "none of " + ids + " is an unfinished saga in " + dataDir + " (saga list --state unfinished)");
                return ids.isEmpty() ? HypervisorCommand.OK : HypervisorCommand.FAILED;
            }
            boolean allCompensated = true;
            for (SagaEngine.Recovered r : results) {
                out.println(r.sagaId() + "  " + r.outcome() + "  " + r.detail());
                allCompensated &= r.outcome().equals("compensated");
            }
            return allCompensated ? HypervisorCommand.OK : HypervisorCommand.FAILED;
        }

        private static URL[] urls(String classPath) {
            List<URL> urls = new ArrayList<>();
            for (String entry : classPath.split(File.pathSeparator)) {
                if (entry.isBlank()) {
                    continue;
                }
                Path path = Path.of(entry);
                if (!Files.exists(path)) {
                    throw new HypervisorCommand.UsageError("class path entry not found: " + entry);
                }
                try {
                    urls.add(path.toAbsolutePath().toUri().toURL());
                } catch (MalformedURLException e) {
                    throw new HypervisorCommand.UsageError("bad class path entry " + entry + ": " + e.getMessage());
                }
            }
            return urls.toArray(new URL[0]);
        }
    }

    @Command(name = "seal", mixinStandardHelpOptions = true,
            description = {"Accept a journal that fails authentication, after inspecting it (saga list, saga show):",
                    "every record is copied into a new journal sealed with this data directory's key, so the next start",
                    "recovers its unfinished sagas as the records say. The old journal is kept as saga.replaced-<millis>.",
                    "Needed once after an upgrade from a version without journal authentication if sagas are unfinished,",
                    "or after the hypervisor's key was replaced. Without --accept, only shows what would be accepted.",
                    "Refused while a JVM holds the journal.",
                    "Exit code 0: sealed, or nothing to accept; 1: records to accept and no --accept; 2: usage error,",
                    "journal in use or unreadable."})
    static final class Seal implements Callable<Integer> {
        @Option(names = {"-d", "--data-dir"}, paramLabel = "DIR", defaultValue = DEFAULT_DATA_DIR,
                description = "The data directory (default: ${DEFAULT-VALUE}).")
        Path dataDir;

        @Option(names = "--keys-dir", paramLabel = "DIR",
                description = "The key directory, if the policy sets liability.keysDir (default: DATA-DIR/keys).")
        Path keysDir;

        @Option(names = "--accept", description = "Re-seal the journal, accepting every record that fails authentication.")
        boolean accept;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Journal journal = Journal.read(dataDir, keysDir, false);
            if (journal == null) {
                out.println("no saga journal in " + dataDir);
                return HypervisorCommand.OK;
            }
            if (journal.locked) {
                throw new HypervisorCommand.UsageError("the saga journal in " + SagaJournal.directory(dataDir)
                        + " is in use by a running JVM: stop it first");
            }
            if (journal.reportAuthentication(out, dataDir)) {
                out.println("every record of the journal verifies; nothing to accept");
                return HypervisorCommand.OK;
            }
            if (!accept) {
                out.println("nothing changed: run again with --accept to accept these records as they are");
                return HypervisorCommand.FAILED;
            }
            try {
                JournalReseal.Result sealed = JournalReseal.reseal(dataDir, keys(dataDir, keysDir));
                out.println("sealed " + sealed.records() + " record(s), " + sealed.accepted() + " of them accepted; the"
                        + " old journal is in " + sealed.replaced() + " (unchanged). Unfinished sagas are recovered at the"
                        + " next start, or with saga recover.");
                return HypervisorCommand.OK;
            } catch (IOException | RuntimeException failed) {
                throw new HypervisorCommand.UsageError("cannot seal the journal: " + failed.getMessage());
            }
        }
    }

    static Path keys(Path dataDir, Path keysDir) {
        return keysDir != null ? keysDir : SagaJournal.defaultKeysDir(dataDir);
    }

    /** The journal read without modifying anything. */
    static final class Journal {
        final SagaHistory history;
        final OpenReport report;
        final boolean locked;
        /** The live journal's first record (after compaction), and whether the archive before it was read. */
        long liveFrom;
        boolean archived;

        /** The shared journal's owners by saga id (null for a file journal), and where it is. */
        Map<String, org.agenthypervisor.core.store.postgres.PostgresStore.SagaOwner> owners;
        String where;

        private Journal(SagaHistory history, OpenReport report, boolean locked) {
            this.history = history;
            this.report = report;
            this.locked = locked;
        }

        /**
         * The shared journal of the store a policy names (issue 13): read in one snapshot; records are
         * not sealed there (each JVM has its own key), so nothing is reported unauthenticated.
         */
        static Journal readShared(Path storePolicy, boolean keepRecords) {
            Policy.PostgresStoreSpec pg = TrustCommand.sharedStore(storePolicy);
            try (org.agenthypervisor.core.store.postgres.PostgresStore store =
                         org.agenthypervisor.core.store.postgres.PostgresStore.open(pg, System.getenv())) {
                List<byte[]> records = new ArrayList<>();
                var owners = store.readSagas(records);
                Journal journal = new Journal(SagaHistory.replayShared(records, true, keepRecords), null, false);
                journal.owners = owners;
                journal.where = store.describe();
                return journal;
            } catch (IOException unreadable) {
                throw new HypervisorCommand.UsageError("cannot read the shared saga journal: " + unreadable.getMessage());
            }
        }

        /** Whether {@code saga recover} may take the saga (a file journal's always; a shared one's once its lease expired). */
        boolean takeable(String sagaId) {
            var o = owners == null ? null : owners.get(sagaId);
            return owners == null || o == null || !o.leaseCurrent();
        }

        /** After the state in {@code saga list}/{@code show}: whether authentication failures touch the saga. */
        String mark(SagaView saga) {
            if (owners != null) {
                var o = owners.get(saga.id());
                if (o == null || !saga.state().unfinished()) {
                    return o == null || o.takenFrom() == null ? "" : "  (taken over from " + o.takenFrom() + ")";
                }
                return "  owner " + o.owner() + " epoch " + o.epoch() + (o.leaseCurrent() ? " (lease current)"
                        : " (lease EXPIRED: taken over by a live JVM)");
            }
            if (saga.quarantined()) {
                return "  UNAUTHENTICATED (records " + saga.unauthenticated() + ")";
            }
            if (history.tampered() && saga.state().unfinished()) {
                return "  HELD (the journal fails authentication)";
            }
            return "";
        }

        /** Prints the records that fail authentication and what to do; true if there are none. */
        boolean reportAuthentication(PrintWriter out, Path dataDir) {
            List<SagaHistory.Unauthenticated> bad = history.unauthenticated();
            if (bad.isEmpty()) {
                return true;
            }
            out.println((history.tampered() ? "WARNING: " + bad.size() + " journal record(s) FAIL AUTHENTICATION (someone"
                    + " may have written the journal); no unfinished saga is recovered automatically:"
                    : "note: " + bad.size() + " journal record(s) are of format 1 (written before journal authentication);"
                    + " their unfinished sagas are not recovered automatically:"));
            for (SagaHistory.Unauthenticated u : bad) {
                out.println("  " + u);
            }
            out.println("inspect them (saga show ID), then accept the journal as it is with `saga seal --accept --data-dir "
                    + dataDir + "`, or move " + SagaJournal.directory(dataDir) + " aside");
            out.println();
            return false;
        }

        /** Null if the data directory holds no journal; a usage error if the directory is missing or unreadable. */
        static Journal read(Path dataDir, Path keysDir, boolean keepRecords) {
            if (!Files.isDirectory(dataDir)) {
                throw new HypervisorCommand.UsageError("data directory not found: " + dataDir);
            }
            Path dir = SagaJournal.directory(dataDir);
            if (!Files.isDirectory(dir)) {
                return null;
            }
            Path lockFile = dir.resolve(SagaJournal.NAME + ".lock");
            boolean locked = Files.exists(lockFile) && lockedByAnother(lockFile, true);
            try (RecordLog log = SagaJournal.openReadOnly(dataDir);
                 RecordLog archive = openArchive(dir, log)) {
                // Never creates a key; without one nothing verifies, and that is what the listing then says.
                JournalSeal seal = JournalSeal.load(keys(dataDir, keysDir)).orElse(null);
                // Compacted: the archive (if kept) and the live part read as one chain.
                Journal journal = new Journal(SagaHistory.replayWithArchive(archive, log, seal, true, keepRecords),
                        log.openReport(), locked);
                journal.liveFrom = log.firstIndex();
                journal.archived = archive != null && archive.size() == log.firstIndex();
                return journal;
            } catch (CorruptLogException corrupt) {
                throw new HypervisorCommand.UsageError("the saga journal is corrupt: " + corrupt.getMessage());
            } catch (IOException unreadable) {
                throw new HypervisorCommand.UsageError("cannot read the saga journal in " + dir + ": " + unreadable.getMessage());
            }
        }

        /** After compaction: where the records before the live part are. */
        void reportCompaction(PrintWriter out) {
            if (liveFrom == 0) {
                return;
            }
            out.println(archived ? "note: records 0-" + (liveFrom - 1) + " of the journal were archived by compaction"
                    + " (saga.retention); read from saga/" + org.agenthypervisor.core.saga.JournalCompaction.ARCHIVE + "/"
                    : "note: records 0-" + (liveFrom - 1) + " of the journal were taken out by compaction and are not"
                    + " in saga/" + org.agenthypervisor.core.saga.JournalCompaction.ARCHIVE + "/ (saga.archive: delete):"
                    + " sagas that finished before them are not shown");
        }

        /** The archive compaction kept, or null (none, or unreadable: then only the live part is shown, with a note). */
        private static RecordLog openArchive(Path dir, RecordLog live) {
            Path archiveDir = org.agenthypervisor.core.saga.JournalCompaction.archiveDir(dir);
            if (live.firstIndex() == 0 || !Files.isDirectory(archiveDir)) {
                return null;
            }
            try {
                return RecordLog.open(archiveDir, SagaJournal.NAME, RecordLog.Options.defaults().withReadOnly(true));
            } catch (IOException unreadable) {
                System.err.println("note: the journal's archive " + archiveDir + " cannot be read (" + unreadable.getMessage()
                        + "); showing the live journal only");
                return null;
            }
        }

        void reportTail(PrintWriter out) {
            if (report != null && report.tornTail()) {
                out.println("note: " + report.message() + " (a write interrupted by a crash; the next start of the"
                        + " application cuts it; nothing was changed now)");
            }
        }

        /**
         * Whether another process (or this JVM) holds the journal's lock. Probing takes a shared lock on
         * a read-only descriptor (nothing is written) for the read-only commands, an exclusive one for
         * recover; either is released at once.
         */
        static boolean lockedByAnother(Path lockFile, boolean shared) {
            try (FileChannel ch = FileChannel.open(lockFile, shared ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
                FileLock lock = ch.tryLock(0, Long.MAX_VALUE, shared);
                if (lock == null) {
                    return true;
                }
                lock.release();
                return false;
            } catch (OverlappingFileLockException inThisJvm) {
                return true;
            } catch (IOException unknown) {
                return false;
            }
        }
    }

    static String time(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).toString();
    }
}
