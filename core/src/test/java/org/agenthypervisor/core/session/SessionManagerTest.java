package org.agenthypervisor.core.session;

import org.agenthypervisor.api.RingViolationException;
import org.agenthypervisor.api.Session;
import org.agenthypervisor.api.SessionRefusedException;
import org.agenthypervisor.core.audit.AuditLog;
import org.agenthypervisor.core.audit.AuditVerifier;
import org.agenthypervisor.core.audit.TreeHead;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.ContextCell;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.observe.Counters;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.PolicyParser;
import org.agenthypervisor.core.store.RecordLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionManagerTest {
    static final String POLICY = """
            version: 1
            agents:
              planner:
                ring: 2
              sandbox:
                ring: 3
              shaky:
                trust: 0.3
            sessions:
              minTrust: 0.5
              keys:
                - key: "ledger.*"
                  readRing: 2
                  writeRing: 1
              named:
                - name: "solo-*"
                  maxParticipants: 1
            """;

    @TempDir
    Path data;

    AuditLog audit;
    Principals principals;
    SessionManager sessions;
    Context host;

    void start() throws Exception {
        Policy policy = PolicyParser.parse(POLICY, "p.yaml");
        audit = AuditLog.open(data, policy.audit());
        principals = new Principals(policy);
        sessions = new SessionManager(policy, principals, audit, new Counters());
        host = Context.of(principals.host());
    }

    @AfterEach
    void resetThread() {
        ContextCell cell = ContextCell.peek();
        if (cell != null) {
            cell.set(host);
        }
    }

    List<Map<String, Object>> records() throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        try (RecordLog log = RecordLog.open(data.resolve("audit"), "audit", RecordLog.Options.defaults().withReadOnly(true))) {
            log.forEach(0, r -> {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) CanonicalJson.parse(r.payload());
                out.add(m);
            });
        }
        return out;
    }

    @Test
    void stateVersionsCompareAndSetAndTheCommittedRoot() throws Exception {
        start();
        Session s = sessions.open(host, "case-1");
        assertSame(s, sessions.current(ContextCell.peek().get()), "bound to the calling thread's context");
        assertEquals(1, s.state().put("case", "refund 42"));
        assertEquals("refund 42", s.state().get("case"));
        assertEquals(1, s.state().version("case"));
        assertFalse(s.state().compareAndSet("case", 0, "stale"), "a stale compare-and-set is refused");
        assertTrue(s.state().compareAndSet("case", 1, "refund 43"));
        assertEquals(2, s.state().version("case"));
        assertTrue(s.state().compareAndSet("new", 0, "created"));
        assertEquals(java.util.Set.of("case", "new"), s.state().keys());
        s.close();
        assertNull(sessions.current(ContextCell.peek().get()), "closing restores the previous slot");
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> s.state().put("case", "late"));
        assertTrue(closed.getMessage().contains("closed and refuses writes"), closed.getMessage());
        assertEquals("refund 43", s.state().get("case"), "reads still work");
        audit.close();

        List<Map<String, Object>> deltas = records().stream().filter(r -> "session.delta".equals(r.get("type"))).toList();
        assertEquals(3, deltas.size());
        assertEquals(1L, deltas.get(0).get("sequence"));
        assertEquals("host", deltas.get(0).get("agent"));
        assertNull(deltas.get(0).get("oldDigest"));
        assertEquals(deltas.get(0).get("newDigest"), deltas.get(1).get("oldDigest"));
        Map<String, Object> closedRecord = records().stream().filter(r -> "session.closed".equals(r.get("type"))).findFirst().orElseThrow();
        assertEquals(3L, closedRecord.get("deltas"));
        List<TreeHead> heads = AuditVerifier.readHeads(data.resolve("audit"));
        TreeHead sessionHead = heads.stream().filter(h -> s.id().equals(h.sessionId())).findFirst().orElseThrow();
        assertEquals(closedRecord.get("root"), sessionHead.subject().get("root"), "the session's root is in a signed head");
        assertTrue(sessionHead.size() > (Long) closedRecord.get("seq"), "the head covers the session.closed record");
        AuditVerifier.Report report = AuditVerifier.verify(data.resolve("audit"),
                KeyDirectory.openReadOnly(data.resolve("keys")).publicKey("hypervisor").orElseThrow());
        assertTrue(report.ok(), () -> report.failure().message());
        assertEquals(1, report.sessions());
    }

    /** Issue 12: a session write the audit log refuses to record (onWriteFailure: deny) changes nothing. */
    @Test
    void aWriteTheAuditTrailRefusesLeavesTheSessionUnchanged() throws Exception {
        Policy policy = PolicyParser.parse(POLICY, "p.yaml");
        principals = new Principals(policy);
        host = Context.of(principals.host());
        boolean[] refusing = {false};
        org.agenthypervisor.core.audit.AuditTrail trail = new org.agenthypervisor.core.audit.AuditTrail() {
            @Override
            public void record(String type, Map<String, Object> fields) {
                if (refusing[0]) {
                    throw new org.agenthypervisor.core.audit.AuditUnavailableException("'" + type + "' cannot be audited", null);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        sessions = new SessionManager(policy, principals, trail, new Counters());
        Session s = sessions.open(host, "case-2");
        assertEquals(1, s.state().put("case", "refund 42"));
        refusing[0] = true;
        SecurityException refused = assertThrows(SecurityException.class, () -> s.state().put("case", "refund 43"));
        assertTrue(refused.getMessage().contains("'session.delta' cannot be audited"), refused.getMessage());
        assertEquals("refund 42", s.state().get("case"), "the refused write was not applied");
        assertEquals(1, s.state().version("case"));
        refusing[0] = false;
        assertEquals(2, s.state().put("case", "refund 43"), "the refused write took no version");
    }

    @Test
    void aSessionLeftOpenAtShutdownIsRecordedNotCommitted() throws Exception {
        start();
        Session s = sessions.open(host, "forgotten");
        s.state().put("k", "v");
        sessions.close();
        audit.close();
        List<Map<String, Object>> left = records().stream().filter(r -> "session.left-open".equals(r.get("type"))).toList();
        assertEquals(1, left.size());
        assertEquals(s.id(), left.get(0).get("session"));
        assertEquals(1L, left.get(0).get("deltas"));
        assertTrue(records().stream().noneMatch(r -> "session.closed".equals(r.get("type"))));
    }

    @Test
    void aQuarantinedAgentNeitherReadsNorWritesSessionStateUntilReleased() throws Exception {
        start();
        org.agenthypervisor.core.quarantine.Quarantines quarantines =
                new org.agenthypervisor.core.quarantine.Quarantines(principals, audit, System::currentTimeMillis);
        sessions.setQuarantines(quarantines);
        Session s = sessions.open(host, "case-q");
        s.state().put("notes", "shared");
        quarantines.kill("sandbox", "rogue", "test");
        ContextCell cell = ContextCell.peek();
        cell.set(cell.get().as(principals.agent("sandbox"), null));
        org.agenthypervisor.api.AgentQuarantinedException write = assertThrows(
                org.agenthypervisor.api.AgentQuarantinedException.class, () -> s.state().put("notes", "mine now"));
        assertTrue(write.getMessage().startsWith("agent 'sandbox' may not write key 'notes' of session 'case-q': it is"
                + " quarantined until an operator releases it (killed) (test: rogue)"), write.getMessage());
        assertThrows(org.agenthypervisor.api.AgentQuarantinedException.class, () -> s.state().get("notes"));
        assertThrows(org.agenthypervisor.api.AgentQuarantinedException.class, () -> s.state().keys());
        assertThrows(org.agenthypervisor.api.AgentQuarantinedException.class,
                () -> s.state().compareAndSet("notes", 1, "x"));
        cell.set(host);
        assertEquals("shared", s.state().get("notes"), "nothing changed");
        quarantines.release("sandbox", "fixed", "test");
        cell.set(cell.get().as(principals.agent("sandbox"), null));
        assertEquals(2, s.state().put("notes", "back"));
        s.close();
    }

    @Test
    void thePolicyMayLetAQuarantinedAgentReadButNeverWrite() throws Exception {
        Policy policy = PolicyParser.parse(POLICY.replace("sessions:\n  minTrust: 0.5\n",
                "sessions:\n  minTrust: 0.5\n  readsWhileQuarantined: true\n"), "p.yaml");
        assertTrue(policy.sessions().readsWhileQuarantined(), "the fixture must reach the policy");
        audit = AuditLog.open(data, policy.audit());
        principals = new Principals(policy);
        sessions = new SessionManager(policy, principals, audit, new Counters());
        host = Context.of(principals.host());
        org.agenthypervisor.core.quarantine.Quarantines quarantines =
                new org.agenthypervisor.core.quarantine.Quarantines(principals, audit, System::currentTimeMillis);
        sessions.setQuarantines(quarantines);
        Session s = sessions.open(host, "case-r");
        s.state().put("notes", "shared");
        quarantines.quarantine("sandbox", 60_000, "too eager", "test");
        ContextCell cell = ContextCell.peek();
        cell.set(cell.get().as(principals.agent("sandbox"), null));
        assertEquals("shared", s.state().get("notes"));
        assertEquals(java.util.Set.of("notes"), s.state().keys());
        assertThrows(org.agenthypervisor.api.AgentQuarantinedException.class, () -> s.state().put("notes", "mine"));
        cell.set(host);
        s.close();
    }

    @Test
    void ringProtectedKeysAreRefusedToARing3Agent() throws Exception {
        start();
        Session s = sessions.open(host, "case-2");
        s.state().put("ledger.balance", 100);
        ContextCell cell = ContextCell.peek();
        cell.set(cell.get().as(principals.agent("sandbox"), null));
        RingViolationException write = assertThrows(RingViolationException.class, () -> s.state().put("ledger.balance", 0));
        assertEquals("sandbox", write.agent());
        assertEquals(1, write.requiredRing());
        assertTrue(write.requirementSource().contains("sessions.keys[0]"), write.requirementSource());
        assertTrue(write.getMessage().contains("key 'ledger.balance'"), write.getMessage());
        assertThrows(RingViolationException.class, () -> s.state().get("ledger.balance"));
        assertEquals(1, s.state().put("notes", "free for all"), "unprotected keys stay writable");
        cell.set(cell.get().as(principals.agent("planner"), null));
        assertEquals(100, s.state().get("ledger.balance"), "ring 2 may read");
        assertThrows(RingViolationException.class, () -> s.state().put("ledger.balance", 1));
        s.close();
        audit.close();
        assertEquals(3, records().stream().filter(r -> "session.key-denied".equals(r.get("type"))).count());
    }

    @Test
    void joiningIsRefusedBelowMinTrustAndPastMaxParticipants() throws Exception {
        start();
        ManagedSession s = (ManagedSession) sessions.open(host, "case-3");
        s.admit(principals.agent("planner"));
        s.admit(principals.agent("planner"));
        assertEquals(java.util.Set.of("planner"), s.participants());
        SessionRefusedException low = assertThrows(SessionRefusedException.class, () -> s.admit(principals.agent("shaky")));
        assertEquals("sessions.minTrust", low.requirement());
        assertEquals(0.3, low.trust(), 1e-9);
        assertTrue(low.getMessage().contains("session 'case-3'"), low.getMessage());
        s.close();
        ManagedSession solo = (ManagedSession) sessions.open(host, "solo-1");
        solo.admit(principals.agent("planner"));
        SessionRefusedException full = assertThrows(SessionRefusedException.class, () -> solo.admit(principals.agent("sandbox")));
        assertEquals("sessions.named[0].maxParticipants", full.requirement());
        principals.setTrust(principals.agent("planner"), 0.1);
        assertThrows(SessionRefusedException.class, () -> solo.admit(principals.agent("planner")),
                "a participant slashed below the minimum is turned away");
        solo.close();
        audit.close();
        List<Map<String, Object>> r = records();
        assertEquals(2, r.stream().filter(x -> "session.joined".equals(x.get("type"))).count());
        assertEquals(3, r.stream().filter(x -> "session.refused".equals(x.get("type"))).count());
    }
}
