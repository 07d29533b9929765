package org.agenthypervisor.agent.cli;

import org.agenthypervisor.core.audit.AuditLog;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.store.postgres.PostgresStore;
import org.agenthypervisor.core.store.postgres.SharedImport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code store import}: move a file data directory into the shared store (issue 13 item 7). */
@Command(name = "store", mixinStandardHelpOptions = true,
        description = {"Manage the shared store (store: postgres).",
                "Exit code 0: done; 1: nothing was imported; 2: usage or configuration error."},
        subcommands = {StoreCommand.Import.class})
final class StoreCommand extends CommandGroup {

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Load a file data directory into the shared store, in one transaction (all or nothing):",
                    "the audit log (records and signed tree heads byte for byte, so it verifies with the same roots; the",
                    "directory's key is registered in the store's key directory), the trust ledger and the saga",
                    "journal (every saga under its id; unfinished ones are taken over and compensated by a running JVM",
                    "of the application on the store). The audit log and the saga journal are verified first and not",
                    "imported if they do not verify. Only into an empty shared audit log, trust ledger and saga",
                    "journal. Stop the JVM that uses the directory first.",
                    "Exit code 0: imported; 1: the directory cannot be imported (nothing was written); 2: usage error."})
    static final class Import implements Callable<Integer> {
        @Option(names = "--from", paramLabel = "DATA_DIR", required = true, description = "The data directory to import.")
        Path from;

        @Option(names = "--keys-dir", paramLabel = "DIR",
                description = "Where the directory's key (" + AuditLog.KEY_ID + ".pub) is, when not <DATA_DIR>/keys.")
        Path keysDir;

        @Option(names = "--store", paramLabel = "POLICY", required = true,
                description = "A policy whose store: postgres names the shared store (its password from the environment"
                        + " variable the policy names).")
        Path storePolicy;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            TrustCommand.existingDataDir(from);
            Policy.PostgresStoreSpec pg = TrustCommand.sharedStore(storePolicy);
            PrintWriter out = spec.commandLine().getOut();
            if (isLocked(from)) {
                throw new HypervisorCommand.UsageError("the data directory " + from + " is in use by a running JVM:"
                        + " stop it first");
            }
            try (PostgresStore store = PostgresStore.open(pg, System.getenv())) {
                SharedImport.Result r = SharedImport.importDataDir(store, from,
                        keysDir != null ? keysDir : from.resolve("keys"));
                out.println("imported " + from + " into " + store.describe() + ":");
                out.println("  audit log:    " + r.auditRecords() + " record(s), " + r.auditHeads() + " signed tree head(s)"
                        + (r.keyId() == null ? "" : ", key " + r.keyId() + " registered"));
                out.println("  trust ledger: " + r.trustNote());
                out.println("  saga journal: " + sagaSummary(r));
                return HypervisorCommand.OK;
            } catch (IOException failed) {
                spec.commandLine().getErr().println("error: " + failed.getMessage());
                return HypervisorCommand.FAILED;
            }
        }

        static String sagaSummary(SharedImport.Result r) {
            String summary = r.sagas() == 0 ? "no sagas in the directory"
                    : r.sagas() + " saga(s) imported, " + r.unfinishedSagas() + " of them unfinished"
                    + (r.unfinishedSagas() == 0 ? "" : ": a running JVM of the application on the store takes them"
                    + " over and compensates them (or `saga recover --store`)");
            return r.sagaNote() == null ? summary : summary + "; note: " + r.sagaNote();
        }

        private static boolean isLocked(Path dataDir) {
            try {
                if (org.agenthypervisor.core.liability.TrustLedger.inUse(dataDir)) {
                    return true;
                }
            } catch (IOException unknown) {
                // the saga journal's lock below may still tell
            }
            // A JVM that only runs sagas may hold no trust ledger: its unfinished sagas are still running.
            Path sagaLock = org.agenthypervisor.core.saga.SagaJournal.directory(dataDir)
                    .resolve(org.agenthypervisor.core.saga.SagaJournal.NAME + ".lock");
            return Files.exists(sagaLock) && SagaCommand.Journal.lockedByAnother(sagaLock, true);
        }
    }
}
