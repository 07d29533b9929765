package org.agenthypervisor.it;

import org.agenthypervisor.it.SharedStoreIT.Replica;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13 item 3: the saga journal on PostgreSQL, three JVMs with the real agent jar on one database
 * ({@link PostgresServer}). JVMs 2 and 3 run throughout; in each round a new JVM 1 completes a saga,
 * then begins another, journals some of its steps and is killed with {@code kill -9} inside it. Once
 * JVM 1's lease ({@code store.postgres.sagaLease}) has expired, exactly one of JVMs 2 and 3 takes the
 * saga over and compensates each of its steps, once: asserted on the side effects the application
 * appends to a file all three share ({@code DO step pid}, {@code UNDO step pid}). Every third round
 * JVM 1 is killed inside a step's body: that step is in doubt and, as with the file journal, escalated
 * (its compensation does not declare {@code compensateInDoubt}), the others compensated.
 *
 * <p>The default build kills {@value #SHORT_FORM_KILLS} times; the long form is
 * {@code -Dsaga.killLoop=20} (or more). It prints which JVM took each saga over and how long after
 * the kill its steps were compensated (figures, not assertions).
 */
class SharedSagaIT {
    private static final int SHORT_FORM_KILLS = 3;
    private static final long LEASE_MILLIS = 1_500;
    private static final String APP = "com.acme.sharedsaga.SagaReplicaApp";
    private static PostgresServer postgres;

    @BeforeAll
    static void startPostgres() throws IOException {
        postgres = PostgresServer.start("shared-saga");
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }

    static String policy(String url, String schema) {
        return """
                version: 1
                saga:
                  retries: 0
                store:
                  postgres:
                    url: %s
                    user: postgres
                    schema: %s
                    sagaLease: %dms
                """.formatted(url, schema, LEASE_MILLIS);
    }

    private static int kills() {
        String value = System.getProperty("saga.killLoop", System.getenv("SAGA_KILL_LOOP"));
        return value == null || value.isBlank() ? SHORT_FORM_KILLS : Integer.parseInt(value.trim());
    }

    /** The effects file's lines, as [what, step, pid]. */
    private static List<String[]> effects(Path file) throws IOException {
        List<String[]> out = new ArrayList<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    out.add(line.split(" "));
                }
            }
        }
        return out;
    }

    private static String saga(String step) {
        return step.substring(0, step.indexOf('.'));
    }

    private static boolean ended(String saga) throws java.sql.SQLException {
        return ended("sagas", saga);
    }

    private static boolean ended(String schema, String saga) throws java.sql.SQLException {
        try (Connection c = postgres.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM " + schema + ".saga WHERE id = '" + saga
                     + "' AND state = 'ended'")) {
            rs.next();
            return rs.getLong(1) == 1;
        }
    }

    private static long undone(Path file, String saga) throws IOException {
        return effects(file).stream().filter(e -> e[0].equals("UNDO") && saga(e[1]).equals(saga)).count();
    }

    @Test
    void aJvmKilledInsideASagaHasEachStepCompensatedOnceByExactlyOneOfTheOthers() throws Exception {
        int kills = kills();
        Path effects = ChildJvm.freshWorkDir("shared-saga-effects").resolve("effects.log");
        String effectsArg = "-Dsharedsaga.effects=" + effects;
        String policy = policy(postgres.url(), "sagas");
        Map<String, Integer> killedSagas = new LinkedHashMap<>();
        Set<String> completedSagas = new java.util.HashSet<>();
        Set<String> inDoubt = new java.util.HashSet<>();
        List<String> figures = new ArrayList<>();
        long pidTwo;
        long pidThree;
        try (Replica two = new Replica("saga-2", policy, APP, effectsArg);
             Replica three = new Replica("saga-3", policy, APP, effectsArg)) {
            assertEquals("READY", two.awaitReady());
            assertEquals("READY", three.awaitReady());
            pidTwo = two.process.pid();
            pidThree = three.process.pid();
            two.send("run 2");
            three.send("run 2");
            completedSagas.add(saga(two.await("DONE ").substring(5)));
            completedSagas.add(saga(three.await("DONE ").substring(5)));
            assertEquals(2, completedSagas.size(), "two JVMs never give out the same saga id: " + completedSagas);
            for (int round = 1; round <= kills; round++) {
                Replica one = new Replica("saga-1-" + round, policy, APP, effectsArg);
                try {
                    assertEquals("READY", one.awaitReady());
                    one.send("run 1");
                    String done = saga(one.await("DONE ").substring(5));
                    assertTrue(completedSagas.add(done), "saga id " + done + " given out twice");
                    // Every third round JVM 1 is killed inside the last step's body: that step is in doubt, the one
                    // before it done.
                    boolean stuck = round % 3 == 0;
                    int steps = stuck ? 2 : 1 + round % 3;
                    one.send((stuck ? "stuck " : "hang ") + steps);
                    String hung = one.await("HUNG ").substring(5);
                    String killed = saga(hung);
                    killedSagas.put(killed, stuck ? steps - 1 : steps);
                    if (stuck) {
                        inDoubt.add(hung);
                    }
                    one.process.destroyForcibly(); // SIGKILL: no shutdown hook, no clean close
                    assertTrue(one.process.waitFor(20, TimeUnit.SECONDS));
                    long killedAt = System.nanoTime();
                    long deadline = killedAt + TimeUnit.SECONDS.toNanos(60);
                    while (!ended(killed) && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    assertTrue(ended(killed), () -> "saga " + killed + " not recovered: " + two.stderr.getNow("")
                            + three.stderr.getNow(""));
                    assertEquals((long) killedSagas.get(killed), undone(effects, killed));
                    String by = effects(effects).stream().filter(e -> e[0].equals("UNDO") && saga(e[1]).equals(killed))
                            .map(e -> "pid " + e[2]).findFirst().orElse("a survivor (nothing to compensate)");
                    figures.add(killed + " (" + steps + " steps" + (stuck ? ", the last in doubt" : "") + ") recovered by "
                            + by + " " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt) + " ms after the kill");
                } finally {
                    one.process.destroyForcibly();
                }
            }
            // Two more lease periods: a second take-over, or a second compensation, would have happened by now.
            Thread.sleep(3 * LEASE_MILLIS);
            two.send("run 1");
            completedSagas.add(saga(two.await("DONE ").substring(5)));
        }
        // Every step of a killed saga: done once (by JVM 1), undone once, by one of JVMs 2 and 3, the same for the
        // whole saga. No step of a completed saga undone.
        Map<String, List<String[]>> byStep = new TreeMap<>();
        for (String[] e : effects(effects)) {
            byStep.computeIfAbsent(e[1], k -> new ArrayList<>()).add(e);
        }
        Map<String, String> compensatorOf = new LinkedHashMap<>();
        int undone = 0;
        for (Map.Entry<String, List<String[]>> step : byStep.entrySet()) {
            String saga = saga(step.getKey());
            List<String[]> lines = step.getValue();
            long dos = lines.stream().filter(e -> e[0].equals("DO")).count();
            List<String[]> undos = lines.stream().filter(e -> e[0].equals("UNDO")).toList();
            assertEquals(1, dos, "step " + step.getKey() + " ran once");
            if (completedSagas.contains(saga)) {
                assertEquals(0, undos.size(), "step " + step.getKey() + " of a completed saga was compensated");
                continue;
            }
            assertTrue(killedSagas.containsKey(saga), "a step of an unknown saga: " + step.getKey());
            if (inDoubt.contains(step.getKey())) {
                // As with the file journal: in doubt, and its compensation is not declared safe then: escalated.
                assertEquals(0, undos.size(), "in-doubt step " + step.getKey() + " compensated");
                continue;
            }
            assertEquals(1, undos.size(), "step " + step.getKey() + " compensated exactly once, got " + undos.size());
            String pid = undos.get(0)[2];
            assertTrue(pid.equals(String.valueOf(pidTwo)) || pid.equals(String.valueOf(pidThree)),
                    "compensated by JVM 2 or 3, not " + pid);
            String previous = compensatorOf.putIfAbsent(saga, pid);
            assertTrue(previous == null || previous.equals(pid), "saga " + saga + " compensated by two JVMs");
            undone++;
        }
        assertEquals(killedSagas.values().stream().mapToInt(Integer::intValue).sum(), undone);
        for (String step : inDoubt) {
            try (Connection c = postgres.connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM sagas.saga_record WHERE type = 'escalated'"
                         + " AND step = '" + step + "'")) {
                rs.next();
                assertEquals(1, rs.getLong(1), "in-doubt step " + step + " escalated once");
            }
        }
        try (Connection c = postgres.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FILTER (WHERE state <> 'ended'),"
                     + " count(*) FILTER (WHERE taken_from IS NOT NULL), count(*) FROM sagas.saga")) {
            rs.next();
            assertEquals(0, rs.getLong(1), "every saga ended");
            assertEquals(kills, rs.getLong(2), "one take-over per killed saga");
            assertEquals(completedSagas.size() + kills, rs.getLong(3));
        }
        String report = "shared saga journal, " + kills + " kill(s) of JVM 1 (lease " + LEASE_MILLIS + " ms):\n  "
                + String.join("\n  ", figures) + "\n";
        System.out.print(report);
        Files.writeString(Path.of("target", "shared-saga-takeover.txt"), report);
    }

    /**
     * The three-replica demo found an agent's first saga refused: the journal's connection was opened on
     * the agent's thread, so the driver's own thread ran as the agent, the capability gate denied its
     * connection to the store, and slashed the agent. Here an agent with one network grant (its model's)
     * runs the JVM's first saga.
     */
    @Test
    void anAgentsFirstSagaOpensTheJournalsConnectionAsTheHost() throws Exception {
        Path effects = ChildJvm.freshWorkDir("shared-saga-agent-effects").resolve("effects.log");
        String policy = policy(postgres.url(), "agentfirst") + """
                agents:
                  teller:
                    ring: 2
                    capabilities:
                      network.connect: ["api.example.com:443"]
                      files.read: true
                      files.write: true
                """;
        try (Replica one = new Replica("saga-agent-first", policy, APP, "-Dsharedsaga.effects=" + effects)) {
            assertEquals("READY", one.awaitReady());
            one.send("teller 2");
            assertTrue(one.await("DONE ", 30).startsWith("DONE "), "not REFUSED");
            one.send("teller 1");
            assertTrue(one.await("DONE ", 30).startsWith("DONE "), "not REFUSED");
            one.send("quit");
            one.await("BYE");
            assertTrue(one.process.waitFor(30, TimeUnit.SECONDS));
            String err = one.stderr.get(20, TimeUnit.SECONDS);
            assertFalse(err.contains("network.connect"), err);
        }
        assertEquals(3, effects(effects).stream().filter(e -> e[0].equals("DO")).count(), "three legs ran");
        try (Connection c = postgres.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM agentfirst.saga WHERE state = 'ended'")) {
            rs.next();
            assertEquals(2, rs.getLong(1), "both sagas journaled in the store");
        }
        try (Connection c = postgres.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM agentfirst.log_record WHERE log = 'trust'")) {
            rs.next();
            assertEquals(0, rs.getLong(1), "nobody was slashed");
        }
    }

    @Test
    void anOperatorListsShowsAndRecoversTheSharedJournalFromTheCommandLine() throws Exception {
        Path effects = ChildJvm.freshWorkDir("shared-saga-op-effects").resolve("effects.log");
        String policy = policy(postgres.url(), "operator");
        Path cliDir = ChildJvm.freshWorkDir("shared-saga-cli");
        ChildJvm.write(cliDir, "policy.yaml", policy);
        String saga;
        Replica one = new Replica("saga-op-1", policy, APP, "-Dsharedsaga.effects=" + effects);
        try {
            assertEquals("READY", one.awaitReady());
            one.send("hang 2");
            saga = saga(one.await("HUNG ").substring(5));
            // While JVM 1 lives its lease is current: the saga is listed as running there, and not recovered.
            ChildJvm.Result list = Cli.run(cliDir, "saga", "list", "--store", "policy.yaml");
            assertEquals(0, list.exitCode(), list::toString);
            String id = saga;
            assertTrue(list.stdout().lines().anyMatch(l -> l.startsWith(id + " ") && l.contains(" running ")
                    && l.contains("(lease current)")), list::toString);
            ChildJvm.Result early = Cli.run(cliDir, "saga", "recover", "--store", "policy.yaml", "--classpath",
                    ChildJvm.testClasses(), saga);
            assertEquals(1, early.exitCode(), early::toString);
            assertTrue(early.stdout().contains(saga + "  not recovered: owner "), early::toString);
        } finally {
            one.process.destroyForcibly();
        }
        assertTrue(one.process.waitFor(20, TimeUnit.SECONDS));
        Thread.sleep(2 * LEASE_MILLIS); // no JVM of the application is left to take it over
        ChildJvm.Result recovered = Cli.run(cliDir, "saga", "recover", "--store", "policy.yaml", "--classpath",
                ChildJvm.testClasses());
        assertEquals(0, recovered.exitCode(), recovered::toString);
        assertTrue(recovered.stdout().contains(saga + "  compensated"), recovered::toString);
        List<String[]> undone = effects(cliDir.resolve("effects.log"));
        assertEquals(2, undone.stream().filter(e -> e[0].equals("UNDO") && saga(e[1]).equals(saga)).count(),
                () -> "both steps compensated by the command line: " + recovered);
        ChildJvm.Result show = Cli.run(cliDir, "saga", "show", saga, "--store", "policy.yaml");
        assertEquals(0, show.exitCode(), show::toString);
        assertTrue(show.stdout().contains("state    compensated  (taken over from "), show::toString);
        assertTrue(show.stdout().contains("compensated (1 attempt(s))"), show::toString);
        ChildJvm.Result again = Cli.run(cliDir, "saga", "recover", "--store", "policy.yaml", "--classpath",
                ChildJvm.testClasses());
        assertEquals(0, again.exitCode(), again::toString);
        assertTrue(again.stdout().contains("no unfinished saga"), again::toString);
    }

    private static long count(String sql) throws java.sql.SQLException {
        try (Connection c = postgres.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Moving from files to the store: a JVM on a file data directory is killed inside a saga; {@code store
     * import} carries its journal into the store, and the first JVM of the application on the store takes
     * the unfinished saga over and compensates each of its steps once. A forged record in the file journal
     * makes the import refuse it with nothing written; new sagas never get an imported id.
     */
    @Test
    void anUnfinishedSagaOfAnImportedDataDirectoryIsCompensatedOnceByAJvmOnTheStore() throws Exception {
        Path effects = ChildJvm.freshWorkDir("shared-saga-import-effects").resolve("effects.log");
        String effectsArg = "-Dsharedsaga.effects=" + effects;
        // On files; a tree head per record, so that a JVM killed early has signed the audit log it leaves.
        String files = "version: 1\nsaga:\n  retries: 0\naudit:\n  treeHeadEvery: 1\n";
        String completed;
        String killed;
        Path dir;
        Replica onFiles = new Replica("saga-import-files", files, APP, effectsArg);
        try {
            assertEquals("READY", onFiles.awaitReady());
            dir = onFiles.dir;
            onFiles.send("run 1");
            completed = saga(onFiles.await("DONE ").substring(5));
            onFiles.send("hang 2");
            killed = saga(onFiles.await("HUNG ").substring(5));
        } finally {
            onFiles.process.destroyForcibly(); // SIGKILL inside the saga: nothing compensates it on files
        }
        assertTrue(onFiles.process.waitFor(20, TimeUnit.SECONDS));
        ChildJvm.write(dir, "store.yaml", policy(postgres.url(), "imported"));

        // A copy of the directory with one forged journal record (a right CRC, no valid MAC) is refused whole.
        Path forged = ChildJvm.freshWorkDir("shared-saga-import-forged");
        try (var paths = Files.walk(dir.resolve(".agent-hypervisor"))) {
            for (Path from : (Iterable<Path>) paths::iterator) {
                Path to = forged.resolve(dir.relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                } else if (!from.getFileName().toString().endsWith(".lock")) {
                    Files.copy(from, to);
                }
            }
        }
        try (var log = org.agenthypervisor.core.store.RecordLog.open(forged.resolve(".agent-hypervisor/saga"), "journal",
                org.agenthypervisor.core.store.RecordLog.Options.defaults().withHighWaterMark(true))) {
            log.append(org.agenthypervisor.core.saga.JournalRecords.end(killed, System.currentTimeMillis(), "completed", 0, 0));
        }
        ChildJvm.write(forged, "store.yaml", policy(postgres.url(), "imported"));
        ChildJvm.Result refused = Cli.run(forged, "store", "import", "--from", ".agent-hypervisor", "--store", "store.yaml");
        assertEquals(1, refused.exitCode(), refused::toString);
        assertTrue(refused.stderr().contains("does not authenticate") && refused.stderr().contains("end of " + killed)
                && refused.stderr().contains("journal-00000000000000000000.seg"), refused::toString);
        assertEquals(0, count("SELECT (SELECT count(*) FROM imported.saga) + (SELECT count(*) FROM imported.saga_record)"
                + " + (SELECT count(*) FROM imported.audit_record) + (SELECT count(*) FROM imported.log_record)"),
                "nothing written");

        ChildJvm.Result imported = Cli.run(dir, "store", "import", "--from", ".agent-hypervisor", "--store", "store.yaml");
        assertEquals(0, imported.exitCode(), imported::toString);
        assertTrue(imported.stdout().contains("saga journal: 2 saga(s) imported, 1 of them unfinished: a running JVM of"
                + " the application on the store takes them over and compensates them"), imported::toString);

        // The first JVM of the application on the store takes the saga over (its owner, the import, has no lease).
        try (Replica onStore = new Replica("saga-import-store", policy(postgres.url(), "imported"), APP, effectsArg)) {
            assertEquals("READY", onStore.awaitReady());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!ended("imported", killed) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(ended("imported", killed), () -> "saga " + killed + " not recovered: " + onStore.stderr.getNow(""));
            onStore.send("run 1");
            String fresh = saga(onStore.await("DONE ").substring(5));
            assertTrue(Long.parseLong(fresh.substring(1)) > Long.parseLong(killed.substring(1)),
                    "new saga " + fresh + " numbered among the imported ones (up to " + killed + ")");
            Thread.sleep(2 * LEASE_MILLIS); // a second take-over or compensation would have happened by now
        }
        List<String[]> lines = effects(effects);
        long pid = onFiles.process.pid();
        assertEquals(2, lines.stream().filter(e -> e[0].equals("DO") && saga(e[1]).equals(killed)).count());
        List<String[]> undone = lines.stream().filter(e -> e[0].equals("UNDO") && saga(e[1]).equals(killed)).toList();
        assertEquals(2, undone.size(), "each step of " + killed + " compensated exactly once");
        assertEquals(2, undone.stream().map(e -> e[1]).distinct().count());
        assertTrue(undone.stream().noneMatch(e -> e[2].equals(String.valueOf(pid))), "compensated on the store");
        assertEquals(0, undone(effects, completed), "the completed saga is not compensated");

        ChildJvm.Result list = Cli.run(dir, "saga", "list", "--store", "store.yaml");
        assertEquals(0, list.exitCode(), list::toString);
        assertTrue(list.stdout().lines().anyMatch(l -> l.startsWith(completed + " ") && l.contains(" completed ")),
                list::toString);
        assertTrue(list.stdout().lines().anyMatch(l -> l.startsWith(killed + " ") && l.contains(" compensated ")
                && l.contains("(taken over from import:")), list::toString);
    }
}
