package org.agenthypervisor.it;

import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SPEC §3 under the real agent jar: vouching chains, slashing, refusal, persistence, envelopes. */
class LiabilityIT {
    static final String POLICY = """
            version: 1
            agents:
              intake:
                ring: 2
              planner:
                ring: 2
              executor:
                ring: 2
              peer:
                ring: 2
                minTrust: 0.5
              approver:
                ring: 1
            """;
    static final String APP = "com.acme.liability.LiabilityApp";
    /** SPEC §3's reference arithmetic needs a violator to drop to 0: the fixed severity 1.0 (issue 15 grades it by default). */
    static final String REFERENCE = POLICY + "liability:\n  ringViolationSeverity: 1\n";

    static Result run(Path dir, String... scenarios) {
        Result r = ChildJvm.withAgent("policy=policy.yaml").in(dir).run(APP, scenarios);
        assertEquals(0, r.exitCode(), r::toString);
        return r;
    }

    static Path dir(String name, String policy) {
        Path dir = ChildJvm.freshWorkDir(name);
        ChildJvm.write(dir, "policy.yaml", policy);
        return dir;
    }

    static double trust(Result r, String agent) {
        return Double.parseDouble(r.result("trust-" + agent));
    }

    @Test
    void aRingViolationAtTheEndOfAChainSlashesItWithTheReferenceArithmetic() {
        Path dir = dir("chain", REFERENCE);
        Result r = run(dir, "chain-violation", "wipes", "trust");
        assertTrue(r.result("chain-violation").startsWith("denied:RingViolationException:agent 'executor'"), r::toString);
        assertEquals("0", r.result("wipes"), "the denied method did not run");
        assertEquals(0.0, trust(r, "executor"));
        assertEquals(0.05, trust(r, "planner"));
        assertEquals(0.525, trust(r, "intake"));
        assertEquals("3", r.result("ring-intake"), "0.525 is below ring 2's floor: demoted at once");

        List<Map<String, Object>> handoffs = AuditRecords.ofType(r.dataDir(), "handoff");
        assertEquals(2, handoffs.size(), handoffs::toString);
        assertEquals("intake", handoffs.get(0).get("sender"));
        assertEquals("planner", handoffs.get(0).get("receiver"));
        assertEquals("com.acme.liability.Planner#plan(String)", handoffs.get(0).get("method"));
        assertEquals(64, ((String) handoffs.get(0).get("payloadSha256")).length());
        assertEquals("planner", handoffs.get(1).get("sender"));
        assertEquals(List.of(handoffs.get(0).get("id")), handoffs.get(1).get("parents"));

        List<Map<String, Object>> slashes = AuditRecords.ofType(r.dataDir(), "trust.slashed");
        assertEquals(List.of("executor", "planner", "intake"), slashes.stream().map(s -> s.get("agent")).toList());
        assertEquals(List.of(0L, 1L, 2L), slashes.stream().map(s -> s.get("distance")).toList());
        assertTrue(slashes.get(2).get("chain").toString().contains("planner"), slashes::toString);
        assertEquals(1, AuditRecords.ofType(r.dataDir(), "ring.denied").size());
        assertEquals(1, r.output().lines().filter(l -> l.contains("org.agenthypervisor.liability") && l.contains("ANOMALY")).count(),
                r::toString);
    }

    @Test
    void reportAnomalySlashesTheChainButNotTheReporter() {
        Result r = run(dir("report", POLICY), "report", "trust");
        assertEquals("allowed:flagged order-2", r.result("report"));
        assertEquals(1.0, trust(r, "executor"), "the reporter");
        assertEquals(0.2, trust(r, "planner"));
        assertEquals(0.6, trust(r, "intake"));
        Map<String, Object> anomaly = AuditRecords.ofType(r.dataDir(), "anomaly").get(0);
        assertEquals("reported", anomaly.get("kind"));
        assertEquals("executor", anomaly.get("reporter"));
        assertNull(anomaly.get("actor"));
        assertEquals(4, AuditRecords.ofType(r.dataDir(), "handoff").size(), "two calls and two returns");
    }

    @Test
    void aPeerRefusesAPayloadFromASlashedAgentAndItsBodyDoesNotRun() {
        Result r = run(dir("refusal", POLICY), "report", "refusal", "trust");
        String refusal = r.result("refusal");
        assertTrue(refusal.startsWith("denied:UntrustedHandoffException:agent 'peer' refused a hand-off from 'planner'"), refusal);
        assertTrue(refusal.contains("agents.peer.minTrust"), refusal);
        assertTrue(refusal.contains("0.20"), refusal);
        assertEquals("0", r.result("peer-received"), "the refused method did not run");
        List<Map<String, Object>> refused = AuditRecords.ofType(r.dataDir(), "handoff.refused");
        assertEquals(1, refused.size());
        assertEquals("planner", refused.get(0).get("sender"));
        assertEquals("peer", refused.get(0).get("receiver"));
        assertEquals("planner", refused.get(0).get("untrustedAgent"));
        assertEquals(0.5, refused.get(0).get("minTrust"));
        assertEquals(1, r.output().lines().filter(l -> l.contains("WARN org.agenthypervisor.liability - REFUSED")).count(),
                r::toString);
    }

    @Test
    void aRingOneAgentDemotedByASlashIsDeniedItsNextRingOneCall() {
        Result r = run(dir("demote", POLICY), "approve", "consult", "trust", "approve");
        List<String> approvals = r.lines("RESULT approve ");
        assertEquals("RESULT approve allowed:signed r-1", approvals.get(0));
        assertEquals(0.7, trust(r, "approver"));
        assertEquals("2", r.result("ring-approver"));
        assertTrue(approvals.get(1).startsWith("RESULT approve denied:RingViolationException:agent 'approver' (effective ring 2,"
                + " granted ring 1, trust 0.70)"), approvals::toString);
    }

    @Test
    void slashedScoresSurviveARestart() {
        Path dir = dir("restart", REFERENCE);
        run(dir, "chain-violation");
        Result second = run(dir, "trust");
        assertEquals(0.0, trust(second, "executor"));
        assertEquals(0.05, trust(second, "planner"));
        assertEquals(0.525, trust(second, "intake"));
        assertEquals(1.0, trust(second, "peer"));
        assertEquals("3", second.result("ring-planner"));
    }

    /**
     * Issue 12: a flipped byte in the ledger's last record, or a ledger cut at a record boundary, was
     * taken for a crash tear and the slash undone at the next start. Both now stop the JVM before main.
     */
    @Test
    void aDamagedOrCutLedgerStopsTheJvmBeforeMainAndIsNotRewritten() throws Exception {
        Path dir = dir("ledger-damage", REFERENCE);
        Result first = run(dir, "chain-violation");
        Path segment;
        try (java.util.stream.Stream<Path> files = Files.list(first.dataDir().resolve("trust"))) {
            segment = files.filter(p -> p.toString().endsWith(".seg")).findFirst().orElseThrow();
        }
        byte[] intact = Files.readAllBytes(segment);

        byte[] flipped = intact.clone();
        flipped[flipped.length - 2] ^= 0x10; // inside the last (and only) record: the slash
        Files.write(segment, flipped);
        Result damaged = ChildJvm.withAgent("policy=policy.yaml").in(dir).run(APP, "trust");
        assertEquals(1, damaged.exitCode(), damaged::toString);
        assertTrue(damaged.stderr().contains("trust ledger"), damaged::toString);
        assertTrue(damaged.stderr().contains("CRC mismatch in a complete frame"), damaged::toString);
        assertFalse(damaged.stdout().contains("trust-executor"), damaged::toString);
        assertTrue(java.util.Arrays.equals(flipped, Files.readAllBytes(segment)), "never rewritten");

        Files.write(segment, java.util.Arrays.copyOf(intact, 24)); // cut at the first record's boundary
        Result cut = ChildJvm.withAgent("policy=policy.yaml").in(dir).run(APP, "trust");
        assertEquals(1, cut.exitCode(), cut::toString);
        assertTrue(cut.stderr().contains("high-water mark"), cut::toString);
        assertFalse(cut.stdout().contains("trust-executor"), cut::toString);
        assertEquals(24, Files.size(segment), "never rewritten");

        Files.write(segment, intact);
        assertEquals(0.0, trust(run(dir, "trust"), "executor"), "the slash is back once the ledger is");
    }

    @Test
    void aDiamondSlashesEachAgentOnce() {
        Result r = run(dir("diamond", REFERENCE), "diamond", "trust");
        assertTrue(r.result("diamond").startsWith("denied:RingViolationException:agent 'sink'"), r::toString);
        assertEquals(0.0, trust(r, "sink"));
        assertEquals(0.05, trust(r, "coord"));
        assertEquals(0.525, trust(r, "left"));
        assertEquals(0.525, trust(r, "right"));
        assertEquals(0.7625, trust(r, "source"), "source reached through left and through right: slashed once, at distance 3");
        List<Object> slashed = AuditRecords.ofType(r.dataDir(), "trust.slashed").stream().map(s -> s.get("agent")).toList();
        assertEquals(List.of("sink", "coord", "left", "right", "source"), slashed);
    }

    @Test
    void anAgentCannotChangeTrustThroughTheInProcessMXBean() {
        Result r = run(dir("jmx-agent", POLICY), "jmx-set-by-agent", "trust");
        // The MBean server wraps what the operation throws in a RuntimeMBeanException.
        assertTrue(r.result("jmx-set-by-agent").contains("SecurityException: agent 'planner' may not call the hypervisor's"
                + " MXBean operation setTrust"), r::toString);
        assertEquals(1.0, trust(r, "executor"), "the executor's trust must be unchanged");
        assertTrue(AuditRecords.ofType(r.dataDir(), "trust.set").isEmpty());
        assertEquals("planner", AuditRecords.ofType(r.dataDir(), "jmx.refused").get(0).get("agent"));
    }

    @Test
    void aJmxOperatorSetIsAuditedAndApplied() {
        Result r = run(dir("jmx", POLICY), "report", "jmx-set", "trust");
        assertTrue(r.result("jmx-set").contains("0.2 -> 0.9"), r::toString);
        assertEquals(0.9, trust(r, "planner"));
        Map<String, Object> set = AuditRecords.ofType(r.dataDir(), "trust.set").get(0);
        assertEquals("planner", set.get("agent"));
        assertEquals("jmx", set.get("by"));
        assertEquals("cleared by ops", set.get("reason"));
    }

    // ---------------------------------------------------------------- command line

    static Result cli(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of(ChildJvm.javaBinary(), "-jar", ChildJvm.agentJar()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).start();
            var out = ChildJvm.drain(p.getInputStream());
            var err = ChildJvm.drain(p.getErrorStream());
            if (!p.waitFor(90, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("the command line did not finish: " + command);
            }
            return new Result(p.exitValue(), out.get(), err.get(), dir);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static long seqOf(Map<String, Object> record) {
        return ((Number) record.get("seq")).longValue();
    }

    @Test
    void anExportedEnvelopeVerifiesOnTheCommandLineAndIsRejectedAfterOneByteChanges() throws Exception {
        for (String signing : List.of("each", "batched")) {
            Path dir = dir("envelope-" + signing, POLICY + "liability:\n  signing: " + signing + "\n");
            Result r = run(dir, "handoff");
            Map<String, Object> handoff = AuditRecords.ofType(r.dataDir(), "handoff").get(1);
            assertEquals(signing, handoff.get("signing"));
            assertEquals(signing.equals("each"), handoff.containsKey("signature"), handoff::toString);

            Result export = cli(dir, "vouch", "export", "--seq", String.valueOf(seqOf(handoff)), "--out", "v.json");
            assertEquals(0, export.exitCode(), export::toString);
            Result ok = cli(dir, "vouch", "verify", "v.json", "--keys", ".agent-hypervisor/keys");
            assertEquals(0, ok.exitCode(), ok::toString);
            assertTrue(ok.stdout().startsWith("valid: vouch " + handoff.get("id")), ok::toString);
            assertTrue(ok.stdout().contains("signed by '" + handoff.get("sender") + "'"), ok::toString);

            byte[] bytes = Files.readAllBytes(dir.resolve("v.json"));
            bytes[bytes.length / 2] ^= 0x04;
            Files.write(dir.resolve("tampered.json"), bytes);
            Result bad = cli(dir, "vouch", "verify", "tampered.json", "--keys", ".agent-hypervisor/keys");
            assertEquals(1, bad.exitCode(), bad::toString);
            assertTrue(bad.stdout().startsWith("INVALID"), bad::toString);
        }
    }

    @Test
    void anAgentNamedHypervisorIsRefusedAndNothingIsSignedWithTheHypervisorsKey() throws Exception {
        // In the policy, in any case: the JVM stops before main, naming file, line and key.
        Result bad = ChildJvm.withAgent("policy=policy.yaml").in(dir("hv-policy", POLICY + "  HyperVisor:\n    ring: 2\n"))
                .run(APP, "handoff");
        assertNotEquals(0, bad.exitCode(), bad::toString);
        assertFalse(bad.stdout().contains("RESULT"), "main must not run: " + bad);
        assertTrue(bad.stderr().contains("policy.yaml:14:3"), bad::toString);
        assertTrue(bad.stderr().contains("agents.HyperVisor"), bad::toString);
        assertTrue(bad.stderr().contains("is reserved (in any case) for the hypervisor's own signing key"), bad::toString);

        // By @Agent("hypervisor"), with every hand-off signed: the class runs as no agent, never as the hypervisor.
        Path dir = dir("hv-annotation", POLICY + "liability:\n  signing: each\n");
        Result r = run(dir, "impostor");
        assertTrue(r.output().contains("REFUSED identity: @Agent(\"hypervisor\") on com.acme.liability.Impostor"), r::toString);
        List<Map<String, Object>> handoffs = AuditRecords.ofType(r.dataDir(), "handoff");
        assertFalse(handoffs.isEmpty(), r::toString);
        for (Map<String, Object> h : handoffs) {
            assertFalse(String.valueOf(h.get("sender")).equalsIgnoreCase("hypervisor"), h::toString);
        }
        Result export = cli(dir, "vouch", "export", "--seq", String.valueOf(seqOf(handoffs.get(0))), "--out", "v.json");
        assertEquals(0, export.exitCode(), export::toString);
        Result verified = cli(dir, "vouch", "verify", "v.json", "--keys", ".agent-hypervisor/keys");
        assertEquals(0, verified.exitCode(), verified::toString);
        assertFalse(verified.stdout().contains("signed by 'hypervisor'"), verified::toString);
    }

    @Test
    void trustListAndSetOnTheCommandLineAndSetRefusedWhileTheJvmRuns() throws Exception {
        Path dir = dir("cli-trust", POLICY);
        run(dir, "chain-violation");
        Result list = cli(dir, "trust", "list");
        assertEquals(0, list.exitCode(), list::toString);
        assertTrue(list.stdout().contains("planner") && list.stdout().contains("0.05"), list::toString);
        assertTrue(list.stdout().contains("slash"), list::toString);

        Result set = cli(dir, "trust", "set", "planner", "0.97", "--reason", "incident closed");
        assertEquals(0, set.exitCode(), set::toString);
        Result after = run(dir, "trust");
        assertEquals(0.97, trust(after, "planner"));
        assertEquals("2", after.result("ring-planner"), "granted ring 2 is back");
        Map<String, Object> audited = AuditRecords.ofType(after.dataDir(), "trust.set").get(0);
        assertEquals("cli", audited.get("by"));
        assertEquals("incident closed", audited.get("reason"));

        Process running = ChildJvm.withAgent("policy=policy.yaml").in(dir).start(APP, "wait");
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(running.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.equals("READY")) {
                // wait for the application to be up
            }
            assertEquals("READY", line);
            Result refused = cli(dir, "trust", "set", "planner", "1.0", "--reason", "while running");
            assertEquals(2, refused.exitCode(), refused::toString);
            assertTrue(refused.stderr().contains("JMX"), refused::toString);
        } finally {
            try (OutputStream in = running.getOutputStream()) {
                in.write('\n');
            }
            running.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
        }
        Result keys = cli(dir, "keys");
        assertEquals(0, keys.exitCode(), keys::toString);
        assertTrue(keys.stdout().contains("intake") && keys.stdout().contains("planner"), keys::toString);
        Result pem = cli(dir, "keys", "export", "intake");
        assertEquals(0, pem.exitCode(), pem::toString);
        assertTrue(pem.stdout().startsWith("-----BEGIN PUBLIC KEY-----"), pem::toString);
        assertFalse(cli(dir, "trust", "--help").stdout().isEmpty());
    }
}
