package org.agenthypervisor.it;

import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.agenthypervisor.it.LiabilityIT.APP;
import static org.agenthypervisor.it.LiabilityIT.cli;
import static org.agenthypervisor.it.LiabilityIT.dir;
import static org.agenthypervisor.it.LiabilityIT.run;
import static org.agenthypervisor.it.LiabilityIT.trust;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12 under the real agent jar: the trust ledger's snapshot and retention. With a retention of
 * 1 ms every start retires the records of the run before into {@code trust/archive}; the slashes
 * still hold after restarts (from the snapshot), {@code trust list --history} still shows every one,
 * and a damaged snapshot stops the start naming the file.
 */
class LedgerCompactionIT {
    static final String POLICY = LiabilityIT.POLICY + """
            liability:
              retention: 1ms
              ringViolationSeverity: 1
            """;

    private static List<Path> segments(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
        }
    }

    @Test
    void slashesSurviveRestartsAfterSnapshotAndArchiveAndTheHistoryShowsThemAll() throws Exception {
        Path dir = dir("ledger-compaction", POLICY);
        Result first = run(dir, "chain-violation");
        Path trustDir = first.dataDir().resolve("trust");
        Path snapshot = trustDir.resolve("trust.snapshot");
        Path archive = trustDir.resolve("archive");
        assertTrue(Files.isRegularFile(snapshot), "the close wrote a snapshot");

        Result set = cli(dir, "trust", "set", "peer", "0.4", "--reason", "audit finding");
        assertEquals(0, set.exitCode(), set::toString);

        // The second start retires records 0 and 1 (one segment): their scores now live in the snapshot only.
        Result second = run(dir, "trust");
        assertEquals(0.0, trust(second, "executor"), "the archived slash still holds");
        assertEquals(0.05, trust(second, "planner"));
        assertEquals(0.4, trust(second, "peer"), "the archived set still holds");
        assertEquals(1, segments(archive).size(), "the first segment was archived: " + segments(archive));
        assertTrue(Files.isRegularFile(trustDir.resolve("trust.start")));

        assertEquals(0, cli(dir, "trust", "set", "planner", "0.9", "--reason", "reviewed").exitCode());
        // The third start retires record 2 too; every score comes from the snapshot.
        Result third = run(dir, "trust");
        assertEquals(0.0, trust(third, "executor"));
        assertEquals(0.9, trust(third, "planner"));
        assertEquals(0.525, trust(third, "intake"));
        assertEquals(0.4, trust(third, "peer"));
        assertEquals(2, segments(archive).size(), segments(archive)::toString);
        assertTrue(segments(trustDir).stream().allMatch(p -> p.getFileName().toString().equals("trust-00000000000000000003.seg")),
                "the live ledger holds no record: " + segments(trustDir));

        Result history = cli(dir, "trust", "list", "--history");
        assertEquals(0, history.exitCode(), history::toString);
        String out = history.stdout();
        assertTrue(out.contains("RECORD") && out.contains("BEFORE -> AFTER"), out);
        long changeLines = out.lines().filter(l -> l.contains(" slash ") || l.contains(" set ")).count();
        assertEquals(5, changeLines, "the chain violation's 3 changes and the two sets: " + out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("0 ") && l.contains("executor") && l.contains("1.00 -> 0.00")), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("1 ") && l.contains("peer") && l.contains("audit finding")), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("2 ") && l.contains("planner") && l.contains("0.05 -> 0.90")), out);
        assertTrue(out.contains("3 record(s) from "), out);

        Result executor = cli(dir, "trust", "list", "--history", "--agent", "executor");
        assertEquals(0, executor.exitCode(), executor::toString);
        assertTrue(executor.stdout().lines().filter(l -> l.contains(" slash ")).allMatch(l -> l.contains("executor")),
                executor::toString);
        assertEquals(1, executor.stdout().lines().filter(l -> l.contains(" slash ")).count(), executor::toString);

        // Read-only: the history reads while a JVM holds the ledger.
        Process running = ChildJvm.withAgent("policy=policy.yaml").in(dir).start(APP, "wait");
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(running.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = lines.readLine()) != null && !line.equals("READY")) {
                // wait for the application to be up
            }
            assertEquals("READY", line);
            Result whileRunning = cli(dir, "trust", "list", "--history");
            assertEquals(0, whileRunning.exitCode(), whileRunning::toString);
            assertEquals(out, whileRunning.stdout());
        } finally {
            try (OutputStream in = running.getOutputStream()) {
                in.write('\n');
            }
            running.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void aFlippedByteInTheSnapshotOrAMissingSnapshotStopsTheStartNamingTheFile() throws Exception {
        Path dir = dir("ledger-snapshot-damage", POLICY);
        Result first = run(dir, "chain-violation");
        run(dir, "trust"); // retires the first run's record: only the snapshot has its slashes now
        Path snapshot = first.dataDir().resolve("trust").resolve("trust.snapshot");
        String named = Path.of("trust", "trust.snapshot").toString(); // the child may print it relative
        byte[] intact = Files.readAllBytes(snapshot);

        byte[] flipped = intact.clone();
        flipped[intact.length / 2] ^= 0x01;
        Files.write(snapshot, flipped);
        Result damaged = ChildJvm.withAgent("policy=policy.yaml").in(dir).run(APP, "trust");
        assertEquals(1, damaged.exitCode(), damaged::toString);
        assertTrue(damaged.stderr().contains(named) && damaged.stderr().contains("checksum"),
                damaged::toString);
        assertFalse(damaged.stdout().contains("trust-executor"), damaged::toString);
        assertArrayEquals(flipped, Files.readAllBytes(snapshot), "never rewritten");
        Result list = cli(dir, "trust", "list");
        assertEquals(2, list.exitCode(), list::toString);
        assertTrue(list.stderr().contains(named), list::toString);

        Files.delete(snapshot);
        Result missing = ChildJvm.withAgent("policy=policy.yaml").in(dir).run(APP, "trust");
        assertEquals(1, missing.exitCode(), missing::toString);
        assertTrue(missing.stderr().contains(named) && missing.stderr().contains("is missing"),
                missing::toString);
        assertFalse(Files.exists(snapshot), "not recreated");

        Files.write(snapshot, intact);
        assertEquals(0.0, trust(run(dir, "trust"), "executor"), "the slash is back once the snapshot is");
    }
}
