package org.agenthypervisor.agent.cli;

import org.agenthypervisor.core.audit.AuditLog;
import org.agenthypervisor.core.audit.AuditProofs;
import org.agenthypervisor.core.audit.AuditVerifier;
import org.agenthypervisor.core.audit.TreeHead;
import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.crypto.KeyDirectoryException;
import org.agenthypervisor.core.crypto.PublicKey;
import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.store.postgres.PostgresStore;
import org.agenthypervisor.core.report.AuditReport;
import org.agenthypervisor.core.report.ReportScope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code audit verify|proof|verify-proof}: check the forensic audit log (SPEC §6). */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = {"Verify the audit log and produce or check Merkle proofs of it.",
                "Exit code 0: verified; 1: verification failed; 2: usage or configuration error."},
        subcommands = {AuditCommand.Verify.class, AuditCommand.Proof.class, AuditCommand.VerifyProof.class,
                AuditCommand.Report.class})
final class AuditCommand extends CommandGroup {
    /** Options every subcommand that reads a data directory shares. */
    static class DataDirOptions {
        @Option(names = {"-d", "--data-dir"}, paramLabel = "DIR", defaultValue = DEFAULT_DATA_DIR,
                description = "The data directory (default: ${DEFAULT-VALUE} in the working directory); the log is its audit/.")
        Path dataDir;

        @Option(names = "--keys-dir", paramLabel = "DIR",
                description = "Where the hypervisor's key (" + AuditLog.KEY_ID + ".pub) is, when not <data-dir>/keys"
                        + " (policy liability.keysDir).")
        Path keysDir;

        Path auditDir() {
            Path dir = dataDir.resolve("audit");
            if (!Files.isDirectory(dir)) {
                throw new HypervisorCommand.UsageError("no audit log in " + dir + " (give the data directory with --data-dir)");
            }
            return dir;
        }

        /** The hypervisor's public key from the key directory, or null if there is none. */
        PublicKey keyFromDirectory() {
            Path dir = keysDir != null ? keysDir : dataDir.resolve("keys");
            if (!Files.exists(dir.resolve(AuditLog.KEY_ID + ".pub")) && !Files.exists(dir.resolve(AuditLog.KEY_ID + ".key"))) {
                return null;
            }
            try {
                return KeyDirectory.openReadOnly(dir).publicKey(AuditLog.KEY_ID).orElse(null);
            } catch (KeyDirectoryException bad) {
                throw new HypervisorCommand.UsageError(bad.getMessage());
            }
        }
    }

    /** {@code --store POLICY}: read the shared audit log of the store the policy names, in one read-only snapshot. */
    static class StoreOption {
        @Option(names = "--store", paramLabel = "POLICY",
                description = "A policy whose store: postgres names the shared store: read its audit log (every JVM's"
                        + " records, heads signed by any key in its key directory) instead of --data-dir's."
                        + " Read-only: no migration, nothing written.")
        Path storePolicy;

        /** Opens the store's audit log for reading; a usage error when it cannot be used. */
        org.agenthypervisor.core.audit.AuditRows open(java.util.List<AutoCloseable> toClose) {
            Policy.PostgresStoreSpec pg = TrustCommand.sharedStore(storePolicy);
            try {
                PostgresStore store = PostgresStore.openForReading(pg, System.getenv());
                toClose.add(store);
                org.agenthypervisor.core.audit.AuditRows rows = store.auditRows();
                toClose.add(0, rows);
                return rows;
            } catch (IOException failed) {
                throw new HypervisorCommand.UsageError(failed.getMessage());
            }
        }
    }

    static void closeAll(List<AutoCloseable> all) {
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception ignored) {
                // read-only: nothing to lose
            }
        }
    }

    static PublicKey readKey(Path file) {
        try {
            return PublicKey.fromPem(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IOException unreadable) {
            throw new HypervisorCommand.UsageError("cannot read the public key file " + file + ": " + unreadable);
        } catch (IllegalArgumentException bad) {
            throw new HypervisorCommand.UsageError("the public key file " + file + " is not an Ed25519 PEM public key: "
                    + bad.getMessage());
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Recompute every record's hash and the Merkle tree, and check every signed tree head's signature",
                    "and root; report the first bad record. Strictly read-only: nothing in the data directory is written,",
                    "locked or cut (a torn tail is reported as a failure).",
                    "Fails closed on records no signed tree head covers: a log with records and no head, or more",
                    "uncovered records than --allow-uncovered (default " + AuditVerifier.Coverage.DEFAULT_UNCOVERED + "), does not verify.",
                    "Exit code 0: everything verified; 1: the log or a tree head is bad, or too much of it is unsigned;",
                    "2: usage or configuration error."})
    static final class Verify implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        DataDirOptions data = new DataDirOptions();

        @Option(names = "--public-key", paramLabel = "FILE",
                description = "Pin the hypervisor's public key (PEM, e.g. a copy of keys/" + AuditLog.KEY_ID + ".pub kept"
                        + " elsewhere): heads signed by any other key fail. Default: the key in the key directory.")
        Path publicKey;

        @Option(names = "--strict", description = "Fail if any record is not covered by a signed tree head"
                + " (--allow-uncovered 0): what a cleanly stopped JVM leaves.")
        boolean strict;

        @Option(names = "--allow-uncovered", paramLabel = "N",
                description = "Accept up to N records after the last signed tree head (default: "
                        + AuditVerifier.Coverage.DEFAULT_UNCOVERED + ": audit.treeHeadEvery's default 1000 plus one write"
                        + " batch; raise it for a policy with a larger treeHeadEvery). More fail: nothing shows whether"
                        + " they were rewritten.")
        Long allowUncovered;

        @Option(names = "--archive", paramLabel = "DIR",
                description = "Also read the records that audit.retention archived (default archive: <data-dir>/audit/archive)"
                        + " and prove the whole log from record 0. Without it, a log whose older segments were archived is"
                        + " proven from the signed checkpoint at its first live record, and the output says which records"
                        + " were not checked.")
        Path archive;

        @Option(names = "--allow-unsigned", description = "Accept a log with records and no signed tree head at all"
                + " (a JVM that crashed or is still running before its first head); it then proves only that the"
                + " records are internally consistent, not that they are the ones written.")
        boolean allowUnsigned;

        @picocli.CommandLine.Mixin
        StoreOption store = new StoreOption();

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            if (strict && allowUncovered != null) {
                throw new HypervisorCommand.UsageError("--strict means --allow-uncovered 0: give one of them");
            }
            AuditVerifier.Coverage coverage;
            try {
                coverage = new AuditVerifier.Coverage(allowUnsigned, strict ? 0
                        : allowUncovered != null ? allowUncovered : AuditVerifier.Coverage.DEFAULT_UNCOVERED);
            } catch (IllegalArgumentException bad) {
                throw new HypervisorCommand.UsageError(bad.getMessage());
            }
            AuditVerifier.Report r;
            String auditDir;
            if (store.storePolicy != null) {
                if (publicKey != null || archive != null || data.keysDir != null) {
                    throw new HypervisorCommand.UsageError("--store reads the shared store's key directory and has no"
                            + " archive: --public-key, --keys-dir and --archive go with --data-dir");
                }
                List<AutoCloseable> open = new ArrayList<>();
                try {
                    org.agenthypervisor.core.audit.AuditRows rows = store.open(open);
                    auditDir = rows.describe();
                    r = AuditVerifier.verify(rows);
                } finally {
                    closeAll(open);
                }
            } else {
                Path dir = data.auditDir();
                auditDir = dir.toString();
                PublicKey key = publicKey != null ? readKey(publicKey) : data.keyFromDirectory();
                try {
                    r = AuditVerifier.verify(dir, key, archive);
                } catch (NoSuchFileException missing) {
                    throw new HypervisorCommand.UsageError(archive != null && missing.getFile().equals(archive.toString())
                            ? "no archive directory " + archive : "no audit log in " + dir + ": " + missing.getMessage());
                }
            }
            if (!r.ok()) {
                out.println("audit log " + auditDir + ": FAILED");
                if (r.failure().record() >= 0) {
                    out.println("  first bad record: " + r.failure().record());
                }
                out.println("  " + r.failure().message());
                out.println("  verified before that: " + r.recordsChecked() + " record(s), " + r.heads() + " signed tree head(s)");
                printOwed(out, r);
                return HypervisorCommand.FAILED;
            }
            if (r.owed() != null) {
                // The log verifies, but records are missing from it that it does not state yet.
                out.println("audit log " + auditDir + ": FAILED");
                printOwed(out, r);
                out.println("  verified: " + r.records() + " record(s), " + r.heads() + " signed tree head(s)");
                return HypervisorCommand.FAILED;
            }
            String refusal = coverage.refusal(r);
            if (refusal != null) {
                // Fail closed: records no head covers prove nothing, and deleting heads makes records uncovered.
                out.println("audit log " + auditDir + ": FAILED (not covered by signed tree heads)");
                out.println("  " + refusal);
                out.println("  verified: " + r.records() + " record(s) (frames, seq fields and leaf hashes consistent), "
                        + r.heads() + " signed tree head(s)");
                out.println("  " + (r.lastHead() == null
                        ? "if this is the log of a JVM that crashed or is still running before its first tree head, accept"
                        + " it explicitly with --allow-unsigned" + (r.uncovered() > coverage.allowUncovered()
                        ? " --allow-uncovered " + r.uncovered() : "")
                        : "if a JVM crashed or is still running with a larger audit.treeHeadEvery, accept them explicitly"
                        + " with --allow-uncovered " + r.uncovered()));
                return HypervisorCommand.FAILED;
            }
            out.println("audit log " + auditDir + ": OK");
            if (r.cut() == 0) {
                out.println("  records:           " + r.records() + (store.storePolicy != null
                        ? " (rows without a gap, seq fields and leaf hashes checked, tree recomputed)"
                        : " (frames, seq fields and leaf hashes checked, tree recomputed)"));
            } else if (r.archiveRead()) {
                out.println("  records:           " + r.records() + " (records 0.." + (r.cut() - 1) + " read from the archive "
                        + archive + ", the rest live; frames, seq fields and leaf hashes checked, tree recomputed from record 0)");
            } else {
                out.println("  records:           " + r.recordsChecked() + " live, records " + r.cut() + ".." + (r.records() - 1)
                        + " (frames, seq fields and leaf hashes checked, tree extended from the signed checkpoint of size "
                        + r.cut() + ")");
                out.println("  archived:          records 0.." + (r.cut() - 1) + " are archived and were NOT checked (give"
                        + " --archive DIR to prove them too); " + r.headsBelowCut() + " tree head(s) below the cut: signatures"
                        + " checked, roots not");
            }
            if (r.heads() == 0) {
                out.println("  signed tree heads: none" + (r.records() > 0
                        ? " (accepted with --allow-unsigned: nothing here is signed)" : ""));
            } else {
                out.println("  signed tree heads: " + r.heads() + ", every signature valid (key " + r.keyId()
                        + (publicKey != null ? ", pinned" : store.storePolicy != null ? ", registered in the shared store"
                        : ", from the key directory") + ") and every root "
                        + (r.cut() > 0 && !r.archiveRead() ? "from the cut on " : "") + "matches");
                TreeHead last = r.lastHead();
                out.println("  last signed size:  " + last.size() + " (root " + last.rootHex() + ", signed " + last.time()
                        + ", reason " + last.reason() + ")");
            }
            out.println("  not yet covered:   " + r.uncovered() + " record(s) after the last signed tree head");
            out.println("  sessions:          " + r.sessions() + " closed session(s), delta roots recomputed and matched"
                    + (r.sessionsAcrossCut() > 0 ? "; " + r.sessionsAcrossCut() + " session(s) across the cut not recomputed" : ""));
            if (r.lossRecords() > 0) {
                out.println("  lost records:      " + r.lostRecorded() + " record(s) lost while the log could not write, stated by "
                        + r.lossRecords() + " audit.records-lost record(s)");
            }
            if (r.uncovered() > 0) {
                out.println("  note: records not covered by a signed tree head are protected only by their CRC and seq"
                        + " (accepted: at most " + coverage.allowUncovered() + "); a head is signed every"
                        + " audit.treeHeadEvery records, every audit.treeHeadInterval and at shutdown");
            }
            return HypervisorCommand.OK;
        }
    }

    /** A loss counted while the log could not write (its {@code lost} file) that the log does not state yet. */
    static void printOwed(PrintWriter out, AuditVerifier.Report r) {
        if (r.owed() != null) {
            out.println("  " + r.owed().lost() + " record(s) were lost from " + r.owed().since() + " to " + r.owed().until()
                    + " (" + r.owed().cause() + ") while the log could not write, and are not recorded in it yet"
                    + " (the next start of the hypervisor on this directory records them as audit.records-lost)");
        }
    }

    @Command(name = "proof", mixinStandardHelpOptions = true,
            description = {"Print a Merkle proof (JSON) together with the signed tree head it refers to:",
                    "  --index N [--size S]  inclusion of record N in the tree of signed size S (default: the last head);",
                    "  --from M [--to N]     consistency of the tree of M records with the signed tree of size N.",
                    "Check it anywhere with 'audit verify-proof'. Read-only.",
                    "Exit code 0: printed; 1: the log does not match its signed head; 2: usage error."})
    static final class Proof implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        DataDirOptions data = new DataDirOptions();

        @Option(names = "--index", paramLabel = "N", description = "Inclusion proof of record N.")
        Long index;

        @Option(names = "--size", paramLabel = "S", description = "Size of the signed tree head to prove against.")
        Long size;

        @Option(names = "--from", paramLabel = "M", description = "Consistency proof from the tree of M records.")
        Long from;

        @Option(names = "--to", paramLabel = "N", description = "Size of the signed tree head to prove consistency with.")
        Long to;

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the proof to FILE instead of standard output.")
        Path output;

        @Option(names = "--archive", paramLabel = "DIR", description = "Where audit.retention archived older records:"
                + " needed for a record, or a --from size, below the live log's first record.")
        Path archive;

        @picocli.CommandLine.Mixin
        StoreOption store = new StoreOption();

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            if ((index == null) == (from == null)) {
                throw new HypervisorCommand.UsageError("give exactly one of --index N (inclusion) or --from M (consistency)");
            }
            if (index != null && to != null || from != null && size != null) {
                throw new HypervisorCommand.UsageError("--size goes with --index, --to with --from");
            }
            Map<String, Object> proof;
            List<AutoCloseable> open = new ArrayList<>();
            try {
                if (store.storePolicy != null) {
                    org.agenthypervisor.core.audit.AuditRows rows = store.open(open);
                    proof = index != null ? AuditProofs.inclusion(rows, index, size) : AuditProofs.consistency(rows, from, to);
                } else {
                    Path auditDir = data.auditDir();
                    PublicKey key = data.keyFromDirectory();
                    proof = index != null ? AuditProofs.inclusion(auditDir, index, size, key, archive)
                            : AuditProofs.consistency(auditDir, from, to, key, archive);
                }
            } catch (AuditProofs.ProofException e) {
                if (e.usage()) {
                    throw new HypervisorCommand.UsageError(e.getMessage());
                }
                spec.commandLine().getErr().println("error: " + e.getMessage());
                return HypervisorCommand.FAILED;
            } finally {
                closeAll(open);
            }
            String json = CanonicalJson.writeString(proof);
            if (output != null) {
                Files.writeString(output, json + "\n");
            } else {
                spec.commandLine().getOut().println(json);
            }
            return HypervisorCommand.OK;
        }
    }

    @Command(name = "verify-proof", mixinStandardHelpOptions = true,
            description = {"Check a proof printed by 'audit proof' from the proof file alone (no access to the log):",
                    "the tree head's signature, then the inclusion or consistency proof against the signed root.",
                    "Exit code 0: the proof holds; 1: it does not; 2: usage error."})
    static final class VerifyProof implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "The proof file ('-' for standard input).")
        String file;

        @Option(names = "--public-key", paramLabel = "FILE",
                description = "The hypervisor's public key (PEM) to check the signature with. Without it, the key carried"
                        + " in the proof file is used, and the output says so.")
        Path publicKey;

        @picocli.CommandLine.Mixin
        StoreOption store = new StoreOption();

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            if (publicKey != null && store.storePolicy != null) {
                throw new HypervisorCommand.UsageError("give one of --public-key (a pinned key) or --store (the keys"
                        + " registered in the shared store)");
            }
            Map<String, PublicKey> registered = null;
            if (store.storePolicy != null) {
                List<AutoCloseable> open = new ArrayList<>();
                try {
                    registered = store.open(open).keys();
                } finally {
                    closeAll(open);
                }
            }
            byte[] json;
            try {
                json = file.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(file));
            } catch (NoSuchFileException missing) {
                throw new HypervisorCommand.UsageError("proof file not found: " + file);
            }
            String text = new String(json, StandardCharsets.UTF_8).strip();
            PublicKey key = publicKey == null ? null : readKey(publicKey);
            List<String> notes = new ArrayList<>();
            PrintWriter out = spec.commandLine().getOut();
            try {
                String result = AuditProofs.verify(text.getBytes(StandardCharsets.UTF_8), key, registered, notes);
                out.println(result);
                notes.forEach(n -> out.println("  note: " + n));
                return HypervisorCommand.OK;
            } catch (AuditProofs.ProofException e) {
                if (e.usage()) {
                    throw new HypervisorCommand.UsageError(e.getMessage());
                }
                out.println("proof FAILED: " + e.getMessage());
                notes.forEach(n -> out.println("  note: " + n));
                return HypervisorCommand.FAILED;
            }
        }
    }

    @Command(name = "report", mixinStandardHelpOptions = true,
            description = {"Write a self-contained HTML report of the audit log (no network at view time): the verification",
                    "banner, the hand-off graph, trust over time, saga timelines, denials and sessions; every item links",
                    "to its record and the command that proves it. Read-only on the data directory (or, with --store,",
                    "on the shared store: every JVM's records, one snapshot).",
                    "Exit code 0: written and the log verifies; 1: written, and the log does NOT verify (the page says",
                    "where); 2: usage or configuration error."})
    static final class Report implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        DataDirOptions data = new DataDirOptions();

        @Option(names = "--html", paramLabel = "FILE", required = true, description = "Write the report to FILE.")
        Path html;

        @Option(names = "--from", paramLabel = "SEQ|TIME",
                description = "First record: a sequence number, or an ISO-8601 time such as 2026-12-06T05:25:34Z.")
        String from;

        @Option(names = "--to", paramLabel = "SEQ|TIME", description = "Last record (inclusive): a sequence number or a time.")
        String to;

        @Option(names = "--agent", paramLabel = "ID", description = "Only records naming this agent (and its sagas and sessions).")
        String agent;

        @Option(names = "--session", paramLabel = "ID", description = "Only the records of this session.")
        String session;

        @Option(names = "--public-key", paramLabel = "FILE",
                description = "Pin the hypervisor's public key for the verification (default: the key directory's).")
        Path publicKey;

        @picocli.CommandLine.Mixin
        StoreOption store = new StoreOption();

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            ReportScope scope;
            try {
                scope = ReportScope.parse(from, to, agent, session);
            } catch (IllegalArgumentException bad) {
                throw new HypervisorCommand.UsageError(bad.getMessage());
            }
            PrintWriter out = spec.commandLine().getOut();
            if (store.storePolicy != null) {
                if (publicKey != null || data.keysDir != null) {
                    throw new HypervisorCommand.UsageError("--store reads the shared store's key directory:"
                            + " --public-key and --keys-dir go with --data-dir");
                }
                List<AutoCloseable> open = new ArrayList<>();
                AuditReport.Result r;
                try {
                    org.agenthypervisor.core.audit.AuditRows rows = store.open(open);
                    r = AuditReport.write(rows, scope, html, store.storePolicy.toString(), rows.describe());
                } finally {
                    closeAll(open);
                }
                out.println("report written to " + html.toAbsolutePath() + ": " + r.recordsInScope() + " record(s) in scope"
                        + " of " + r.recordsRead() + " read; the log is " + r.verdict());
                return r.verified() ? HypervisorCommand.OK : HypervisorCommand.FAILED;
            }
            Path auditDir = data.auditDir();
            PublicKey key = publicKey != null ? readKey(publicKey) : data.keyFromDirectory();
            AuditReport.Result r;
            try {
                r = AuditReport.write(auditDir, key, scope, html, data.dataDir.toString());
            } catch (NoSuchFileException missing) {
                throw new HypervisorCommand.UsageError("cannot write " + html + " or read " + auditDir + ": " + missing.getMessage());
            }
            out.println("report written to " + html.toAbsolutePath() + ": " + r.recordsInScope() + " record(s) in scope of "
                    + r.recordsRead() + " read; the log is " + r.verdict());
            return r.verified() ? HypervisorCommand.OK : HypervisorCommand.FAILED;
        }
    }
}
