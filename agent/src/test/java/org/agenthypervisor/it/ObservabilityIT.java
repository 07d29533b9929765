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
