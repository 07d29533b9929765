package org.agenthypervisor.it;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SPEC §9: Flight Recorder events and the JMX MXBean. */
class ObservabilityIT {
    @Test
    void denialsAreFlightRecorderEvents() throws Exception {
        Path dir = ChildJvm.freshWorkDir("jfr");
        ChildJvm.write(dir, "policy.yaml", RingsIT.DESK_POLICY);
        Result r = ChildJvm.withAgent("policy=policy.yaml").in(dir)
                .jvmArg("-XX:StartFlightRecording=filename=" + dir.resolve("run.jfr") + ",settings=default")
                .run("com.acme.desk.DeskApp", "support->ledger");
        assertEquals(0, r.exitCode(), r::toString);
        List<RecordedEvent> denials = RecordingFile.readAllEvents(dir.resolve("run.jfr")).stream()
                .filter(e -> e.getEventType().getName().equals("org.agenthypervisor.RingDenied")).toList();
        assertEquals(1, denials.size());
        RecordedEvent denial = denials.get(0);
        assertEquals("support", denial.getString("agent"));
        assertEquals("com.acme.desk.Ledger#rawSql(String)", denial.getString("method"));
        assertEquals(3, denial.getInt("effectiveRing"));
        assertEquals(0, denial.getInt("requiredRing"));
        assertTrue(denial.getBoolean("enforced"));
    }

    private static List<RecordedEvent> recordedEvents(Path jfr, String type) throws Exception {
        return RecordingFile.readAllEvents(jfr).stream().filter(e -> e.getEventType().getName().equals(type)).toList();
    }

    @Test
    void refusalsSlashesAndSagaTransitionsAreFlightRecorderEventsToo() throws Exception {
        Path dir = ChildJvm.freshWorkDir("jfr-all");
        ChildJvm.write(dir, "policy.yaml", RingsIT.DESK_POLICY + "liability:\n  ringViolationSeverity: 1\n");
        // A denial slashes support to 0 (the fixed severity; graded, one denial costs 5 %); then the ledger
        // refuses support's hand-off.
        Result desk = ChildJvm.withAgent("policy=policy.yaml").in(dir)
                .jvmArg("-XX:StartFlightRecording=filename=" + dir.resolve("desk.jfr") + ",settings=default")
                .run("com.acme.desk.DeskApp", "support->ledger", "support-reconcile");
        assertEquals(0, desk.exitCode(), desk::toString);
        assertTrue(desk.result("support-reconcile").startsWith("denied:UntrustedHandoffException"), desk::toString);
        List<RecordedEvent> slashes = recordedEvents(dir.resolve("desk.jfr"), "org.agenthypervisor.Slashed");
        assertTrue(slashes.stream().anyMatch(e -> "support".equals(e.getString("agent")) && e.getDouble("after") == 0.0),
                slashes::toString);
        List<RecordedEvent> refusals = recordedEvents(dir.resolve("desk.jfr"), "org.agenthypervisor.HandoffRefused");
        assertEquals(1, refusals.size(), refusals::toString);
        assertEquals("support", refusals.get(0).getString("sender"));
        assertEquals("ledger", refusals.get(0).getString("receiver"));

        Path sagaDir = ChildJvm.freshWorkDir("jfr-saga");
        ChildJvm.write(sagaDir, "policy.yaml", SagaIT.POLICY);
        Result saga = ChildJvm.withAgent("policy=policy.yaml").in(sagaDir)
                .jvmArg("-XX:StartFlightRecording=filename=" + sagaDir.resolve("saga.jfr") + ",settings=default")
                .run("com.acme.saga.SagaApp", "trip");
        assertEquals(0, saga.exitCode(), saga::toString);
        List<String> states = recordedEvents(sagaDir.resolve("saga.jfr"), "org.agenthypervisor.SagaTransition").stream()
                .map(e -> e.getString("state")).toList();
        assertTrue(states.size() >= 4, states::toString);
        assertTrue(states.stream().anyMatch(s -> s.contains("compensated")), states::toString);
    }

    @Test
    void theMxBeanShowsModeCountersRingsTrustAndPolicy() {
        Result r = RingsIT.runDesk("jmx", RingsIT.DESK_POLICY, "support->ledger", "jmx");
        assertEquals("enforce", r.result("jmx-mode"));
        assertEquals("1", r.result("jmx-denials"));
        assertEquals("2", r.result("jmx-billing-ring"));
        assertEquals("0.9", r.result("jmx-billing-trust"));
        assertEquals("true", r.result("jmx-policy-has-agents"));
    }
}
