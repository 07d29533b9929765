package org.agenthypervisor.agent.cli;

import org.agenthypervisor.core.audit.AuditLog;
import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.liability.Slashing;
import org.agenthypervisor.core.liability.TrustLedger;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.PolicyException;
import org.agenthypervisor.core.policy.PolicyParser;
import org.agenthypervisor.core.store.Durability;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code trust list} and {@code trust set}: the persistent trust ledger of a data directory. */
@Command(name = "trust", mixinStandardHelpOptions = true,
        description = "Show and change the agents' trust scores kept in a data directory's trust ledger.",
        subcommands = {TrustCommand.ListScores.class, TrustCommand.Set.class})
final class TrustCommand extends CommandGroup {
    /**
     * Records what an offline command changed in the data directory's audit log (no JVM runs on it);
     * a failure is a warning on {@code err}: the change itself is already made.
     *
     * @param done what was changed, for the warning ("the trust ledger has the change")
     */
    static void recordOffline(Path dataDir, String type, Map<String, Object> fields, PrintWriter err, String done) {
        try (AuditLog audit = AuditLog.open(dataDir, PolicyParser.defaults().audit())) {
            audit.record(type, fields);
            audit.flush();
        } catch (IOException | RuntimeException failure) {
            err.println("warning: " + done + ", but the audit log in " + dataDir.resolve("audit")
                    + " could not record it: " + failure.getMessage());
        }
    }

    static Path existingDataDir(Path dataDir) {
        if (!Files.isDirectory(dataDir)) {
            throw new HypervisorCommand.UsageError("no data directory at " + dataDir.toAbsolutePath()
                    + " (give the application's data directory with --data-dir; the policy's dataDir, default "
                    + DEFAULT_DATA_DIR + " in the working directory)");
        }
        return dataDir;
    }

    /** The shared store a policy names; a usage error if it names none or cannot be read. */
    static Policy.PostgresStoreSpec sharedStore(Path policyFile) {
        Policy policy;
        try {
            policy = PolicyParser.parse(policyFile);
        } catch (PolicyException | IOException bad) {
            throw new HypervisorCommand.UsageError("cannot read the policy " + policyFile + ": " + bad.getMessage());
        }
        Policy.PostgresStoreSpec pg = policy.store().postgres();
        if (pg == null) {
            throw new HypervisorCommand.UsageError("the policy " + policyFile + " names no shared store (store: files);"
                    + " without --store, the command uses the trust ledger of --data-dir");
        }
        return pg;
    }

    static String format(double score) {
        String s = String.format(Locale.ROOT, "%.4f", score);
        while (s.endsWith("0") && s.length() - s.indexOf('.') > 3) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List every agent's trust score and its latest change, from the trust ledger.",
                    "Works while the application runs (the ledger is read without locking).",
                    "Agents the ledger never mentions have their initial trust from the policy: give --policy to list them too.",
                    "With --history, list every change instead, oldest first: archived records (trust/archive) and the live ledger.",
                    "With --store POLICY naming a shared store (store: postgres), read the shared ledger instead.",
                    "With --pid, also show the agents that running JVM has quarantined, killed or elevated.",
                    "Exit code 0: listed; 2: no data directory, or a damaged ledger or policy, or the store cannot be used."})
    static final class ListScores implements Callable<Integer> {
        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = DEFAULT_DATA_DIR,
                description = "The data directory (default: ${DEFAULT-VALUE}).")
        Path dataDir;

        @Option(names = {"-p", "--policy"}, paramLabel = "FILE",
                description = "Also list the agents the policy names, with their initial trust if unchanged.")
        Path policyFile;

        @Option(names = "--history",
                description = "List every change (time, kind, agent, before -> after, cause, ledger record), oldest first,"
                        + " including records retention moved to the archive.")
        boolean history;

        @Option(names = "--agent", paramLabel = "AGENT", description = "With --history: only the changes of this agent.")
        String agent;

        @Option(names = "--store", paramLabel = "POLICY",
                description = "A policy whose store: postgres names the shared store to read (its password from the"
                        + " environment variable the policy names).")
        Path storePolicy;
        @Option(names = "--pid", paramLabel = "PID",
                description = "Also show which agents the running JVM with this process id has quarantined, killed or"
                        + " elevated.")
        String pid;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            if (agent != null && !history) {
                throw new HypervisorCommand.UsageError("--agent goes with --history (trust list already shows every agent)");
            }
            if (history && policyFile != null) {
                throw new HypervisorCommand.UsageError("--policy does not go with --history (the history is the ledger's)");
            }
            if (storePolicy != null && history) {
                throw new HypervisorCommand.UsageError("--history reads the files of a data directory; it does not go"
                        + " with --store yet");
            }
            Map<String, TrustLedger.Entry> ledger;
            String where;
            if (storePolicy != null) {
                Policy.PostgresStoreSpec pg = sharedStore(storePolicy);
                try (org.agenthypervisor.core.store.postgres.PostgresStore store =
                             org.agenthypervisor.core.store.postgres.PostgresStore.open(pg, System.getenv())) {
                    ledger = TrustLedger.openShared(store.log(TrustLedger.NAME)).entries();
                    where = store.describe();
                } catch (IOException | RuntimeException failure) {
                    throw new HypervisorCommand.UsageError("cannot read the shared trust ledger: " + failure.getMessage());
                }
            } else {
                existingDataDir(dataDir);
                if (history) {
                    return history(out);
                }
                try {
                    ledger = TrustLedger.read(dataDir);
                } catch (IOException | RuntimeException damaged) {
                    throw new HypervisorCommand.UsageError("cannot read the trust ledger in "
                            + TrustLedger.directory(dataDir) + ": " + damaged.getMessage());
                }
                where = TrustLedger.directory(dataDir).toString();
            }
            Map<String, Double> initial = new TreeMap<>();
            if (policyFile != null) {
                try {
                    Policy policy = PolicyParser.parse(policyFile);
                    for (Policy.AgentSpec a : policy.agents().values()) {
                        initial.put(a.id(), a.trust());
                    }
                } catch (PolicyException | IOException bad) {
                    throw new HypervisorCommand.UsageError("cannot read the policy " + policyFile + ": " + bad.getMessage());
                }
            }
            Map<String, Object> rows = new TreeMap<>();
            rows.putAll(initial);
            rows.putAll(ledger);
            Map<String, String> quarantined = new TreeMap<>();
            Map<String, String> elevated = new TreeMap<>();
            if (pid != null) {
                Map<String, Object> live = RunningJvm.attributes(pid, "Quarantines", "Elevations");
                quarantined.putAll(RunningJvm.stringMap(live.get("Quarantines")));
                elevated.putAll(RunningJvm.stringMap(live.get("Elevations")));
                for (String id : quarantined.keySet()) {
                    rows.putIfAbsent(id, 1.0);
                }
                for (String id : elevated.keySet()) {
                    rows.putIfAbsent(id, 1.0);
                }
            }
            if (rows.isEmpty()) {
                out.println("no trust changes recorded in " + where
                        + ": every agent has its initial trust from the policy (default 1.0)");
                return HypervisorCommand.OK;
            }
            out.printf(Locale.ROOT, "%-24s %-8s %s%n", "AGENT", "TRUST", "LATEST CHANGE");
            for (Map.Entry<String, Object> row : rows.entrySet()) {
                if (row.getValue() instanceof TrustLedger.Entry e) {
                    out.printf(Locale.ROOT, "%-24s %-8s %s %s (ledger record %d): %s%n", e.agent(), format(e.trust()),
                            e.kind(), e.time(), e.index(), e.cause());
                } else {
                    out.printf(Locale.ROOT, "%-24s %-8s %s%n", row.getKey(), format((Double) row.getValue()),
                            "none (initial trust from the policy)");
                }
                for (String state : new String[] {quarantined.get(row.getKey()), elevated.get(row.getKey())}) {
                    if (state != null) {
                        out.printf(Locale.ROOT, "%-24s %-8s %s%n", "", "", state.toUpperCase(Locale.ROOT).charAt(0)
                                + state.substring(1));
                    }
                }
            }
            return HypervisorCommand.OK;
        }

        private int history(PrintWriter out) {
            long[] shown = {0};
            TrustLedger.HistoryReport report;
            try {
                report = TrustLedger.history(dataDir, e -> {
                    for (TrustLedger.Change c : e.changes()) {
                        if (agent != null && !agent.equals(c.agent())) {
                            continue;
                        }
                        if (shown[0]++ == 0) {
                            out.printf(Locale.ROOT, "%-8s %-24s %-8s %-24s %-17s %s%n", "RECORD", "TIME", "KIND", "AGENT",
                                    "BEFORE -> AFTER", "CAUSE");
                        }
                        String change = (Double.isNaN(c.before()) ? "?" : format(c.before())) + " -> " + format(c.after());
                        out.printf(Locale.ROOT, "%-8d %-24s %-8s %-24s %-17s %s%n", e.index(), e.time(), e.kind(),
                                c.agent(), change, e.cause());
                    }
                });
            } catch (IOException | RuntimeException damaged) {
                out.flush();
                throw new HypervisorCommand.UsageError("cannot read the trust ledger's history in "
                        + TrustLedger.directory(dataDir) + ": " + damaged.getMessage());
            }
            for (String note : report.notes()) {
                out.println("note: " + note);
            }
            if (shown[0] == 0) {
                out.println("no trust changes" + (agent == null ? "" : " of '" + agent + "'") + " recorded in "
                        + TrustLedger.directory(dataDir));
            } else {
                out.println(shown[0] + " change(s) in ledger records " + report.firstKept() + ".." + (report.size() - 1)
                        + (report.archived() > 0 ? " (" + report.archived() + " record(s) from "
                        + TrustLedger.directory(dataDir).resolve(TrustLedger.ARCHIVE) + ")" : ""));
            }
            return HypervisorCommand.OK;
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = {"Set an agent's trust score in the trust ledger of a data directory whose JVM is not running",
                    "(for a running JVM, use the JMX operation setTrust(agent, value, reason) on",
                    "org.agenthypervisor:type=Hypervisor). The change is durable, takes effect when the",
                    "application next starts, and is audited as trust.set.",
                    "With --store POLICY naming a shared store (store: postgres), the change goes to the database",
                    "instead, and every running JVM on it applies it at once.",
                    "Exit code 0: set; 2: usage error, no data directory, the JVM is running, or the store cannot be used."})
    static final class Set implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "AGENT", description = "The agent id.")
        String agent;

        @Parameters(index = "1", paramLabel = "VALUE", description = "The new score, from 0 to 1.")
        double value;

        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why (recorded in the ledger and the audit log).")
        String reason;

        @Option(names = "--store", paramLabel = "POLICY",
                description = "A policy whose store: postgres names the shared store to write to (its password from the"
                        + " environment variable the policy names).")
        Path storePolicy;

        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = DEFAULT_DATA_DIR,
                description = "The data directory (default: ${DEFAULT-VALUE}).")
        Path dataDir;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            if (!KeyDirectory.isValidId(agent) || agent.equals("host") || KeyDirectory.isReservedId(agent)) {
                throw new HypervisorCommand.UsageError("'" + agent + "' is not an agent id: ids match"
                        + " [a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])? (the host has no trust score; '" + KeyDirectory.HYPERVISOR
                        + "' is the hypervisor's own key id, never an agent)");
            }
            if (!(value >= 0.0 && value <= 1.0)) {
                throw new HypervisorCommand.UsageError("VALUE must be from 0 to 1, was " + value);
            }
            if (reason.isBlank()) {
                throw new HypervisorCommand.UsageError("--reason must not be empty: it goes into the ledger and the audit log");
            }
            if (storePolicy != null) {
                return setInSharedStore(out);
            }
            existingDataDir(dataDir);
            String running = "a JVM is using " + dataDir.toAbsolutePath() + " (its trust ledger is locked); change the trust"
                    + " of the running application with the JMX operation setTrust(\"" + agent + "\", " + value
                    + ", reason) on org.agenthypervisor:type=Hypervisor (e.g. with jconsole), or stop it first";
            double after = Slashing.round(value);
            double before;
            try {
                if (TrustLedger.inUse(dataDir)) {
                    throw new HypervisorCommand.UsageError(running);
                }
                try (TrustLedger ledger = TrustLedger.open(dataDir, Durability.FSYNC)) {
                    before = ledger.trust(agent).orElse(Double.NaN);
                    ledger.append("set", reason, List.of(new TrustLedger.Change(agent, before, after, 0)),
                            System.currentTimeMillis());
                }
            } catch (IOException failure) {
                if (isLocked(failure)) {
                    throw new HypervisorCommand.UsageError(running);
                }
                throw new HypervisorCommand.UsageError("cannot write the trust ledger in " + TrustLedger.directory(dataDir)
                        + ": " + failure.getMessage());
            }
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("agent", agent);
            fields.put("before", Double.isNaN(before) ? null : (Object) before);
            fields.put("after", after);
            fields.put("reason", reason);
            fields.put("by", "cli");
            recordOffline(dataDir, "trust.set", fields, spec.commandLine().getErr(), "the trust ledger has the change");
            out.println("trust of '" + agent + "' set to " + format(after)
                    + (Double.isNaN(before) ? " (it had its initial trust from the policy)" : " (was " + format(before) + ")")
                    + " in " + TrustLedger.directory(dataDir) + "; it takes effect when the application next starts");
            return HypervisorCommand.OK;
        }

        /** The same path as a running JVM's setTrust: durable in the database, then applied by every JVM on it. */
        private Integer setInSharedStore(PrintWriter out) {
            Policy.PostgresStoreSpec pg = sharedStore(storePolicy);
            double after = Slashing.round(value);
            try (org.agenthypervisor.core.store.postgres.PostgresStore store =
                         org.agenthypervisor.core.store.postgres.PostgresStore.open(pg, System.getenv())) {
                TrustLedger ledger = TrustLedger.openShared(store.log(TrustLedger.NAME));
                double before = ledger.trust(agent).orElse(Double.NaN);
                long index = ledger.append("set", reason + " (by cli)", List.of(new TrustLedger.Change(agent, before, after, 0)),
                        System.currentTimeMillis());
                out.println("trust of '" + agent + "' set to " + format(after)
                        + (Double.isNaN(before) ? " (it had its initial trust from the policy)" : " (was " + format(before) + ")")
                        + " in " + store.describe() + " (ledger record " + index + "); every JVM on the store applies it"
                        + " at once");
                return HypervisorCommand.OK;
            } catch (IOException | RuntimeException failure) {
                throw new HypervisorCommand.UsageError("cannot write the shared trust ledger: " + failure.getMessage());
            }
        }

        private static boolean isLocked(IOException failure) {
            String m = String.valueOf(failure.getMessage());
            return m.contains("already open read-write");
        }
    }
}
