package org.agenthypervisor.core.liability;

import org.agenthypervisor.api.RingViolationException;
import org.agenthypervisor.api.UntrustedHandoffException;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.crypto.Envelope;
import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.crypto.PublicKey;
import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.encoding.PayloadEncoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.agenthypervisor.core.liability.GateHarness.as;
import static org.agenthypervisor.core.liability.GateHarness.call;
import static org.agenthypervisor.core.liability.GateHarness.chain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LiabilityEngineTest {
    static final String POLICY = """
            version: 1
            agents:
              a:
                classes: com.test.A
                ring: 2
              b:
                classes: com.test.B
                ring: 1
              c:
                classes: com.test.C
                ring: 2
              d:
                classes: com.test.D
                ring: 2
              e:
                classes: com.test.E
                ring: 2
            rules:
              - methods: "com.test.*#danger"
                ring: 0
            """;

    /** SPEC §3's reference scores: a violator drops to 0, which takes the old fixed severity 1.0 (issue 15 grades it). */
    static final String REFERENCE = POLICY + "liability:\n  ringViolationSeverity: 1\n";

    @TempDir
    Path dir;
    GateHarness h;
    Map<String, Integer> a;
    Map<String, Integer> b;
    Map<String, Integer> c;
    Map<String, Integer> d;
    Map<String, Integer> e;

    void start(String policy) throws Exception {
        h = new GateHarness(policy, dir.resolve("data"));
        a = h.register("com.test.A");
        b = h.register("com.test.B");
        c = h.register("com.test.C");
        d = h.register("com.test.D");
        e = h.register("com.test.E");
    }

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    double trust(String id) {
        return h.agent(id).trust();
    }

    @Test
    void aThenBThenCWhereCViolatesARingGivesTheReferenceScores() throws Exception {
        start(REFERENCE);
        Principal pa = h.agent("a");
        Chain[] inC = new Chain[1];
        RingViolationException denied = assertThrows(RingViolationException.class, () -> as(pa, () ->
                call(b.get("work"), new Object[] {"from a"}, () ->
                        call(c.get("work"), new Object[] {"from b"}, () -> {
                            inC[0] = chain();
                            return call(c.get("danger"), new Object[0], () -> "never");
                        }))));
        assertTrue(denied.getMessage().contains("agent 'c'"), denied.getMessage());
        assertEquals(1, inC[0].distanceOf(h.agent("b").index()));
        assertEquals(2, inC[0].distanceOf(h.agent("a").index()));
        assertEquals(0.0, trust("c"));
        assertEquals(0.05, trust("b"));
        assertEquals(0.525, trust("a"));
        assertEquals(3, h.counters.slashes.sum());
        assertEquals(2, h.counters.handoffs.sum(), "two calls, no returns (both threw)");
        List<Map<String, Object>> slashed = h.audit.ofType("trust.slashed");
        assertEquals(List.of("c", "b", "a"), slashed.stream().map(m -> m.get("agent")).toList());
        assertEquals(List.of(0L, 1L, 2L), slashed.stream().map(m -> m.get("distance")).toList());
        assertEquals(1, h.audit.ofType("anomaly").size());
        assertEquals("ringViolation", h.audit.ofType("anomaly").get(0).get("kind"));
        assertEquals(3L, h.agent("b").effectiveRing(), "b fell below every floor");
    }

    @Test
    void handOffsVouchWithDigestParentsAndChainAndReturnsMergeBack() throws Exception {
        start(POLICY);
        Principal pa = h.agent("a");
        Chain[] afterReturn = new Chain[1];
        String result = as(pa, () -> {
            String r = call(b.get("work"), new Object[] {"x"}, () -> call(c.get("work"), new Object[] {"y"}, () -> "from c"));
            afterReturn[0] = chain();
            return r;
        });
        assertEquals("from c", result);
        List<Map<String, Object>> handoffs = h.audit.ofType("handoff");
        assertEquals(4, handoffs.size(), "a->b call, b->c call, c->b return, b->a return");
        Map<String, Object> ab = handoffs.get(0);
        assertEquals("a", ab.get("sender"));
        assertEquals("b", ab.get("receiver"));
        assertEquals("call", ab.get("direction"));
        assertEquals("com.test.B#work(String)", ab.get("method"));
        assertEquals(HexFormat.of().formatHex(PayloadEncoder.encodeArguments(new Object[] {"x"}).sha256()),
                ab.get("payloadSha256"));
        assertEquals(List.of(), ab.get("parents"));
        assertEquals("batched", ab.get("signing"));
        Map<String, Object> bc = handoffs.get(1);
        assertEquals(List.of(ab.get("id")), bc.get("parents"));
        Map<String, Object> cb = handoffs.get(2);
        assertEquals("return", cb.get("direction"));
        assertEquals("c", cb.get("sender"));
        assertEquals("b", cb.get("receiver"));
        assertEquals(List.of(bc.get("id")), cb.get("parents"), "c's chain at return: the vouch that brought its payload");
        assertEquals(HexFormat.of().formatHex(PayloadEncoder.encode("from c").sha256()), cb.get("payloadSha256"));
        Map<String, Object> ba = handoffs.get(3);
        assertEquals("return", ba.get("direction"));
        assertEquals("b", ba.get("sender"));
        assertEquals("a", ba.get("receiver"));
        // a now holds a payload vouched by b (d1), which came from c (d2) and carries a's own vouch (via b).
        assertEquals(1, afterReturn[0].distanceOf(h.agent("b").index()));
        assertEquals(2, afterReturn[0].distanceOf(h.agent("c").index()));
        assertEquals(List.of(ba.get("id")), afterReturn[0].parents());
        assertTrue((Long) bc.get("sequence") > (Long) ab.get("sequence"));
    }

    @Test
    void reportAnomalySlashesTheChainButNotTheReporter() throws Exception {
        start(POLICY);
        Principal pa = h.agent("a");
        as(pa, () -> call(b.get("work"), new Object[] {"x"}, () -> call(c.get("work"), new Object[] {"y"}, () -> {
            h.engine.reportAnomaly(GateHarness.current(), "bad payload", 0.8);
            return "ok";
        })));
        assertEquals(1.0, trust("c"), "the reporter is not slashed");
        assertEquals(0.2, trust("b"));
        assertEquals(0.6, trust("a"));
        Map<String, Object> anomaly = h.audit.ofType("anomaly").get(0);
        assertEquals("reported", anomaly.get("kind"));
        assertEquals("c", anomaly.get("reporter"));
        assertNull(anomaly.get("actor"));
    }

    @Test
    void theReporterIsNotSlashedEvenWhenItIsInItsOwnChain() throws Exception {
        start(POLICY);
        as(h.agent("a"), () -> {
            call(b.get("work"), new Object[] {"x"}, () -> "r");  // a's chain now holds b (d1) and a itself (d2)
            assertEquals(2, chain().distanceOf(h.agent("a").index()));
            h.engine.reportAnomaly(GateHarness.current(), "bad", 1.0);
            return null;
        });
        assertEquals(1.0, trust("a"));
        assertEquals(0.05, trust("b"));
    }

    @Test
    void aDiamondSlashesEachAgentOnceAtItsNearestDistance() throws Exception {
        start(REFERENCE);
        // d calls b and c; each of them got its payload from a. d then hands to e, which violates.
        assertThrows(RingViolationException.class, () -> as(h.agent("d"), () -> {
            call(b.get("work"), new Object[] {"1"}, () -> call(a.get("work"), new Object[] {"from b"}, () -> "a1"));
            call(c.get("work"), new Object[] {"2"}, () -> call(a.get("work"), new Object[] {"from c"}, () -> "a2"));
            Chain held = chain();
            assertEquals(1, held.distanceOf(h.agent("b").index()));
            assertEquals(1, held.distanceOf(h.agent("c").index()));
            assertEquals(2, held.distanceOf(h.agent("a").index()));
            return call(e.get("work"), new Object[] {"go"}, () -> call(e.get("danger"), new Object[0], () -> "never"));
        }));
        assertEquals(0.0, trust("e"));
        assertEquals(0.05, trust("d"));
        assertEquals(0.525, trust("b"));
        assertEquals(0.525, trust("c"));
        assertEquals(Slashing.round(1 - 0.95 * 0.25), trust("a"), "a (distance 3 by two paths) slashed once");
        List<Object> agents = h.audit.ofType("trust.slashed").stream().map(m -> m.get("agent")).toList();
        assertEquals(5, agents.size(), agents::toString);
        assertEquals(5, agents.stream().distinct().count(), agents::toString);
    }

    @Test
    void aPeerWithMinTrustRefusesALowTrustSenderAndTheBodyDoesNotRun() throws Exception {
        start(POLICY.replace("classes: com.test.C\n", "classes: com.test.C\n    minTrust: 0.5\n"));
        h.engine.setTrust("b", 0.4, "test", "test");
        boolean[] ran = {false};
        UntrustedHandoffException refused = assertThrows(UntrustedHandoffException.class, () -> as(h.agent("b"), () ->
                call(c.get("work"), new Object[] {"x"}, () -> {
                    ran[0] = true;
                    return "ran";
                })));
        assertFalse(ran[0]);
        assertEquals("b", refused.sender());
        assertEquals("c", refused.receiver());
        assertEquals("b", refused.untrustedAgent());
        assertEquals(0.4, refused.untrustedTrust());
        assertEquals(0.5, refused.minTrust());
        assertTrue(refused.getMessage().contains("agents.c.minTrust"), refused.getMessage());
        assertTrue(refused.getMessage().contains("com.test.C#work(String)"), refused.getMessage());
        Map<String, Object> audit = h.audit.ofType("handoff.refused").get(0);
        assertEquals("b", audit.get("untrustedAgent"));
        assertEquals("agents.c.minTrust", audit.get("policyKey"));
        assertEquals(1, h.counters.refusals.sum());
        assertEquals(0, h.audit.ofType("handoff").size(), "no vouch for a refused payload");
    }

    @Test
    void anAgentDeepInTheSendersChainIsEnoughToRefuse() throws Exception {
        start(POLICY);
        h.engine.setTrust("a", 0.3, "test", "test");
        UntrustedHandoffException refused = assertThrows(UntrustedHandoffException.class, () -> as(h.agent("a"), () ->
                call(b.get("work"), new Object[] {"x"}, () -> call(c.get("work"), new Object[] {"y"}, () -> "no"))));
        // b accepts nothing from a below b's minTrust 0.5 either: the sender itself is refused first.
        assertEquals("a", refused.untrustedAgent());
        assertEquals("b", refused.receiver());
        h.engine.setTrust("a", 0.6, "test", "test");
        h.engine.setTrust("d", 0.2, "test", "test");
        // Now: d -> a (accepted? a's minTrust 0.5 > d's 0.2: refused) - so build the chain from a trusted sender first.
        UntrustedHandoffException deep = assertThrows(UntrustedHandoffException.class, () -> as(h.agent("b"), () -> {
            call(d.get("work"), new Object[] {"q"}, () -> "d's answer"); // b now holds d's payload (d1)
            return call(c.get("work"), new Object[] {"forward"}, () -> "no");
        }));
        assertEquals("d", deep.untrustedAgent());
        assertEquals("b", deep.sender());
        assertTrue(deep.getMessage().contains("in the sender's chain at distance 1"), deep.getMessage());
    }

    @Test
    void aRefusalCanBeAnAnomalyForTheSendersChain() throws Exception {
        start(POLICY + "liability:\n  anomalies:\n    refusedHandoff: 0.5\n");
        h.engine.setTrust("b", 0.4, "test", "test");
        assertThrows(UntrustedHandoffException.class, () -> as(h.agent("b"), () ->
                call(c.get("work"), new Object[] {"x"}, () -> "no")));
        assertEquals(0.2, trust("b"), "b at distance 1 of what c was offered: 0.4 * (1 - 0.5)");
        assertEquals(1.0, trust("c"), "the receiver is not slashed");
    }

    @Test
    void aSlashDemotesAtOnceAndTheNextPrivilegedCallIsDenied() throws Exception {
        start(POLICY + "  - methods: \"com.test.B#log\"\n    ring: 1\n");
        assertEquals(1, h.agent("b").effectiveRing());
        as(h.agent("b"), () -> call(c.get("work"), new Object[] {"x"}, () -> {
            h.engine.reportAnomaly(GateHarness.current(), "suspicious", 0.3);
            return "ok";
        }));
        assertEquals(0.7, trust("b"));
        assertEquals(2, h.agent("b").effectiveRing());
        assertThrows(RingViolationException.class, () -> as(h.agent("b"), () -> call(b.get("log"), new Object[] {"x"}, () -> "no")));
    }

    @Test
    void scoresSurviveARestartAndNeverComeBackFromThePolicy() throws Exception {
        start(REFERENCE);
        assertThrows(RingViolationException.class, () -> as(h.agent("a"), () ->
                call(b.get("work"), new Object[] {"x"}, () -> call(b.get("danger"), new Object[0], () -> "no"))));
        assertEquals(0.0, trust("b"));
        assertEquals(0.05, trust("a"));
        h.close();
        h = new GateHarness(REFERENCE, dir.resolve("data"));
        assertEquals(0.0, trust("b"));
        assertEquals(0.05, trust("a"));
        assertEquals(1.0, trust("c"));
        assertEquals(3, h.agent("b").effectiveRing());
        Map<String, TrustLedger.Entry> ledger = TrustLedger.read(dir.resolve("data"));
        assertEquals("slash", ledger.get("b").kind());
    }

    @Test
    void anOperatorSetIsDurableAuditedAndRecomputesTheRing() throws Exception {
        start(POLICY);
        h.engine.setTrust("b", 0.5, "investigating", "jmx");
        assertEquals(3, h.agent("b").effectiveRing(), "0.5 is below ring 2's floor 0.60");
        h.engine.setTrust("b", 0.99, "cleared", "jmx");
        assertEquals(1, h.agent("b").effectiveRing());
        Map<String, Object> set = h.audit.ofType("trust.set").get(1);
        assertEquals(0.5, set.get("before"));
        assertEquals(0.99, set.get("after"));
        assertEquals("cleared", set.get("reason"));
        assertEquals("jmx", set.get("by"));
        assertThrows(IllegalArgumentException.class, () -> h.engine.setTrust("b", 1.5, "x", "jmx"));
        assertThrows(IllegalArgumentException.class, () -> h.engine.setTrust("b", 0.5, " ", "jmx"));
        assertThrows(IllegalArgumentException.class, () -> h.engine.setTrust("Not An Id", 0.5, "x", "jmx"));
        assertEquals(0.99, TrustLedger.read(dir.resolve("data")).get("b").trust());
    }

    @Test
    void voidMethodsMakeNoReturnVouch() throws Exception {
        start(POLICY);
        as(h.agent("a"), () -> call(b.get("log"), new Object[] {"x"}, () -> null));
        List<Map<String, Object>> handoffs = h.audit.ofType("handoff");
        assertEquals(1, handoffs.size());
        assertEquals("call", handoffs.get(0).get("direction"));
    }

    @Test
    void theHostSignsNothingAndIsNeverInAChain() throws Exception {
        start(POLICY);
        String r = call(b.get("work"), new Object[] {"x"}, () -> {
            assertTrue(chain().isEmpty());
            return "ok";
        });
        assertEquals("ok", r);
        assertEquals(0, h.audit.ofType("handoff").size());
    }

    @Test
    void anUnencodableArgumentNeverBreaksTheCall() throws Exception {
        start(POLICY);
        Thread notData = new Thread(() -> { });
        String r = as(h.agent("a"), () -> call(b.get("work"), new Object[] {notData}, () -> "fine"));
        assertEquals("fine", r);
        Map<String, Object> vouch = h.audit.ofType("handoff").get(0);
        assertEquals(false, vouch.get("complete"));
        assertEquals(List.of("$[0]"), vouch.get("unencodable"));
    }

    @Test
    void signingEachSignsEveryVouchWithTheSendersKey() throws Exception {
        start(POLICY + "liability:\n  signing: each\n");
        as(h.agent("a"), () -> call(b.get("work"), new Object[] {"x"}, () -> "y"));
        List<Map<String, Object>> handoffs = h.audit.ofType("handoff");
        assertEquals(2, handoffs.size());
        KeyDirectory keys = KeyDirectory.openReadOnly(dir.resolve("data").resolve("keys"));
        for (Map<String, Object> record : handoffs) {
            assertEquals("each", record.get("signing"));
            // Round-trip through JSON as the audit log stores it.
            @SuppressWarnings("unchecked")
            Map<String, Object> stored = (Map<String, Object>) CanonicalJson.parse(CanonicalJson.write(record));
            Vouch v = Vouch.fromFields(stored);
            PublicKey key = keys.publicKey(v.sender()).orElseThrow();
            assertEquals(key.keyId(), stored.get("keyid"));
            Envelope env = v.envelope(new Envelope.Signature((String) stored.get("keyid"),
                    Base64.getDecoder().decode((String) stored.get("signature"))));
            assertTrue(env.verify(List.of(key)), "signature of " + v.direction());
        }
        assertNotNull(keys.publicKey("a").orElse(null));
        assertNotNull(keys.publicKey("b").orElse(null));
    }

    @Test
    void compensationFailureSlashesTheStepAgentAndItsChain() throws Exception {
        start(POLICY);
        Chain stepChain = Chain.EMPTY.handedBy(h.agent("a").index(), "v1");
        h.engine.compensationFailed(h.agent("b"), stepChain, "refund could not be reversed");
        assertEquals(0.0, trust("b"));
        assertEquals(0.8, trust("a"), "chain slashed with the compensable risk weight 0.2");
    }

    @Test
    void recoveryRaisesScoresUpToTheInitialTrustDurably() throws Exception {
        start(POLICY + "liability:\n  recovery:\n    rate: 0.25\n    every: 1h\n");
        h.engine.reportAnomaly(Context.of(h.agent("c")).withChain(Chain.EMPTY.handedBy(h.agent("a").index(), "v")),
                "x", 0.95);
        assertEquals(0.05, trust("a"));
        h.engine.recoverOnce();
        assertEquals(0.3, trust("a"));
        for (int i = 0; i < 5; i++) {
            h.engine.recoverOnce();
        }
        assertEquals(1.0, trust("a"), "never above the initial trust");
        assertEquals(4, h.audit.ofType("trust.recovered").size());
        assertEquals("recover", TrustLedger.read(dir.resolve("data")).get("a").kind());
    }
}
