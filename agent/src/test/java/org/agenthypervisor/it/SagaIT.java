package org.agenthypervisor.it;

import org.agenthypervisor.core.saga.SagaHistory;
import org.agenthypervisor.core.saga.SagaHistory.SagaView;
import org.agenthypervisor.core.saga.SagaJournal;
import org.agenthypervisor.core.store.RecordLog;
import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SPEC §4 under the real agent jar: steps woven in bytecode, rollback, escalation, crash recovery. */
class SagaIT {
    static final String POLICY = """
            version: 1
            agents:
              clerk:
                ring: 1
            saga:
              retries: 3
              backoff: 10ms
              maxBackoff: 40ms
            """;

    static Result run(String name, String policy, String... scenarios) {
        Path dir = ChildJvm.freshWorkDir(name);
        return runIn(dir, policy, scenarios);
    }

    static Result runIn(Path dir, String policy, String... scenarios) {
        ChildJvm.write(dir, "policy.yaml", policy);
        return ChildJvm.withAgent("policy=policy.yaml").in(dir).timeout(120).run("com.acme.saga.SagaApp", scenarios);
    }

    /** The EVENT lines, without the prefix. */
    static List<String> events(Result r) {
        return r.lines("EVENT ").stream().map(l -> l.substring("EVENT ".length())).toList();
    }

    static SagaHistory journal(Path dataDir) throws IOException {
        try (RecordLog log = SagaJournal.openReadOnly(dataDir)) {
            return SagaHistory.replay(log, true, true);
        }
    }

    @Test
    void threeStepsAndAFailureAreCompensatedInReverseWithTheirArgumentsAndTheOriginalExceptionReachesTheCaller()
            throws IOException {
        Result r = run("saga-trip", POLICY, "trip");
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("threw IllegalStateException: payment declined", r.result("trip"), r::toString);
        assertEquals(List.of(
                "reserveSeat LH400 2 step=s1.1 agent=airline",
                "bookRoom Ritz Stay[guest=Ada, nights=3] step=s1.2",
                "rent VW Golf step=s1.3",
                "returnCar VW Golf step=s1.3",
                "cancelRoom Ritz Stay[guest=Ada, nights=3] step=s1.2",
                "cancelSeat LH400 2 PNR-LH400 step=s1.1 agent=airline"), events(r));
        SagaView saga = journal(r.dataDir()).saga("s1");
        assertEquals(SagaHistory.State.COMPENSATED, saga.state());
        assertEquals("trip", saga.name());
        assertEquals(3, saga.steps().size());
        assertEquals(List.of("LH400", 2L), saga.records().get(1).get("args"));
        assertEquals("airline", saga.step("s1.1").agent());
        assertEquals(1, AuditRecords.ofType(r.dataDir(), "saga.begin").size());
        assertEquals(3, AuditRecords.ofType(r.dataDir(), "saga.step.done").size());
        assertEquals(3, AuditRecords.ofType(r.dataDir(), "saga.compensated").size());
        assertEquals("compensated", AuditRecords.ofType(r.dataDir(), "saga.end").get(0).get("outcome"));
    }

    @Test
    void aCompensationThatFailsTwiceIsRetriedAndThenSucceeds() throws IOException {
        Result r = run("saga-flaky", POLICY, "restock");
        assertEquals("threw IllegalStateException: supplier gone", r.result("restock"), r::toString);
        assertEquals(List.of("reserve sku-1", "unreserve sku-1 failed", "unreserve sku-1 failed", "unreserve sku-1"), events(r));
        SagaView saga = journal(r.dataDir()).saga("s1");
        assertEquals(SagaHistory.State.COMPENSATED, saga.state());
        assertEquals(3, saga.step("s1.1").attempts());
        assertEquals(2, AuditRecords.ofType(r.dataDir(), "saga.compensation.failed").size());
        assertTrue(r.output().contains("failed (attempt 1 of 4, retrying in 10 ms)"), r::toString);
    }

    @Test
    void aCompensationThatAlwaysFailsEscalatesTheSagaAndTheAgentIsLiable() throws IOException {
        Result r = run("saga-escalate", POLICY, "delivery");
        assertEquals("threw IllegalStateException: address unknown | suppressed CompensationFailedException saga=s1"
                + " step=s1.2 method=com.acme.saga.Courier#recall(String) attempts=4 cause=parcel already delivered",
                r.result("delivery"), r::toString);
        assertEquals(List.of("bookRoom Inn Stay[guest=Bob, nights=1] step=s1.1", "dispatch parcel-9",
                "recall parcel-9 failed", "recall parcel-9 failed", "recall parcel-9 failed", "recall parcel-9 failed",
                "cancelRoom Inn Stay[guest=Bob, nights=1] step=s1.1"), events(r), "the earlier step is still compensated");
        assertEquals(SagaHistory.State.ESCALATED, journal(r.dataDir()).saga("s1").state());
        List<Map<String, Object>> escalated = AuditRecords.ofType(r.dataDir(), "saga.escalated");
        assertEquals(1, escalated.size());
        assertEquals("courier", escalated.get(0).get("agent"));
        List<Map<String, Object>> liable = AuditRecords.ofType(r.dataDir(), "saga.liability");
        assertEquals(1, liable.size(), "the liability hook was called for the step's agent");
        assertEquals("courier", liable.get(0).get("agent"));
        assertEquals("s1.2", liable.get(0).get("step"));
        assertTrue(r.output().contains("is ESCALATED"), r::toString);
        // The step's agent is the actor: liability.anomalies.compensationFailure (default 1.0) slashes it to 0.
        List<Map<String, Object>> slashes = AuditRecords.ofType(r.dataDir(), "trust.slashed");
        assertTrue(slashes.stream().anyMatch(s -> "courier".equals(s.get("agent"))), slashes::toString);
        assertEquals(0.0, Double.parseDouble(r.result("courier-trust")), r::toString);
    }

    @Test
    void anExceptionHandledInsideTheSagaCompensatesNothing() throws IOException {
        Result r = run("saga-handled", POLICY, "handled");
        assertEquals("returned", r.result("handled"), r::toString);
        assertEquals(List.of("reserveSeat AF1 1 step=s1.1 agent=airline", "bookRoom Hilton Stay[guest=Cy, nights=2] step=s1.2",
                "handled no vacancy", "returned ok"), events(r));
        SagaHistory history = journal(r.dataDir());
        assertEquals(1, history.sagas().size(), "the inner boundary joined the outer saga");
        assertEquals(SagaHistory.State.COMPLETED, history.saga("s1").state());
    }

    @Test
    void stepsOnExecutorThreadsAreCompensated() {
        Result r = run("saga-parallel", POLICY, "parallel");
        assertEquals("threw IllegalStateException: visa refused", r.result("parallel"), r::toString);
        assertEquals(List.of("reserveSeat BA7 1 step=s1.1 agent=airline", "bookRoom Savoy Stay[guest=Di, nights=4] step=s1.2",
                "cancelRoom Savoy Stay[guest=Di, nights=4] step=s1.2", "cancelSeat BA7 1 PNR-BA7 step=s1.1 agent=airline"),
                events(r));
    }

    @Test
    void aStepWhoseCompensationIsBrokenIsRefusedInsideASagaAndRunsOutsideOne() {
        Result r = run("saga-broken", POLICY, "broken");
        assertTrue(r.result("broken").startsWith("threw CallRefusedException: com.acme.saga.Broken#something(String) is a"
                + " compensable step whose compensation is broken"), r::toString);
        assertTrue(r.result("broken").contains("no compensation method undoSomething(String)"), r::toString);
        assertEquals(List.of("something outside"), events(r));
    }

    @Test
    void aCompensationRunsWithThePrivilegesItsStepHadAfterADemotion() throws Exception {
        Path dir = ChildJvm.freshWorkDir("saga-demoted");
        ChildJvm.write(dir, "policy.yaml", POLICY);
        ChildJvm jvm = ChildJvm.withAgent("policy=policy.yaml,watch=true").in(dir).timeout(120);
        Process process = jvm.start("com.acme.saga.SagaApp", "approval");
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line; (line = out.readLine()) != null; ) {
            seen.append(line).append('\n');
            if (line.equals("READY")) {
                break;
            }
        }
        assertTrue(seen.toString().contains("RESULT granted-before 1"), seen::toString);
        ChildJvm.write(dir, "policy.yaml", POLICY.replace("ring: 1", "ring: 3"));
        for (String line; (line = out.readLine()) != null; ) {
            seen.append(line).append('\n');
        }
        Result r = jvm.await(process);
        String all = seen + r.stderr();
        assertEquals(0, r.exitCode(), all);
        assertTrue(all.contains("RESULT ring-after 3"), all);
        assertTrue(all.contains("EVENT revoke r-1"), "the compensation ran with the step's ring 1:\n" + all);
        assertTrue(all.contains("RESULT approval threw IllegalStateException: approval withdrawn\n"), all);
        assertTrue(all.contains("RESULT revoke-now threw RingViolationException: agent 'clerk'"),
                "the demotion is real: the clerk itself may no longer call it\n" + all);
    }

    @Test
    void aJvmHaltedAfterTwoStepsIsRecoveredAtTheNextStartInReverse() throws IOException {
        Path dir = ChildJvm.freshWorkDir("saga-crash");
        Result crashed = runIn(dir, POLICY, "crash");
        assertEquals(3, crashed.exitCode(), crashed::toString);
        assertEquals(List.of("reserveSeat UA9 3 step=s1.1 agent=airline", "bookRoom Plaza Stay[guest=Eve, nights=5] step=s1.2",
                "halting"), events(crashed));
        assertEquals(SagaHistory.State.RUNNING, journal(crashed.dataDir()).saga("s1").state());

        Result restarted = runIn(dir, POLICY, "noop");
        assertEquals(0, restarted.exitCode(), restarted::toString);
        assertEquals(List.of("cancelRoom Plaza Stay[guest=Eve, nights=5] step=s1.2",
                "cancelSeat UA9 3 PNR-UA9 step=s1.1 agent=airline"), events(restarted));
        assertTrue(restarted.stdout().indexOf("EVENT cancelSeat") < restarted.stdout().indexOf("RESULT main started"),
                "recovered before main:\n" + restarted);
        SagaView saga = journal(restarted.dataDir()).saga("s1");
        assertEquals(SagaHistory.State.COMPENSATED, saga.state(), "the journal shows the saga ended");
        assertEquals(1, AuditRecords.ofType(restarted.dataDir(), "saga.recovery").size());

        Result again = runIn(dir, POLICY, "noop");
        assertEquals(List.of(), events(again), "a recovered saga is never compensated twice");
    }

    @Test
    void aSagaWhoseInstanceNeedsAFactoryIsRecoveredWhenMainRegistersIt() throws IOException {
        Path dir = ChildJvm.freshWorkDir("saga-factory");
        Result crashed = runIn(dir, POLICY, "crash-safe");
        assertEquals(3, crashed.exitCode(), crashed::toString);
        Result restarted = runIn(dir, POLICY, "register-safe");
        assertEquals(0, restarted.exitCode(), restarted::toString);
        assertTrue(restarted.output().contains("cannot be recovered yet"), restarted::toString);
        assertTrue(restarted.output().contains("Hypervisor.registerFactory(Safe.class, ...)"), restarted::toString);
        String out = restarted.stdout();
        assertTrue(out.indexOf("RESULT before-factory") < out.indexOf("EVENT factory unlock box-7 step=s1.2")
                && out.indexOf("EVENT factory unlock box-7") < out.indexOf("EVENT cancelSeat KL2 1 PNR-KL2 step=s1.1")
                && out.indexOf("EVENT cancelSeat KL2") < out.indexOf("RESULT after-factory"),
                "nothing compensated before the factory arrived, then both in reverse:\n" + restarted);
        assertEquals(SagaHistory.State.COMPENSATED, journal(restarted.dataDir()).saga("s1").state());
        assertEquals("factory", AuditRecords.ofType(restarted.dataDir(), "saga.recovery").get(0).get("trigger"));
        assertEquals(1, AuditRecords.ofType(restarted.dataDir(), "saga.recovery.deferred").size());
    }

    @Test
    void aJournalWithATornLastRecordIsReportedAndRecoveredWithNothingLostBeforeIt() throws IOException {
        Path dir = ChildJvm.freshWorkDir("saga-torn");
        Result crashed = runIn(dir, POLICY, "crash");
        assertEquals(3, crashed.exitCode(), crashed::toString);
        Path segment = segment(crashed.dataDir());
        byte[] intact = Files.readAllBytes(segment);
        try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
            raf.seek(intact.length);
            raf.write(new byte[] {0, 0, 1, 0, 7, 7, 7, 7, 9}); // the start of a record the halt cut short
        }
        Result restarted = runIn(dir, POLICY, "noop");
        assertEquals(0, restarted.exitCode(), restarted::toString);
        assertTrue(restarted.output().contains("cut a torn tail of 9 bytes"), restarted::toString);
        List<Map<String, Object>> cut = AuditRecords.ofType(restarted.dataDir(), "saga.journal.tail-cut");
        assertEquals(1, cut.size());
        assertEquals(9L, cut.get(0).get("bytesCut"));
        assertEquals(List.of("cancelRoom Plaza Stay[guest=Eve, nights=5] step=s1.2",
                "cancelSeat UA9 3 PNR-UA9 step=s1.1 agent=airline"), events(restarted));
        assertEquals(SagaHistory.State.COMPENSATED, journal(restarted.dataDir()).saga("s1").state());
        byte[] after = Files.readAllBytes(segment);
        assertTrue(java.util.Arrays.equals(intact, java.util.Arrays.copyOf(after, intact.length)),
                "nothing before the tear was lost or changed");
    }

    @Test
    void aCorruptJournalStopsTheJvmBeforeMainAndIsNotRewritten() throws IOException {
        Path dir = ChildJvm.freshWorkDir("saga-corrupt");
        Result crashed = runIn(dir, POLICY, "crash");
        Path segment = segment(crashed.dataDir());
        byte[] bytes = Files.readAllBytes(segment);
        bytes[50] ^= 0x01;
        Files.write(segment, bytes);
        Result refused = runIn(dir, POLICY, "noop");
        assertEquals(1, refused.exitCode(), refused::toString);
        assertTrue(refused.stderr().contains("saga journal"), refused::toString);
        assertTrue(refused.stderr().contains("is corrupt"), refused::toString);
        assertFalse(refused.stdout().contains("RESULT main"), refused::toString);
        assertTrue(java.util.Arrays.equals(bytes, Files.readAllBytes(segment)), "never rewritten");
    }

    // ---------------------------------------------------------------- command line

    @Test
    void sagaListShowAndRecoverFromTheCommandLine() throws Exception {
        Path dir = ChildJvm.freshWorkDir("saga-cli");
        Result trip = runIn(dir, POLICY.replace("saga:\n", "saga:\n  recoverOnStart: false\n"), "trip", "crash");
        assertEquals(3, trip.exitCode(), trip::toString);
        Path dataDir = trip.dataDir();
        byte[] before = journalBytes(dataDir);

        Result list = cli(dir, "saga", "list", "--data-dir", dataDir.toString());
        assertEquals(0, list.exitCode(), list::toString);
        assertTrue(list.stdout().lines().anyMatch(l -> l.startsWith("s1") && l.contains("compensated") && l.contains("trip")),
                list::toString);
        assertTrue(list.stdout().lines().anyMatch(l -> l.startsWith("s2") && l.contains("running") && l.contains("doomed")),
                list::toString);
        assertTrue(list.stdout().contains("2 saga(s), 1 unfinished"), list::toString);
        assertTrue(list.stdout().contains("no JVM holds this journal"), list::toString);

        Result unfinished = cli(dir, "saga", "list", "--data-dir", dataDir.toString(), "--state", "unfinished");
        assertTrue(unfinished.stdout().contains("s2") && !unfinished.stdout().contains("s1 "), unfinished::toString);
        Result badState = cli(dir, "saga", "list", "--data-dir", dataDir.toString(), "--state", "sleeping");
        assertEquals(2, badState.exitCode(), badState::toString);

        Result show = cli(dir, "saga", "show", "s1", "--data-dir", dataDir.toString());
        assertEquals(0, show.exitCode(), show::toString);
        assertTrue(show.stdout().contains("saga s1  trip"), show::toString);
        assertTrue(show.stdout().contains("com.acme.saga.Airline#reserveSeat(String, int)"), show::toString);
        assertTrue(show.stdout().contains("arguments    [\"LH400\",2]"), show::toString);
        assertTrue(show.stdout().contains("result       \"PNR-LH400\""), show::toString);
        assertTrue(show.stdout().contains("compensated (1 attempt(s))"), show::toString);
        Result missing = cli(dir, "saga", "show", "s99", "--data-dir", dataDir.toString());
        assertEquals(1, missing.exitCode(), missing::toString);
        assertTrue(java.util.Arrays.equals(before, journalBytes(dataDir)), "read-only commands never modify the journal");

        // While a JVM holds the data directory, offline recovery is refused.
        ChildJvm holder = ChildJvm.withAgent("policy=policy.yaml").in(dir).timeout(120);
        Process running = holder.start("com.acme.saga.SagaApp", "wait");
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(running.getInputStream(), StandardCharsets.UTF_8));
            for (String line; (line = out.readLine()) != null && !line.equals("READY"); ) {
                // wait until it holds the journal
            }
            Result refused = cli(dir, "saga", "recover", "--data-dir", dataDir.toString(), "--classpath",
                    ChildJvm.testClasses());
            assertEquals(2, refused.exitCode(), refused::toString);
            assertTrue(refused.stderr().contains("in use by a running JVM"), refused::toString);
            Result listWhileRunning = cli(dir, "saga", "list", "--data-dir", dataDir.toString());
            assertTrue(listWhileRunning.stdout().contains("a running JVM holds this journal"), listWhileRunning::toString);
        } finally {
            running.getOutputStream().close();
            holder.await(running);
        }

        Result recovered = cli(dir, "saga", "recover", "--data-dir", dataDir.toString(), "--classpath", ChildJvm.testClasses(),
                "--policy", dir.resolve("policy.yaml").toString());
        assertEquals(0, recovered.exitCode(), recovered::toString);
        assertEquals(List.of("cancelRoom Plaza Stay[guest=Eve, nights=5] step=s2.2",
                "cancelSeat UA9 3 PNR-UA9 step=s2.1 agent=airline"), events(recovered));
        assertTrue(recovered.stdout().contains("s2  compensated"), recovered::toString);
        assertEquals(SagaHistory.State.COMPENSATED, journal(dataDir).saga("s2").state());
        assertEquals("cli", AuditRecords.ofType(dataDir, "saga.recovery").get(0).get("trigger"));

        Result nothingLeft = cli(dir, "saga", "recover", "--data-dir", dataDir.toString(), "--classpath", ChildJvm.testClasses());
        assertEquals(0, nothingLeft.exitCode(), nothingLeft::toString);
        assertTrue(nothingLeft.stdout().contains("no unfinished saga"), nothingLeft::toString);

        Result help = cli(dir, "saga", "recover", "--help");
        assertEquals(0, help.exitCode(), help::toString);
        assertTrue(help.stdout().contains("--classpath"), help::toString);
        Result usage = cli(dir, "saga", "recover", "--data-dir", dataDir.toString());
        assertEquals(2, usage.exitCode(), usage::toString);
    }

    /**
     * {@code java -jar agent-hypervisor.jar args...} in {@code dir}, the way an operator runs it: the
     * application's classes are only on {@code --classpath}.
     */
    static Result cli(Path dir, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of(ChildJvm.javaBinary(), "-jar", ChildJvm.agentJar()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).start();
            var out = ChildJvm.drain(p.getInputStream());
            var err = ChildJvm.drain(p.getErrorStream());
            if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("the command line did not finish: " + command);
            }
            return new Result(p.exitValue(), out.get(), err.get(), dir);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Path segment(Path dataDir) throws IOException {
        try (Stream<Path> files = Files.list(SagaJournal.directory(dataDir))) {
            return files.filter(p -> p.toString().endsWith(".seg")).sorted().reduce((a, b) -> b).orElseThrow();
        }
    }

    static byte[] journalBytes(Path dataDir) throws IOException {
        return Files.readAllBytes(segment(dataDir));
    }

}
