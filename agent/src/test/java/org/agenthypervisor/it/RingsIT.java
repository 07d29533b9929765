package org.agenthypervisor.it;

import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SPEC §2 under the real agent jar: who may call what, and what a denial looks like. */
class RingsIT {
    static final String DESK_POLICY = """
            version: 1
            agents:
              support:
                ring: 3
              ledger:
                ring: 0
              billing:
                ring: 1
                trust: 0.9
            rules:
              - methods: "com.acme.desk.Db#execute*"
                ring: 0
            """;

    static Result runDesk(String name, String policy, String... scenarios) {
        Path dir = ChildJvm.freshWorkDir(name);
        ChildJvm.write(dir, "policy.yaml", policy);
        Result result = ChildJvm.withAgent("policy=policy.yaml").in(dir).run("com.acme.desk.DeskApp", scenarios);
        assertEquals(0, result.exitCode(), result::toString);
        return result;
    }

    @Test
    void aRing3AgentIsDeniedARing0MethodWhoseBodyDoesNotRun() {
        Result r = runDesk("deny", DESK_POLICY, "support->ledger", "executed");
        assertEquals("denied:RingViolationException:agent 'support' (effective ring 3, granted ring 3, trust 1.00)"
                        + " may not call com.acme.desk.Ledger#rawSql(String): it requires ring 0 (kernel)"
                        + " (@Ring(0) on com.acme.desk.Ledger#rawSql(String)); to allow it, grant agents.support.ring: 0"
                        + " in the policy",
                r.result("support->ledger"));
        assertEquals("0", r.result("executed"), "the denied method's body must not run");
    }

    @Test
    void aDenialIsOneLogLineAndAnAuditRecord() {
        Result r = runDesk("deny-audit", DESK_POLICY, "support->ledger");
        List<String> denials = r.output().lines().filter(l -> l.contains("DENIED")).toList();
        assertEquals(1, denials.size(), r::toString);
        assertTrue(denials.get(0).contains("org.agenthypervisor.rings"), denials.get(0));
        assertTrue(denials.get(0).contains("agent 'support'"), denials.get(0));
        List<Map<String, Object>> records = AuditRecords.ofType(r.dataDir(), "ring.denied");
        assertEquals(1, records.size(), () -> AuditRecords.read(r.dataDir()).toString());
        Map<String, Object> record = records.get(0);
        assertEquals("support", record.get("agent"));
        assertEquals("com.acme.desk.Ledger#rawSql(String)", record.get("method"));
        assertEquals(3L, ((Number) record.get("effectiveRing")).longValue());
        assertEquals(0L, ((Number) record.get("requiredRing")).longValue());
        assertTrue(record.get("time") instanceof String);
        assertEquals(1, AuditRecords.ofType(r.dataDir(), "policy.loaded").size());
    }

    @Test
    void aRing0AgentAndTheHostAreAllowed() {
        Result r = runDesk("allow", DESK_POLICY, "ledger-own", "host->ledger", "executed");
        assertEquals("allowed:rows for reconcile", r.result("ledger-own"));
        assertEquals("allowed:rows for host query", r.result("host->ledger"));
        assertEquals("2", r.result("executed"));
        assertTrue(AuditRecords.ofType(r.dataDir(), "ring.denied").isEmpty(), "allowed calls are not audited");
    }

    @Test
    void aPolicyRuleGovernsAnUnannotatedMethod() {
        Result r = runDesk("rule", DESK_POLICY, "support-db", "support-db-query", "db-executed");
        assertTrue(r.result("support-db").startsWith("denied:RingViolationException:agent 'support'"), r::toString);
        assertTrue(r.result("support-db").contains("policy rule #1 (methods: com.acme.desk.Db#execute*)"), r::toString);
        assertEquals("allowed:queried: select 1", r.result("support-db-query"), "query is not matched by execute*");
        assertEquals("0", r.result("db-executed"));
    }

    @Test
    void aRing1GrantIsDemotedByTrustBelowTheFloor() {
        Result r = runDesk("demoted", DESK_POLICY, "facade", "billing-approve");
        assertEquals("2", r.result("billing-ring"));
        assertEquals("1", r.result("billing-granted"));
        assertEquals("0.9", r.result("billing-trust"));
        assertTrue(r.result("billing-approve").contains("agent 'billing' (effective ring 2, granted ring 1, trust 0.90)"), r::toString);
        assertTrue(r.result("billing-approve").contains("it was demoted from its granted ring because its trust 0.90 is not"
                + " above the ring-1 floor 0.95 (trust.thresholds.1)"), r::toString);
    }

    @Test
    void aRing1GrantWithFullTrustIsAllowed() {
        Result r = runDesk("not-demoted", DESK_POLICY.replace("trust: 0.9", "trust: 0.99"), "billing-approve");
        assertEquals("allowed:approved r-7", r.result("billing-approve"));
    }

    @Test
    void classLevelStaticAndConstructorRequirementsAreEnforced() {
        Result r = runDesk("shapes", DESK_POLICY, "support-vault", "host-vault", "vault-opened", "host-approve",
                "support-archive", "support-archive-stat", "support-archive-read", "support-archive-index", "billing-archive");
        assertTrue(r.result("support-vault").contains("com.acme.desk.Vault#<init>()"), r::toString);
        assertTrue(r.result("support-vault").startsWith("denied:RingViolationException"), r::toString);
        assertEquals("allowed:opened", r.result("host-vault"));
        assertEquals("1", r.result("vault-opened"), "the denied constructor's body did not run");
        assertEquals("allowed:approved r-8", r.result("host-approve"), "static @Ring(1) method, host is ring 0");
        assertTrue(r.result("support-archive").contains("requires ring 2 (standard) (@Ring(2) on class com.acme.desk.Archive)"),
                r::toString);
        assertTrue(r.result("support-archive-stat").contains("com.acme.desk.Archive#stat()"), r::toString);
        assertTrue(r.result("support-archive-read").contains("com.acme.desk.Archive#read(String)"), r::toString);
        assertEquals("allowed:index", r.result("support-archive-index"), "the method's own @Ring(3) wins");
        assertEquals("allowed:archived r-1", r.result("billing-archive"), "billing is demoted to ring 2, enough for ring 2");
    }

    @Test
    void theFacadeReportsTheCurrentAgent() {
        Result r = runDesk("facade", DESK_POLICY, "facade");
        assertEquals("true", r.result("active"));
        assertEquals("host", r.result("agent"));
        assertEquals("support", r.result("support-agent"));
        assertEquals("3", r.result("support-ring"));
    }

    @Test
    void withoutTheAgentTheFacadeIsInactiveAndNothingIsEnforced() {
        Result r = ChildJvm.withoutAgent().classpath(ChildJvm.apiJar()).run("com.acme.desk.DeskApp", "facade", "support->ledger");
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("false", r.result("active"));
        assertEquals("host", r.result("support-agent"));
        assertEquals("-1", r.result("support-ring"));
        assertEquals("allowed:rows for select * from refunds", r.result("support->ledger"));
    }

    @Test
    void aClassDefinedWithANullNameIsGovernedLikeAnyOther() {
        Result r = runDesk("null-name", DESK_POLICY, "null-name");
        assertTrue(r.result("null-name").startsWith("denied:RingViolationException:agent 'support'"), r::toString);
        assertTrue(r.result("null-name").contains("com.acme.escape.SecretVault#open()"), r::toString);
    }
}
