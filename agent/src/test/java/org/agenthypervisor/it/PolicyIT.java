package org.agenthypervisor.it;

import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SPEC §7 under the real agent jar: bad policies stop the JVM; good ones reload while it runs. */
class PolicyIT {
    @Test
    void aTypoInThePolicyStopsTheJvmBeforeMainWithFileLineAndKey() {
        Path dir = ChildJvm.freshWorkDir("typo");
        ChildJvm.write(dir, "policy.yaml", """
                version: 1
                agents:
                  support:
                    rign: 3
                """);
        Result r = ChildJvm.withAgent("policy=policy.yaml").in(dir).run("com.acme.desk.DeskApp", "facade");
        assertNotEquals(0, r.exitCode(), r::toString);
        assertFalse(r.stdout().contains("RESULT"), "main must not run");
        assertTrue(r.stderr().contains("policy.yaml:4:5"), r::toString);
        assertTrue(r.stderr().contains("agents.support.rign"), r::toString);
        assertTrue(r.stderr().contains("did you mean 'ring'"), r::toString);
    }

    /** A ring-0 grant for support, padded with one comment line to exactly {@code bytes} bytes. */
    static String ring0PaddedTo(int bytes) {
        String head = "version: 1\nagents:\n  support:\n    ring: 0\n# ";
        return head + "x".repeat(bytes - head.length() - 1) + "\n";
    }

    @Test
    void aPolicyOverTheSizeCapStopsTheJvmAndOneJustUnderItLoads() {
        int cap = org.agenthypervisor.core.policy.PolicyParser.MAX_BYTES;
        Path dir = ChildJvm.freshWorkDir("policy-size");
        // One long comment line: comments used to escape SnakeYAML's limit, and cost quadratic time.
        ChildJvm.write(dir, "huge.yaml", ring0PaddedTo(2 * cap));
        ChildJvm.write(dir, "under.yaml", ring0PaddedTo(cap - 1));
        Result huge = ChildJvm.withAgent("policy=huge.yaml").in(dir).run("com.acme.desk.DeskApp", "support->ledger");
        assertNotEquals(0, huge.exitCode(), huge::toString);
        assertFalse(huge.stdout().contains("RESULT"), "main must not run");
        assertTrue(huge.stderr().contains("huge.yaml:1:1"), huge::toString);
        assertTrue(huge.stderr().contains("the policy is too large: " + 2 * cap + " bytes, the limit is " + cap + " bytes"),
                huge::toString);
        Result check = Cli.run(dir, "policy", "check", "--policy", "huge.yaml");
        assertNotEquals(0, check.exitCode(), check::toString);
        assertTrue(check.output().contains("the policy is too large: " + 2 * cap + " bytes"), check::toString);

        Result under = ChildJvm.withAgent("policy=under.yaml").in(dir).run("com.acme.desk.DeskApp", "support->ledger");
        assertEquals(0, under.exitCode(), under::toString);
        assertTrue(under.result("support->ledger").startsWith("allowed"), "the ring-0 grant was loaded: " + under);
    }

    @Test
    void aMissingPolicyFileStopsTheJvm() {
        Result r = ChildJvm.withAgent("policy=nowhere.yaml").run("com.acme.desk.DeskApp", "facade");
        assertNotEquals(0, r.exitCode());
        assertTrue(r.stderr().contains("nowhere.yaml"), r::toString);
        assertTrue(r.stderr().contains("agent option policy="), r::toString);
    }

    @Test
    void badAgentOptionsStopTheJvm() {
        Result r = ChildJvm.withAgent("polcy=x.yaml").run("com.acme.desk.DeskApp", "facade");
        assertNotEquals(0, r.exitCode());
        assertTrue(r.stderr().contains("unknown agent option 'polcy'"), r::toString);
    }

    @Test
    void thePolicyCanComeFromASystemPropertyOrTheEnvironmentAndTheAgentOptionWins() {
        Path dir = ChildJvm.freshWorkDir("sources");
        ChildJvm.write(dir, "ring0.yaml", "version: 1\nagents:\n  support:\n    ring: 0\n");
        ChildJvm.write(dir, "ring3.yaml", "version: 1\nagents:\n  support:\n    ring: 3\n");
        Result property = ChildJvm.withAgent("").in(dir).jvmArg("-Dagenthypervisor.policy=ring0.yaml")
                .run("com.acme.desk.DeskApp", "support->ledger");
        assertTrue(property.result("support->ledger").startsWith("allowed"), property::toString);
        Result env = ChildJvm.withAgent("").in(dir).env("AGENT_HYPERVISOR_POLICY", "ring0.yaml")
                .run("com.acme.desk.DeskApp", "support->ledger");
        assertTrue(env.result("support->ledger").startsWith("allowed"), env::toString);
        Result option = ChildJvm.withAgent("policy=ring3.yaml").in(dir).jvmArg("-Dagenthypervisor.policy=ring0.yaml")
                .env("AGENT_HYPERVISOR_POLICY", "ring0.yaml").run("com.acme.desk.DeskApp", "support->ledger");
        assertTrue(option.result("support->ledger").startsWith("denied"), option::toString);
        Result propertyOverEnv = ChildJvm.withAgent("").in(dir).jvmArg("-Dagenthypervisor.policy=ring3.yaml")
                .env("AGENT_HYPERVISOR_POLICY", "ring0.yaml").run("com.acme.desk.DeskApp", "support->ledger");
        assertTrue(propertyOverEnv.result("support->ledger").startsWith("denied"), propertyOverEnv::toString);
    }

    @Test
    void aHotReloadChangesAGrantWhileTheApplicationRuns() throws Exception {
        Path dir = ChildJvm.freshWorkDir("reload");
        // The application retries a denied call until the reload allows it: keep the breaker (issue 15) out.
        String noBreaker = "liability:\n  breach: {minCalls: 1000000}\n";
        Path policy = ChildJvm.write(dir, "policy.yaml", RingsIT.DESK_POLICY + noBreaker);
        // The test writes the file as the same user as the JVM, so watching must be asked for.
        ChildJvm jvm = ChildJvm.withAgent("policy=policy.yaml,watch=true").in(dir);
        Process process = jvm.start("com.acme.desk.DeskApp", "wait-for-reload");
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line; (line = out.readLine()) != null; ) {
            seen.append(line).append('\n');
            if (line.equals("READY")) {
                break;
            }
        }
        assertTrue(seen.toString().contains("RESULT before denied:RingViolationException"), seen::toString);

        // First an invalid version: rejected, the old one stays.
        ChildJvm.write(dir, "policy.yaml", RingsIT.DESK_POLICY.replace("ring: 3", "ring: seven"));
        Thread.sleep(1500);
        // The denials before the reload were ring violations, which slashed support's trust to 0 (SPEC §3): a
        // new grant alone would leave it demoted by its trust floor, so this version also turns on recovery.
        ChildJvm.write(dir, "policy.yaml", RingsIT.DESK_POLICY.replace("support:\n    ring: 3", "support:\n    ring: 0")
                + "liability:\n  recovery: {rate: 1.0, every: 100ms}\n  breach: {minCalls: 1000000}\n");
        for (String line; (line = out.readLine()) != null; ) {
            seen.append(line).append('\n');
        }
        Result r = jvm.await(process);
        String all = seen + r.stderr();
        assertEquals(0, r.exitCode(), all);
        assertTrue(all.contains("RESULT after allowed:rows for select * from refunds"), all);
        assertTrue(all.contains("policy reload REJECTED"), all);
        List<Map<String, Object>> rejected = AuditRecords.ofType(dir.resolve(".agent-hypervisor"), "policy.rejected");
        assertEquals(1, rejected.size(), all);
        assertTrue(rejected.get(0).get("problems").toString().contains("agents.support.ring"), rejected.toString());
        assertEquals(1, AuditRecords.ofType(dir.resolve(".agent-hypervisor"), "policy.reloaded").size());
        assertTrue(policy.toFile().exists());
    }

    @Test
    void auditModeRunsTheCallAndRecordsWhatWouldHaveBeenDenied() {
        Result r = RingsIT.runDesk("audit-mode", "mode: audit\n" + RingsIT.DESK_POLICY, "support->ledger", "executed");
        assertEquals("allowed:rows for select * from refunds", r.result("support->ledger"));
        assertEquals("1", r.result("executed"));
        assertTrue(r.output().contains("WOULD DENY"), r::toString);
        List<Map<String, Object>> records = AuditRecords.ofType(r.dataDir(), "ring.would-deny");
        assertEquals(1, records.size(), () -> AuditRecords.read(r.dataDir()).toString());
        assertEquals("support", records.get(0).get("agent"));
        assertTrue(AuditRecords.ofType(r.dataDir(), "ring.denied").isEmpty());
    }

    @Test
    void modeOffInstrumentsNothing() {
        Result r = RingsIT.runDesk("mode-off", "mode: off\n" + RingsIT.DESK_POLICY, "facade", "support->ledger");
        assertEquals("allowed:rows for select * from refunds", r.result("support->ledger"));
        assertEquals("false", r.result("active"));
    }

    @Test
    void theKillSwitchDisablesTheAgent() {
        Result r = ChildJvm.withAgent("policy=nowhere.yaml").jvmArg("-Dagenthypervisor.enabled=false")
                .run("com.acme.desk.DeskApp", "facade", "support->ledger");
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("false", r.result("active"));
        assertTrue(r.stderr().contains("disabled"), r::toString);
    }
}
