package org.agenthypervisor.it;

import org.agenthypervisor.it.ChildJvm.Result;
import org.agenthypervisor.it.OperatorControlsIT.Interactive;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15, item 1 under the real agent jar: an operator elevates a ring-3 agent of a running JVM
 * from the command line; it calls the one ring-1 method the grant names until the grant expires,
 * and not after, and never the ring-1 method outside {@code --only}; a second grant is revoked. The
 * policy bounds what may be granted. Everything is in the audit log.
 */
class ElevationIT {
    static final String POLICY = """
            version: 1
            agents:
              intern:
                ring: 3
            rules:
              - methods: "com.acme.operator.Vault#open"
                ring: 1
              - methods: "com.acme.operator.Vault#seal"
                ring: 1
            trust:
              thresholds:
                1: 0.8
            elevation:
              maxTtl: 10m
            """;

    @Test
    void anElevationFromTheCommandLineLetsARing3AgentCallOneRing1MethodUntilItExpires() throws Exception {
        Path dir = ChildJvm.freshWorkDir("elevation-cli");
        ChildJvm.write(dir, "policy.yaml", POLICY);
        try (Interactive app = new Interactive(dir, "open", "wait", "elevated", "wait", "open", "wait", "open")) {
            assertTrue(app.awaitLine("RESULT open-1 ").startsWith("RESULT open-1 denied:RingViolationException:agent"
                    + " 'intern' (effective ring 3"), "ring 3 before any grant");
            String pid = app.awaitLine("READY ").substring(6);

            Result ring0 = Cli.run(dir, "elevate", "intern", "--ring", "0", "--reason", "x", "--pid", pid);
            assertEquals(2, ring0.exitCode(), ring0::toString);
            assertTrue(ring0.stderr().contains("refused elevate: ring 0 (kernel) is never granted by elevation unless the"
                    + " policy says elevation.allowRing0: true"), ring0::toString);
            Result tooLong = Cli.run(dir, "elevate", "intern", "--ring", "1", "--ttl", "2h", "--reason", "x", "--pid", pid);
            assertEquals(2, tooLong.exitCode(), tooLong::toString);
            assertTrue(tooLong.stderr().contains("a TTL of 2h is longer than the policy's elevation.maxTtl (10m)"),
                    tooLong::toString);

            Result grant = Cli.run(dir, "elevate", "intern", "--ring", "1", "--ttl", "4s", "--only",
                    "com.acme.operator.Vault#open", "--reason", "incident 42: rotate the vault key", "--pid", pid);
            assertEquals(0, grant.exitCode(), grant::toString);
            assertTrue(grant.stdout().startsWith("agent 'intern' elevated to ring 1 for 4s (until "), grant::toString);
            assertTrue(grant.stdout().contains(" for com.acme.operator.Vault#open only by jmx: incident 42"), grant::toString);
            app.go();
            String seal = app.awaitLine("RESULT seal ");
            assertTrue(seal.startsWith("RESULT seal denied:RingViolationException:agent 'intern' (effective ring 3"),
                    "outside --only: " + seal);
            int allowed = Integer.parseInt(app.awaitLine("RESULT open-allowed ").substring("RESULT open-allowed ".length()));
            assertTrue(allowed >= 1, "open() ran under the grant");
            String after = app.awaitLine("RESULT open-after ");
            assertTrue(after.startsWith("RESULT open-after denied:RingViolationException:agent 'intern' (effective ring 3,"
                    + " granted ring 3"), "denied once the grant expired: " + after);

            app.awaitLine("READY ");
            Result second = Cli.run(dir, "elevate", "intern", "--ring", "1", "--reason", "second look", "--pid", pid);
            assertEquals(0, second.exitCode(), second::toString);
            assertTrue(second.stdout().startsWith("agent 'intern' elevated to ring 1 for 5m "), "the default TTL: " + second);
            Result list = Cli.run(dir, "trust", "list", "--pid", pid);
            assertEquals(0, list.exitCode(), list::toString);
            assertTrue(list.stdout().contains("Elevated to ring 1 until ") && list.stdout().contains("by jmx: second look"),
                    list::toString);
            app.go();
            assertEquals("RESULT open-5 allowed:opened", app.awaitLine("RESULT open-5 "));
            app.awaitLine("READY ");
            Result revoke = Cli.run(dir, "elevate", "intern", "--revoke", "--reason", "done", "--pid", pid);
            assertEquals(0, revoke.exitCode(), revoke::toString);
            assertEquals("agent 'intern': elevation to ring 1 revoked by jmx: done (used 1 time(s))", revoke.stdout().strip());
            app.go();
            Result r = app.finish();
            assertTrue(r.result("open-7").startsWith("denied:RingViolationException:"), "revoked: " + r.result("open-7"));

            List<Map<String, Object>> granted = AuditRecords.ofType(r.dataDir(), "elevation.granted");
            assertEquals(2, granted.size(), "the refused grants are not granted: " + granted);
            assertEquals("intern", granted.get(0).get("agent"));
            assertEquals(1L, granted.get(0).get("ring"));
            assertEquals(4_000L, granted.get(0).get("ttlMillis"));
            assertEquals("com.acme.operator.Vault#open", granted.get(0).get("only"));
            assertEquals("jmx", granted.get(0).get("by"));
            List<Map<String, Object>> used = AuditRecords.ofType(r.dataDir(), "elevation.used");
            assertEquals(2, used.size(), "the first use under each grant: " + used);
            assertEquals("com.acme.operator.Vault#open()", used.get(0).get("method"));
            List<Map<String, Object>> expired = AuditRecords.ofType(r.dataDir(), "elevation.expired");
            assertEquals(1, expired.size(), expired::toString);
            assertEquals((long) allowed, expired.get(0).get("uses"), "every use under the grant is counted");
            Map<String, Object> revoked = AuditRecords.ofType(r.dataDir(), "elevation.revoked").get(0);
            assertEquals("done", revoked.get("reason"));
            assertEquals("second look", revoked.get("grantReason"));
        }
    }
}
