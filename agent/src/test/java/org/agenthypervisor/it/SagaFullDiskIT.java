package org.agenthypervisor.it;

import org.agenthypervisor.core.saga.SagaHistory;
import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12's resources case for the saga journal: sagas on four threads under a file-size limit the
 * journal (and the audit log) soon cannot write past. New sagas are refused with a clear reason once
 * the journal fails (never run unjournaled); sagas in flight end in memory. When space returns the
 * next start opens, recovers what it can and holds, without compensating, any saga whose end the
 * journal lost but the audit log recorded (it used to refuse to start at all). Checked against the
 * side effects: no step compensated twice, no compensation of a step that never ran, no step of a
 * completed saga compensated.
 */
class SagaFullDiskIT {
    @Test
    void aJournalThatFillsUpRefusesNewSagasAndTheNextStartRecoversOnceSpaceReturns() throws Exception {
        Path dir = ChildJvm.freshWorkDir("saga-full-disk");
        ChildJvm.write(dir, "policy.yaml", CrashRecoveryIT.policy("fsync"));
        Result full = ChildJvm.withAgent("policy=policy.yaml").in(dir).timeout(180)
                .underShell("trap '' XFSZ; ulimit -f 64; exec \"$@\"")
                .run("com.acme.reliability.CrashApp", "run", "1", "400");
        assertEquals(0, full.exitCode(), full::toString);
        assertTrue(full.stdout().contains("DONE"), "no hang: " + full);
        assertTrue(full.stderr().contains("cannot begin: its begin record could not be journaled")
                && full.stderr().contains("is refused rather than run without a journal"), full::toString);
        assertTrue(full.stderr().contains("File too large"), full::toString);

        Result again = ChildJvm.withAgent("policy=policy.yaml").in(dir).timeout(180)
                .run("com.acme.reliability.CrashApp", "recover");
        assertEquals(0, again.exitCode(), "the start after space returned: " + again);
        assertTrue(again.stdout().contains("MAIN"), again::toString);
        assertFalse(again.stderr().contains("Exception in thread"), again::toString);

        SagaHistory history = SagaIT.journal(again.dataDir());
        assertFalse(history.tampered(), "a full disk is not tampering");
        List<Map<String, Object>> heldRecords = AuditRecords.ofType(again.dataDir(), "saga.held");
        Set<String> held = new HashSet<>();
        for (Map<String, Object> r : heldRecords) {
            for (Object id : (List<?>) r.get("sagas")) {
                held.add(String.valueOf(id));
            }
        }
        List<String> unfinished = new ArrayList<>();
        for (SagaHistory.SagaView s : history.unfinished()) {
            unfinished.add(s.id());
        }
        assertTrue(held.containsAll(unfinished), "every saga left unfinished is one held for an operator: unfinished "
                + unfinished + ", held " + held);
        if (!held.isEmpty()) {
            assertTrue(again.stderr().contains("SAGA JOURNAL LOST RECORDS"), again::toString);
        }

        CrashRecoveryIT.Effects effects = CrashRecoveryIT.effects(dir);
        List<String> violations = new ArrayList<>();
        for (Map.Entry<String, Integer> undone : effects.undone().entrySet()) {
            if (!effects.done().containsKey(undone.getKey())) {
                violations.add(undone.getKey() + " compensated but never ran");
            }
            if (undone.getValue() > 1) {
                violations.add(undone.getKey() + " compensated " + undone.getValue() + " times");
            }
        }
        int stepsOfCompleted = 0;
        for (SagaHistory.SagaView s : history.sagas()) {
            if (s.state() == SagaHistory.State.COMPLETED) {
                for (SagaHistory.StepView step : s.steps()) {
                    stepsOfCompleted++;
                    if (effects.undone().containsKey(step.id())) {
                        violations.add(step.id() + " of completed saga " + s.id() + " was compensated");
                    }
                }
            }
        }
        assertTrue(stepsOfCompleted > 0 && !effects.done().isEmpty(), "the run exercised nothing: " + effects);
        assertEquals(List.of(), violations, () -> "effects " + effects + "\n" + again);
    }
}
