package org.agenthypervisor.it;

import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SPEC §5 under the real agent jar: agents sharing a session, its limits, and its commitment. */
class SessionsIT {
    static final String POLICY = """
            version: 1
            agents:
              planner:
                ring: 2
              reviewer:
                ring: 2
              shaky:
                trust: 0.3
            sessions:
              minTrust: 0.5
              keys:
                - key: "ledger.*"
                  readRing: 2
                  writeRing: 1
            audit:
              treeHeadEvery: 5
            """;

    static Result run;

    @BeforeAll
    static void runApp() {
        Path dir = ChildJvm.freshWorkDir("sessions");
        ChildJvm.write(dir, "policy.yaml", POLICY);
        run = ChildJvm.withAgent("policy=policy.yaml").in(dir).run("com.acme.session.SessionApp", "share");
        assertEquals(0, run.exitCode(), run::toString);
    }

    @Test
    void twoAgentsShareTheCaseWithoutPassingIt() {
        String id = run.result("session-id");
        assertEquals(id, run.result("host-current"));
        assertEquals(id, run.result("planner-session"), "Session.current() inside the agent is the host's session");
        assertEquals("refund 42 EUR for order 7", run.result("reviewer-read"), "the reviewer read what the planner wrote");
        assertEquals("allowed:" + id + "|refund 42 EUR for order 7", run.result("reviewer-executor"),
                "the session follows the task into a pool thread");
        assertEquals("allowed:" + id + "|refund 42 EUR for order 7", run.result("host-executor"),
                "a session the host opened follows its tasks into executors too");
        assertEquals(id, run.result("host-thread"), "and into threads it starts");
        assertEquals("approved: refund 40 EUR", run.result("final-case"));
    }

    @Test
    void aStaleCompareAndSetIsRefused() {
        assertEquals("1", run.result("seen-version"));
        assertEquals("2", run.result("amended-version"));
        assertEquals("false", run.result("stale-cas"));
        assertEquals("true", run.result("fresh-cas"));
    }

    @Test
    void aRingProtectedKeyIsRefusedToARing3Agent() {
        String write = run.result("sandbox-ledger-write");
        assertTrue(write.startsWith("denied:RingViolationException:agent 'sandbox' (effective ring 3, granted ring 3"), write);
        assertTrue(write.contains("may not write key 'ledger.balance' of session 'refund-42'"), write);
        assertTrue(write.contains("policy sessions.keys[0] (key: ledger.*, writeRing 1)"), write);
        assertTrue(run.result("sandbox-ledger-read").startsWith("denied:RingViolationException"), run::toString);
        assertEquals("allowed:noted", run.result("sandbox-notes"), "unprotected keys are open to ring 3");
        List<Map<String, Object>> denied = AuditRecords.ofType(run.dataDir(), "session.key-denied");
        assertEquals(2, denied.size());
        assertEquals("sandbox", denied.get(0).get("agent"));
    }

    @Test
    void joiningIsAuditedAndRefusedBelowMinTrust() {
        String shaky = run.result("shaky");
        assertTrue(shaky.startsWith("denied:SessionRefusedException:agent 'shaky' (trust 0.30) may not take part in session 'refund-42'"),
                shaky);
        assertTrue(shaky.contains("sessions.minTrust"), shaky);
        assertEquals("planner,reviewer,sandbox", run.result("participants"));
        List<Map<String, Object>> joined = AuditRecords.ofType(run.dataDir(), "session.joined");
        assertEquals(List.of("planner", "reviewer", "sandbox"), joined.stream().map(r -> r.get("agent")).toList());
        List<Map<String, Object>> refused = AuditRecords.ofType(run.dataDir(), "session.refused");
        assertEquals(1, refused.size());
        assertEquals("shaky", refused.get(0).get("agent"));
        assertEquals("sessions.minTrust", refused.get(0).get("requirement"));
    }

    @Test
    void writesAfterCloseAreRefused() {
        assertEquals("true", run.result("closed"));
        assertEquals("null", run.result("current-after-close"));
        String write = run.result("write-after-close");
        assertTrue(write.startsWith("failed:java.lang.IllegalStateException: session 'refund-42'"), write);
        assertTrue(write.contains("is closed and refuses writes"), write);
        assertTrue(run.result("host-write-after-close").contains("IllegalStateException"), run::toString);
    }

    @Test
    void everyWriteIsADeltaAndTheSessionsRootIsInASignedTreeHead() {
        String id = run.result("session-id");
        List<Map<String, Object>> deltas = AuditRecords.ofType(run.dataDir(), "session.delta");
        // case x3 (put, put, cas), notes, 12 steps; the stale CAS and the refused writes are no deltas.
        assertEquals(16, deltas.size(), deltas::toString);
        for (int i = 0; i < deltas.size(); i++) {
            Map<String, Object> d = deltas.get(i);
            assertEquals(id, d.get("session"));
            assertEquals((long) i + 1, d.get("sequence"));
            assertTrue(((String) d.get("newDigest")).matches("[0-9a-f]{64}"), d::toString);
        }
        assertEquals("planner", deltas.get(0).get("agent"));
        assertEquals("reviewer", deltas.get(2).get("agent"));
        Map<String, Object> closed = AuditRecords.ofType(run.dataDir(), "session.closed").get(0);
        assertEquals(16L, closed.get("deltas"));
        Map<String, Object> head = AuditHeads.read(run.dataDir()).stream()
                .filter(h -> h.get("subject") instanceof Map<?, ?> s && id.equals(s.get("session")))
                .findFirst().orElseThrow(() -> new AssertionError("no tree head signed for the session"));
        assertEquals("session.closed", head.get("reason"));
        assertEquals(closed.get("root"), ((Map<?, ?>) head.get("subject")).get("root"));
        assertTrue((Long) head.get("size") > (Long) closed.get("seq"), "the head covers the session.closed record");

        Result verify = Cli.run(run.workDir(), "audit", "verify");
        assertEquals(0, verify.exitCode(), verify::toString);
        assertTrue(verify.stdout().contains("sessions:          1 closed session(s), delta roots recomputed and matched"),
                verify::toString);
    }
}
