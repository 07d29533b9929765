package org.agenthypervisor.it;

import org.agenthypervisor.core.saga.SagaHistory;
import org.agenthypervisor.core.saga.SagaHistory.CompensationStatus;
import org.agenthypervisor.core.saga.SagaHistory.SagaView;
import org.agenthypervisor.core.saga.SagaHistory.StepStatus;
import org.agenthypervisor.core.saga.SagaHistory.StepView;
import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12's crash suite: the saga application of {@code com.acme.reliability} is killed with
 * {@code kill -9} at random points (while sagas run and roll back on four threads, and while the
 * next start recovers them), restarted, and finally recovered to the end; then the journal is
 * checked against the side effects the application wrote:
 * <ul>
 *   <li>every step that ran, in a saga that did not complete, was compensated exactly once
 *       (compensations are idempotent by step id, as they must be: a rerun after a crash
 *       finds its effect done), or is reported in doubt (escalated);</li>
 *   <li>no step of a completed saga was compensated, and no compensation ran for a step that
 *       never ran;</li>
 *   <li>the journal opens, every saga is finished, nothing is reported as tampering.</li>
 * </ul>
 * The short form ({@value #SHORT_FORM_KILLS} kills) runs in {@code mvn verify}; the long form is
 * {@code -Dreliability.kills=120} (or {@code RELIABILITY_KILLS=120}) and prints the figures that
 * {@code docs/reliability.md} records. {@code fsync} and {@code batch} lose nothing to a JVM
 * crash and are held to every invariant; {@code none} may lose its last queued records (its
 * documented window), so there only the journal's health is asserted and the loss is counted.
 */
class CrashRecoveryIT {
    private static final int SHORT_FORM_KILLS = 9;
    private static final List<String> MODES = List.of("fsync", "batch", "none");

    private static int kills() {
        String value = System.getProperty("reliability.kills", System.getenv("RELIABILITY_KILLS"));
        return value == null || value.isBlank() ? SHORT_FORM_KILLS : Integer.parseInt(value.trim());
    }

    static String policy(String mode) {
        return """
                version: 1
                saga:
                  durability: %s
                  retries: 1
                  backoff: 1ms
                  maxBackoff: 2ms
                """.formatted(mode);
    }

    /** What happened to one mode's data directory. */
    private static final class Tally {
        int kills;
        int killedBeforeMain;
        int killedWhileRecovering;
        int runsFinishedBeforeTheKill;
    }

    @Test
    void killedAtRandomPointsAndRestartedEveryStepThatRanIsCompensatedOnceOrReportedInDoubt() throws Exception {
        int kills = kills();
        long seed = Long.getLong("reliability.seed", 20261205L);
        Random random = new Random(seed);
        Map<String, Path> dirs = new LinkedHashMap<>();
        Map<String, Tally> tallies = new LinkedHashMap<>();
        for (String mode : MODES) {
            Path dir = ChildJvm.freshWorkDir("crash-" + mode);
            ChildJvm.write(dir, "policy.yaml", policy(mode));
            dirs.put(mode, dir);
            tallies.put(mode, new Tally());
        }
        for (int run = 1; run <= kills; run++) {
            String mode = MODES.get((run - 1) % MODES.size());
            Path dir = dirs.get(mode);
            Tally tally = tallies.get(mode);
            // A third of the kills aim at the start's recovery of what the last kill left: the first compensation
            // this run writes, before main. The others land while sagas run and roll back, 0.1 to 2.5 s into main.
            boolean aimAtRecovery = random.nextInt(3) == 0;
            long delay = 100 + random.nextInt(2400);
            String marker = " run=" + run;
            ChildJvm jvm = ChildJvm.withAgent("policy=policy.yaml").in(dir).jvmArg("-Dcrash.run=" + run);
            Process process = jvm.start("com.acme.reliability.CrashApp", "run", Long.toString(seed + run), "1000000");
            StringBuilder out = new StringBuilder();
            Thread reader = drain(process.getInputStream(), out);
            Thread errors = drain(process.getErrorStream(), new StringBuilder());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            long mainAt = 0;
            boolean recovering = false;
            while (process.isAlive() && System.nanoTime() < deadline) {
                boolean inMain;
                synchronized (out) {
                    inMain = out.indexOf("MAIN") >= 0;
                }
                if (!inMain && aimAtRecovery && compensatedIn(dir, marker)) {
                    recovering = true;
                    Thread.sleep(random.nextInt(40));
                    break;
                }
                if (inMain && mainAt == 0) {
                    mainAt = System.nanoTime();
                }
                if (mainAt != 0 && System.nanoTime() - mainAt >= TimeUnit.MILLISECONDS.toNanos(delay)) {
                    break;
                }
                Thread.sleep(5);
            }
            if (!process.isAlive()) {
                tally.runsFinishedBeforeTheKill++;
            } else {
                process.destroyForcibly(); // SIGKILL
                assertTrue(process.waitFor(60, TimeUnit.SECONDS));
                tally.kills++;
                reader.join(10_000);
                synchronized (out) {
                    if (out.indexOf("MAIN") < 0) {
                        tally.killedBeforeMain++;
                        if (recovering) {
                            tally.killedWhileRecovering++;
                        }
                    }
                }
            }
            errors.join(10_000);
        }
        List<String> report = new ArrayList<>();
        int violations = 0;
        for (String mode : MODES) {
            Path dir = dirs.get(mode);
            Result last = ChildJvm.withAgent("policy=policy.yaml").in(dir).jvmArg("-Dcrash.run=final").timeout(300)
                    .run("com.acme.reliability.CrashApp", "recover");
            assertEquals(0, last.exitCode(), last::toString);
            assertTrue(last.stdout().contains("MAIN"), last::toString);
            assertFalse(last.stderr().contains("Exception in thread"), last::toString);
            SagaHistory history = SagaIT.journal(last.dataDir());
            assertFalse(history.tampered(), () -> mode + ": a crash is not tampering: " + history.unauthenticated());
            assertTrue(history.unfinished().isEmpty(), () -> mode + ": unfinished after recovery: " + history.unfinished());
            Check check = check(history, effects(dir), !mode.equals("none"));
            Tally t = tallies.get(mode);
            report.add(mode + ": " + t.kills + " kills (" + t.killedBeforeMain + " before main, " + t.killedWhileRecovering
                    + " while recovering), " + t.runsFinishedBeforeTheKill + " run(s) ended before their kill; " + check);
            if (!mode.equals("none")) {
                violations += check.violations.size();
                assertTrue(check.stepsRun() > 0 && check.compensated() > 0, () -> mode + " exercised nothing: " + check);
            }
        }
        System.out.println("CRASH SUITE seed " + seed + ", " + kills + " kills\n  " + String.join("\n  ", report));
        assertEquals(0, violations, () -> String.join("\n", report));
        int total = 0;
        for (Tally t : tallies.values()) {
            total += t.kills;
        }
        assertTrue(total >= kills * 2 / 3, () -> "most runs were killed, not finished: " + report);
    }

    /** What the journal and the effects agree on, and where they do not. */
    record Check(int sagas, int stepsRun, int compensated, int inDoubt, int reruns, int lostToDurability,
                         List<String> violations) {
        @Override
        public String toString() {
            return sagas + " sagas, " + stepsRun + " steps ran, " + compensated + " compensated once, " + inDoubt
                    + " in doubt (escalated), " + reruns + " compensation reruns absorbed by idempotency, " + lostToDurability
                    + " steps whose records the durability mode lost, " + violations.size() + " violation(s)"
                    + (violations.isEmpty() ? "" : ": " + violations.subList(0, Math.min(10, violations.size())));
        }
    }

    static Check check(SagaHistory history, Effects effects, boolean strict) {
        Map<String, SagaView> sagas = new TreeMap<>();
        for (SagaView saga : history.sagas()) {
            sagas.put(saga.id(), saga);
        }
        List<String> violations = new ArrayList<>();
        int compensated = 0;
        int inDoubt = 0;
        int lost = 0;
        for (Map.Entry<String, Integer> done : effects.done.entrySet()) {
            String step = done.getKey();
            int undone = effects.undone.getOrDefault(step, 0);
            if (done.getValue() > 1) {
                violations.add(step + " ran " + done.getValue() + " times (a reused step id)");
            }
            SagaView saga = sagas.get(step.substring(0, step.lastIndexOf('.')));
            StepView view = saga == null ? null : saga.step(step);
            if (view == null) {
                lost++;
                if (strict) {
                    violations.add(step + " ran but the journal has no record of it");
                }
                continue;
            }
            if (saga.state() == SagaHistory.State.COMPLETED) {
                if (undone != 0) {
                    violations.add(step + " of completed saga " + saga.id() + " was compensated");
                }
            } else if (view.status() == StepStatus.DONE) {
                if (view.compensation() == CompensationStatus.COMPENSATED && undone == 1) {
                    compensated++;
                } else {
                    violations.add(step + " (done, saga " + saga.state().label() + ") compensation " + view.compensation()
                            + ", undone " + undone + " time(s)");
                }
            } else if (view.status() == StepStatus.STARTED) {
                // It ran, but the crash came before its outcome was journaled: in doubt, reported, never guessed.
                if (view.compensation() == CompensationStatus.ESCALATED && undone == 0) {
                    inDoubt++;
                } else {
                    violations.add(step + " in doubt: compensation " + view.compensation() + ", undone " + undone + " time(s)");
                }
            } else {
                violations.add(step + " ran but is journaled " + view.status());
            }
        }
        for (String step : effects.undone.keySet()) {
            if (!effects.done.containsKey(step)) {
                violations.add(step + " was compensated but never ran");
            }
        }
        for (Map.Entry<String, Integer> undone : effects.undone.entrySet()) {
            if (undone.getValue() > 1) {
                violations.add(undone.getKey() + " compensated " + undone.getValue() + " times");
            }
        }
        return new Check(sagas.size(), effects.done.size(), compensated, inDoubt, effects.reruns, lost, violations);
    }

    /** The side effects by step id: how often each ran and was undone. */
    record Effects(Map<String, Integer> done, Map<String, Integer> undone, int reruns) {
    }

    static Effects effects(Path dir) throws IOException {
        Map<String, Integer> done = new TreeMap<>();
        Map<String, Integer> undone = new TreeMap<>();
        int reruns = 0;
        Path file = dir.resolve("effects.log");
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] parts = line.split(" ");
                if (parts.length < 2) {
                    continue; // cannot happen for single short appends; counted by the checks if it did
                }
                switch (parts[0]) {
                    case "DO" -> done.merge(parts[1], 1, Integer::sum);
                    case "UNDO" -> undone.merge(parts[1], 1, Integer::sum);
                    case "RERUN" -> reruns++;
                    default -> throw new AssertionError("unexpected effects line: " + line);
                }
            }
        }
        return new Effects(done, undone, reruns);
    }

    /** Whether a compensation of this run is in the effects already. */
    private static boolean compensatedIn(Path dir, String marker) throws IOException {
        Path file = dir.resolve("effects.log");
        if (!Files.exists(file)) {
            return false;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.endsWith(marker) && (line.startsWith("UNDO ") || line.startsWith("RERUN "))) {
                return true;
            }
        }
        return false;
    }

    private static Thread drain(InputStream in, StringBuilder into) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    synchronized (into) {
                        into.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                    }
                }
            } catch (IOException closed) {
                // the process died
            }
        });
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
