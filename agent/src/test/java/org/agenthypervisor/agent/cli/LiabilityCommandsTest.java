package org.agenthypervisor.agent.cli;

import org.agenthypervisor.core.audit.AuditLog;
import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.crypto.SigningKey;
import org.agenthypervisor.core.liability.TrustLedger;
import org.agenthypervisor.core.liability.Vouch;
import org.agenthypervisor.core.policy.PolicyParser;
import org.agenthypervisor.core.store.Durability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** trust, keys and vouch on the command line, in-process. */
class LiabilityCommandsTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = HypervisorCommand.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    Path data() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        return data;
    }

    @Test
    void everyCommandHasHelp() {
        for (String[] cmd : List.of(new String[] {"trust", "--help"}, new String[] {"trust", "list", "--help"},
                new String[] {"trust", "set", "--help"}, new String[] {"keys", "--help"}, new String[] {"keys", "export", "--help"},
                new String[] {"vouch", "--help"}, new String[] {"vouch", "export", "--help"}, new String[] {"vouch", "verify", "--help"})) {
            Run r = run(cmd);
            assertEquals(0, r.code(), String.join(" ", cmd) + ": " + r);
            assertTrue(r.out().contains("Usage:"), r.out());
        }
    }

    @Test
    void trustSetWritesTheLedgerAndTheAuditLogAndTrustListShowsIt() throws Exception {
        Path data = data();
        Run set = run("trust", "set", "billing", "0.8", "--reason", "reviewed", "--data-dir", data.toString());
        assertEquals(0, set.code(), set.toString());
        assertEquals(0.8, TrustLedger.read(data).get("billing").trust());
        Run list = run("trust", "list", "--data-dir", data.toString());
        assertEquals(0, list.code(), list.toString());
        assertTrue(list.out().contains("billing"), list.out());
        assertTrue(list.out().contains("0.80"), list.out());
        assertTrue(list.out().contains("set"), list.out());
        assertTrue(list.out().contains("reviewed"), list.out());
        Path policy = dir.resolve("p.yaml");
        Files.writeString(policy, "version: 1\nagents:\n  ledger:\n    trust: 0.9\n");
        Run withPolicy = run("trust", "list", "--data-dir", data.toString(), "--policy", policy.toString());
        assertTrue(withPolicy.out().contains("ledger") && withPolicy.out().contains("0.90"), withPolicy.out());
        assertTrue(withPolicy.out().contains("initial trust from the policy"), withPolicy.out());
    }

    @Test
    void trustSetRefusesARunningJvmAndBadInput() throws Exception {
        Path data = data();
        try (TrustLedger held = TrustLedger.open(data, Durability.BATCH)) {
            Run r = run("trust", "set", "billing", "0.8", "--reason", "x", "--data-dir", data.toString());
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("JMX"), r.err());
        }
        assertEquals(2, run("trust", "set", "billing", "1.5", "--reason", "x", "--data-dir", data.toString()).code());
        assertEquals(2, run("trust", "set", "Billing!", "0.5", "--reason", "x", "--data-dir", data.toString()).code());
        Run hypervisor = run("trust", "set", "hypervisor", "0.5", "--reason", "x", "--data-dir", data.toString());
        assertEquals(2, hypervisor.code(), "the hypervisor's key id is never an agent");
        assertTrue(hypervisor.err().contains("the hypervisor's own key id"), hypervisor.err());
        assertEquals(2, run("trust", "set", "billing", "0.5", "--data-dir", data.toString()).code(), "--reason is required");
        assertEquals(2, run("trust", "list", "--data-dir", dir.resolve("missing").toString()).code());
        assertEquals(2, run("trust").code());
    }

    @Test
    void keysListsAndExports() throws Exception {
        Path data = data();
        KeyDirectory keys = KeyDirectory.open(data.resolve("keys"));
        SigningKey a = keys.getOrCreate("alpha");
        keys.getOrCreate("hypervisor");
        Run list = run("keys", "--data-dir", data.toString());
        assertEquals(0, list.code(), list.toString());
        assertTrue(list.out().contains("alpha") && list.out().contains(a.keyId()), list.out());
        assertTrue(list.out().contains("hypervisor"), list.out());
        Run export = run("keys", "export", "alpha", "--data-dir", data.toString());
        assertEquals(0, export.code(), export.toString());
        assertEquals(a.publicKey().toPem(), export.out());
        assertEquals(2, run("keys", "export", "nobody", "--data-dir", data.toString()).code());
        assertEquals(2, run("keys", "--data-dir", dir.resolve("missing").toString()).code());
    }

    @Test
    void aBatchedVouchIsSignedAtExportAndVerifiesUntilOneByteChanges() throws Exception {
        Path data = data();
        SigningKey key = KeyDirectory.open(data.resolve("keys")).getOrCreate("alpha");
        Vouch v = new Vouch("b00t-1", "alpha", "beta", "com.acme.Beta#take(String)", "call", "00".repeat(32), true,
                List.of(), List.of(), null, 1, 1_700_000_000_000L);
        try (AuditLog audit = AuditLog.open(data, PolicyParser.defaults().audit())) {
            audit.record("policy.loaded", java.util.Map.of("source", "test"));
            audit.record("handoff", v.auditFields("batched", null));
            audit.flush();
        }
        Path env = dir.resolve("v.json");
        Run export = run("vouch", "export", "--seq", "1", "--data-dir", data.toString(), "--out", env.toString());
        assertEquals(0, export.code(), export.toString());
        assertTrue(export.err().contains("signed now, at export"), export.err());
        Path keysDir = data.resolve("keys");
        Run ok = run("vouch", "verify", env.toString(), "--keys", keysDir.toString());
        assertEquals(0, ok.code(), ok.toString());
        assertTrue(ok.out().startsWith("valid: vouch b00t-1"), ok.out());

        byte[] bytes = Files.readAllBytes(env);
        int invalidCount = 0;
        for (int i = 0; i < bytes.length - 1; i++) {
            byte[] changed = bytes.clone();
            changed[i] ^= 0x01;
            Path bad = dir.resolve("bad.json");
            Files.write(bad, changed);
            Run r = run("vouch", "verify", bad.toString(), "--keys", keysDir.toString());
            assertEquals(1, r.code(), "byte " + i + " changed: " + r);
            invalidCount++;
        }
        assertTrue(invalidCount > 100);
        Run other = run("vouch", "verify", env.toString(), "--keys", dir.resolve("nokeys").toString());
        assertEquals(2, other.code());
        assertEquals(2, run("vouch", "export", "--seq", "0", "--data-dir", data.toString()).code(), "not a hand-off");
        assertEquals(2, run("vouch", "export", "--seq", "9", "--data-dir", data.toString()).code(), "no such record");
        assertFalse(key.keyId().isEmpty());
    }
}
