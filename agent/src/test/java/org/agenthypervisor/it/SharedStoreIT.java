package org.agenthypervisor.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13: several JVMs on one shared store ({@code store: postgres}). A real PostgreSQL started by
 * the test ({@link PostgresServer}) and three JVMs with the real agent jar, each with its own working
 * and data directory, as three replicas of one application would have: a slash in JVM 1 demotes the
 * agent in JVMs 2 and 3, an operator's {@code setTrust} (JMX) in another JVM restores it in all three.
 * The propagation delay is measured and printed (no timing assertion beyond the 10 s each wait allows).
 * {@code -Dshared.rounds=N} runs more rounds than the default 5.
 */
class SharedStoreIT {
    private static final long WAIT_SECONDS = 10;
    private static PostgresServer postgres;

    @BeforeAll
    static void startPostgres() throws IOException {
        postgres = PostgresServer.start("shared-store");
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }

    static String policy(String url, String schema, String extra) {
        return """
                version: 1
                agents:
                  teller:
                    ring: 1
                  ledger:
                    ring: 0
                liability:
                  # One violation takes trust to 0 (the reference's arithmetic): this test is about
                  # the slash reaching the other JVMs, not about graded breach detection.
                  ringViolationSeverity: 1
                store:
                  postgres:
                    url: %s
                    user: postgres
                    schema: %s
                %s""".formatted(url, schema, extra);
    }

    /** A running replica: its stdout as a queue of lines, its stdin for commands. */
    static final class Replica implements AutoCloseable {
        final String name;
        final Process process;
        final ChildJvm jvm;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        /** Lines read while waiting for another, not yet asked for. */
        final List<String> pending = new ArrayList<>();
        final List<String> all = Collections.synchronizedList(new ArrayList<>());
        final Writer stdin;
        final java.util.concurrent.CompletableFuture<String> stderr;
        /** Its working directory (its data directory is {@code .agent-hypervisor} there). */
        final Path dir;

        Replica(String name, String policy) throws IOException {
            this(name, policy, "com.acme.replica.ReplicaApp");
        }

        /** A replica of another application ({@code jvmArgs} before the main class). */
        Replica(String name, String policy, String mainClass, String... jvmArgs) throws IOException {
            this.name = name;
            this.dir = ChildJvm.freshWorkDir("shared-store-" + name);
            ChildJvm.write(dir, "policy.yaml", policy);
            this.jvm = ChildJvm.withAgent("policy=policy.yaml").in(dir).timeout(120);
            for (String arg : jvmArgs) {
                jvm.jvmArg(arg);
            }
            this.process = jvm.start(mainClass);
            this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            this.stderr = ChildJvm.drain(process.getErrorStream());
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        all.add(line);
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            }, "replica-" + name);
            reader.setDaemon(true);
            reader.start();
        }

        void send(String command) throws IOException {
            stdin.write(command + "\n");
            stdin.flush();
        }

        /** The next line starting with {@code prefix} (earlier other lines are skipped). */
        String await(String prefix) throws InterruptedException {
            return await(prefix, WAIT_SECONDS);
        }

        /** Starting takes longer than a change takes to spread: three JVMs start at once on a small machine. */
        String awaitReady() throws InterruptedException {
            return await("READY", 120);
        }

        String await(String prefix, long seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            // Lines of the other thread (RING) and of the command may come in either order: keep the others.
            for (java.util.Iterator<String> it = pending.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (line.startsWith(prefix)) {
                    it.remove();
                    return line;
                }
            }
            while (true) {
                String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new AssertionError(name + ": no line '" + prefix + "…' within " + seconds + " s; output: "
                            + all + "\nstderr so far: " + stderr.getNow("(running)"));
                }
                if (line.startsWith(prefix)) {
                    return line;
                }
                pending.add(line);
            }
        }

        static long micros(String line) {
            String[] parts = line.split(" ");
            return Long.parseLong(parts[parts.length - 1]);
        }

        @Override
        public void close() throws IOException {
            if (process.isAlive()) {
                try {
                    send("quit");
                    if (!process.waitFor(20, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                    }
                } catch (IOException | InterruptedException e) {
                    process.destroyForcibly();
                }
            }
        }
    }

    @Test
    void aSlashInOneJvmDemotesTheAgentInTheOthersAndAnOperatorRestoresItEverywhere() throws Exception {
        int rounds = Integer.getInteger("shared.rounds", 5);
        String policy = policy(postgres.url(), "replicas", "");
        List<Long> slashDelays = new ArrayList<>();
        List<Long> restoreDelays = new ArrayList<>();
        try (Replica one = new Replica("1", policy); Replica two = new Replica("2", policy);
             Replica three = new Replica("3", policy)) {
            List<Replica> all = List.of(one, two, three);
            for (Replica r : all) {
                assertEquals("READY 1", r.awaitReady(), r.name + " starts with the teller in ring 1");
            }
            for (int round = 0; round < rounds; round++) {
                one.send("violate");
                one.await("VIOLATE");
                assertEquals("DONE violate: RingViolationException", one.await("DONE violate"));
                long local = Replica.micros(one.await("RING 3 "));
                for (Replica other : List.of(two, three)) {
                    long seen = Replica.micros(other.await("RING 3 "));
                    slashDelays.add(seen - local);
                }
                // The operator path, from another JVM each round: JMX setTrust, durable first, then everywhere.
                Replica operator = round % 2 == 0 ? two : three;
                operator.send("restore");
                operator.await("RESTORE");
                assertTrue(operator.await("DONE restore").contains("0.0 -> 1.0"), operator.all::toString);
                long restored = Replica.micros(operator.await("RING 1 "));
                for (Replica r : all) {
                    if (r != operator) {
                        restoreDelays.add(Replica.micros(r.await("RING 1 ")) - restored);
                    }
                }
            }
            // JVM 2's connections are cut by the server: it reconnects, catches up, and still follows JVM 1.
            int cut;
            try (Connection c = postgres.connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                         + " WHERE application_name LIKE 'agent-hypervisor %:" + two.process.pid() + ":%'")) {
                rs.next();
                cut = rs.getInt(1);
            }
            assertTrue(cut >= 1, "JVM 2's listening connection was found and cut");
            one.send("violate");
            assertEquals("DONE violate: RingViolationException", one.await("DONE violate"));
            one.await("RING 3 ");
            two.await("RING 3 ");
            three.await("RING 3 ");
            two.close();
            String err = two.stderr.get(20, TimeUnit.SECONDS);
            assertTrue(err.contains("lost the listening connection"), err);
            // An operator on the command line, with the application's policy: the same path, every JVM applies it.
            Path cliDir = ChildJvm.freshWorkDir("shared-store-cli");
            ChildJvm.write(cliDir, "policy.yaml", policy);
            ChildJvm.Result set = Cli.run(cliDir, "trust", "set", "teller", "1", "--reason", "reviewed", "--store",
                    "policy.yaml");
            assertEquals(0, set.exitCode(), set::toString);
            assertTrue(set.stdout().contains("trust of 'teller' set to 1.00 (was 0.00) in PostgreSQL "), set::toString);
            one.await("RING 1 ");
            three.await("RING 1 ");
            ChildJvm.Result list = Cli.run(cliDir, "trust", "list", "--store", "policy.yaml");
            assertEquals(0, list.exitCode(), list::toString);
            assertTrue(list.stdout().lines().anyMatch(l -> l.startsWith("teller ") && l.contains(" 1.00 ")
                    && l.contains("set ") && l.endsWith(": reviewed (by cli)")), list::toString);
        }
        try (Connection c = postgres.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT instance) FROM replicas.log_record"
                     + " WHERE log = 'trust'")) {
            rs.next();
            assertEquals(2L * rounds + 2, rs.getLong(1), "one ledger record per slash and per restore");
            assertEquals(rounds == 1 ? 3L : 4L, rs.getLong(2), "written by the JVM that slashed, the operators' JVMs and the CLI");
        }
        String figures = "slash propagation (JVM 1's own demotion -> JVMs 2 and 3), " + slashDelays.size()
                + " samples: " + stats(slashDelays) + "\nrestore propagation (operator's JVM -> the other two), "
                + restoreDelays.size() + " samples: " + stats(restoreDelays) + "\n";
        System.out.print(figures);
        Files.writeString(Path.of("target", "shared-store-propagation.txt"), figures);
    }

    /** p50, p99 and max in milliseconds (nearest rank). */
    static String stats(List<Long> micros) {
        List<Long> sorted = new ArrayList<>(micros);
        Collections.sort(sorted);
        return "p50 " + ms(rank(sorted, 0.50)) + " ms, p99 " + ms(rank(sorted, 0.99)) + " ms, max "
                + ms(sorted.get(sorted.size() - 1)) + " ms";
    }

    private static long rank(List<Long> sorted, double q) {
        int i = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    private static String ms(long micros) {
        return String.format(java.util.Locale.ROOT, "%.2f", micros / 1000.0);
    }

    @Test
    void aDatabaseLostWhileRunningRefusesOperatorChangesAndTheJvmsReconnect() throws Exception {
        String policy = policy(postgres.url(), "outage", "");
        try (Replica one = new Replica("outage-1", policy); Replica two = new Replica("outage-2", policy)) {
            assertEquals("READY 1", one.awaitReady());
            assertEquals("READY 1", two.awaitReady());
            postgres.stop();
            try {
                // A slash that cannot be made durable still demotes locally (the safe direction) and says so.
                one.send("violate");
                assertEquals("DONE violate: RingViolationException", one.await("DONE violate"));
                one.await("RING 3 ");
                // An operator's change that cannot be made durable changes nothing, with a clear refusal.
                two.send("restore");
                assertEquals("DONE restore: refused: the trust ledger could not record the change; nothing changed",
                        two.await("DONE restore"));
            } finally {
                postgres.start();
            }
            two.send("restore");
            assertTrue(two.await("DONE restore").endsWith("-> 1.0"), two.all::toString);
            one.await("RING 1 "); // JVM 1 reconnected and applied JVM 2's change
            one.close();
            String err = one.stderr.get(20, TimeUnit.SECONDS);
            assertTrue(err.contains("TRUST LEDGER WRITE FAILED"), err);
            assertTrue(err.contains("lost the listening connection"), err);
        }
        try (Connection c = postgres.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM outage.log_record")) {
            rs.next();
            assertEquals(1, rs.getLong(1), "only the change made while the database was up was recorded");
        }
    }

    @Test
    void theApplicationsOwnDriverIsTheOnlyOneItsDriverManagerKnows() throws Exception {
        Path dir = ChildJvm.freshWorkDir("shared-store-own-driver");
        ChildJvm.write(dir, "policy.yaml", policy(postgres.url(), "own_driver", ""));
        // Another version than the agent's (42.7.14): the application's, as it would ship it.
        String driverJar = Jars.lib("postgresql-42.7.10").toString();
        ChildJvm.Result r = ChildJvm.withAgent("policy=policy.yaml").in(dir).classpath(driverJar).timeout(60)
                .run("com.acme.replica.OwnDriverApp", postgres.url(), "own_driver");
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("[org.postgresql.Driver]", r.result("DRIVERS"), "the relocated driver must not answer the application's URLs");
        assertEquals("org.postgresql.jdbc.PgConnection", r.result("CONNECTION"));
        assertEquals("0", r.result("ROWS"), "the agent created its schema before main");
        assertEquals("42.7.10", r.result("VERSION"), "the application's driver version");
    }

    private static String unusedUrl() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return "jdbc:postgresql://127.0.0.1:" + s.getLocalPort() + "/postgres";
        }
    }

    @Test
    void aDatabaseDownAtStartStopsTheJvmBeforeMain() throws Exception {
        Path dir = ChildJvm.freshWorkDir("shared-store-down");
        String policy = policy(unusedUrl(), "replicas", "");
        ChildJvm.write(dir, "policy.yaml", policy);
        // The message points at the postgres mapping, which starts on the line after its key.
        int postgresLine = policy.lines().toList().indexOf("  postgres:") + 2;
        ChildJvm.Result r = ChildJvm.withAgent("policy=policy.yaml").in(dir).timeout(60).run("com.acme.replica.ReplicaApp");
        assertNotEquals(0, r.exitCode(), r::toString);
        assertFalse(r.stdout().contains("READY"), "main must not run: " + r);
        assertTrue(r.stderr().contains("FATAL: cannot start"), r::toString);
        assertTrue(r.stderr().contains("cannot use the shared store PostgreSQL jdbc:postgresql://127.0.0.1:"), r::toString);
        assertTrue(r.stderr().contains("(store.postgres.onUnavailable: fail, at "), r::toString);
        assertTrue(postgresLine > 1 && r.stderr().contains("policy.yaml:" + postgresLine + "; set it to files to run on local files instead)"),
                r::toString);
    }

    @Test
    void aDatabaseDownAtStartWithOnUnavailableFilesRunsOnLocalFilesAndSaysSo() throws Exception {
        String policy = policy(unusedUrl(), "replicas", "    onUnavailable: files\n");
        try (Replica alone = new Replica("fallback", policy)) {
            assertEquals("READY 1", alone.awaitReady());
            alone.send("violate");
            alone.await("RING 3 ");
            alone.send("quit");
            alone.await("BYE");
            assertTrue(alone.process.waitFor(20, TimeUnit.SECONDS));
            String err = alone.stderr.get(10, TimeUnit.SECONDS);
            assertTrue(err.contains("SHARED STORE UNAVAILABLE, RUNNING ON LOCAL FILES"), err);
            assertTrue(Files.isDirectory(alone.jvm.workDir().resolve(".agent-hypervisor/trust")),
                    "the slash went to the local trust ledger");
        }
    }
}
