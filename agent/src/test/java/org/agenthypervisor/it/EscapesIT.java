package org.agenthypervisor.it;

import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10: the techniques a red-team run used to make a ring-0 agent's body run from a ring-3 agent
 * ({@code intruder} against {@code vault}), each now refused. The host (ring 0) does the running, as
 * an unsuspecting application would; {@code dropped} counts how often the ring-0 body ran.
 */
class EscapesIT {
    static final String POLICY = """
            version: 1
            agents:
              vault:
                ring: 0
                classes: com.acme.escape.Vault
              intruder:
                ring: 3
                # These tests are about the layers below capabilities: let the intruder use files in the
                # working directory and private reflection, so what stops it is the rule under test.
                capabilities:
                  files.read: ["./**"]
                  files.write: ["./**"]
                  reflection.private: true
            liability:
              breach:
                minCalls: 1000000   # escape after escape on purpose: keep the breaker (issue 15) out of it
            """;

    static Result run(String name, String... scenarios) {
        Path dir = ChildJvm.freshWorkDir(name);
        ChildJvm.write(dir, "policy.yaml", POLICY);
        Result result = ChildJvm.withAgent("policy=policy.yaml").in(dir).run("com.acme.escape.EscapeApp", scenarios);
        assertEquals(0, result.exitCode(), result::toString);
        return result;
    }

    private static void assertDeniedAsIntruder(Result r, String scenario) {
        assertTrue(r.result(scenario).startsWith("denied:RingViolationException:agent 'intruder'"),
                () -> scenario + ": " + r.result(scenario) + "\n" + r);
    }

    @Test
    void methodReferencesTheIntruderWroteRunAsTheIntruderWhoeverRunsThem() {
        Result r = run("method-refs", "bound-ref", "static-ref", "unbound-ref", "constructor-ref", "dropped");
        for (String s : new String[] {"bound-ref", "static-ref", "unbound-ref", "constructor-ref"}) {
            assertDeniedAsIntruder(r, s);
        }
        assertEquals("0", r.result("dropped"), r::toString);
    }

    @Test
    void theIntrudersSpecialMethodsNeverRunWithTheHostsRing() {
        Result r = run("special-methods", "to-string", "hash-code", "constructor", "static-init", "record-accessor",
                "host", "dropped");
        for (String s : new String[] {"to-string", "hash-code", "constructor", "static-init", "record-accessor"}) {
            assertDeniedAsIntruder(r, s);
        }
        assertEquals("host", r.result("host"), "after all that, the host's thread runs as the host again");
        assertEquals("0", r.result("dropped"), r::toString);
    }

    @Test
    void theHypervisorsPayloadEncoderDoesNotRunTheIntrudersCodeAsTheVault() {
        Result r = run("encoder", "encoder", "dropped");
        assertTrue(r.result("encoder").startsWith("allowed:"), r::toString);
        assertEquals("0", r.result("dropped"), r::toString);
    }

    @Test
    void anotherAgentCannotEnterAPrivateMethodByReflectionOrAMethodHandle() {
        Result r = run("private-entry", "reflect-private", "lookup-private", "dropped");
        for (String s : new String[] {"reflect-private", "lookup-private"}) {
            assertTrue(r.result(s).startsWith("denied:RingViolationException:agent 'intruder' (effective ring 3) may not"
                    + " enter com.acme.escape.Vault#secretDrop()"), () -> s + ": " + r);
        }
        assertEquals("0", r.result("dropped"), r::toString);
        assertTrue(AuditRecords.ofType(r.dataDir(), "ring.denied").size() >= 2, "each refusal is audited");
    }

    @Test
    void anAgentsOwnLambdasAndMethodReferencesToItsPrivateMethodsStillRunWhenTheHostRunsThem() {
        Result r = run("own-private", "vault-private-task", "vault-method-ref");
        assertEquals("allowed:vault", r.result("vault-private-task"), r::toString);
        assertEquals("allowed:[vault]", r.result("vault-method-ref"), r::toString);
    }

    @Test
    void aThreadThatInheritsNoThreadLocalsStillRunsAsTheAgentThatStartedIt() {
        boolean builders = ChildJvm.javaVersion() >= 21;
        Result r = builders ? run("no-inherit", "thread-no-inherit", "platform-builder", "virtual-builder", "dropped")
                : run("no-inherit", "thread-no-inherit", "dropped");
        for (String s : builders ? new String[] {"thread-no-inherit", "platform-builder", "virtual-builder"}
                : new String[] {"thread-no-inherit"}) {
            assertTrue(r.result(s).startsWith("allowed:[denied:RingViolationException:agent 'intruder'"),
                    () -> s + ": " + r);
        }
        assertEquals("0", r.result("dropped"), r::toString);
    }

    @Test
    void aTaskPutStraightIntoAPoolsQueueRunsUnidentifiedWhileTheHostsTasksRunAsTheHost() {
        Result r = run("queue-offer", "queue-offer", "host-pool", "dropped");
        assertTrue(r.result("queue-offer").startsWith("allowed:[denied:RingViolationException:agent 'unidentified'"),
                r::toString);
        assertEquals("[allowed:dropped, host]", r.result("host-pool"), "the host's own pool tasks keep the host's ring");
        assertEquals("1", r.result("dropped"), "only the host's task dropped");
    }

    @Test
    void aPolicyFileThisJvmCanWriteIsNotReloadedAndAgentsCannotWriteItAnyway() {
        Result r = run("rewrite-policy", "rewrite-policy", "host-rewrites-policy", "drop-after-a-while", "dropped");
        assertTrue(r.result("rewrite-policy").startsWith("denied:CapabilityDeniedException:agent 'intruder'"
                + " (effective ring 3) may not "), r::toString);
        assertEquals("allowed:rewritten", r.result("host-rewrites-policy"));
        assertDeniedAsIntruder(r, "drop-after-a-while");
        assertEquals("0", r.result("dropped"), r::toString);
        assertTrue(r.output().contains("not watching") && r.output().contains("this JVM can write it"), r::toString);
        assertTrue(AuditRecords.ofType(r.dataDir(), "policy.reloaded").isEmpty(), "nothing was reloaded");
    }

    @Test
    void noAgentReadsOrWritesTheHypervisorsOwnFilesWhateverItsRing() {
        Result r = run("own-files", "read-key", "read-key-stream", "read-key-symlink",
                "forge-journal", "delete-data-dir", "own-file", "host-read-policy");
        for (String s : new String[] {"read-key", "read-key-stream", "read-key-symlink", "forge-journal",
                "delete-data-dir"}) {
            assertTrue(r.result(s).startsWith("denied:CapabilityDeniedException:agent 'intruder' (effective ring 3)"
                    + " may not "), () -> s + ": " + r);
            assertTrue(r.result(s).contains("hypervisor's own state"), () -> s + ": " + r);
        }
        assertTrue(r.result("read-key").contains("/.agent-hypervisor/keys/hypervisor.key"), r::toString);
        assertFalse(java.nio.file.Files.exists(r.dataDir().resolve("saga/forged.log")), "the forged file was not written");
        assertTrue(java.nio.file.Files.isDirectory(r.dataDir()));
        assertEquals("allowed:4", r.result("own-file"), "the agent's ordinary files are not this rule's business");
        assertEquals("allowed:true", r.result("host-read-policy"), "the host may");
        assertEquals(5, AuditRecords.ofType(r.dataDir(), "capability.denied").size(),
                () -> AuditRecords.read(r.dataDir()).toString());
    }

    @Test
    void theGatesBridgeRefusesAnEntryWithoutTheSitesWovenKey() {
        Result r = run("gate-by-id", "gate-by-id", "drop-after-a-while", "dropped");
        String out = r.result("gate-by-id");
        assertTrue(out.startsWith("allowed:refused ") && out.contains(" as intruder; first: RingViolationException:agent"
                + " 'intruder' (effective ring 3) may not enter "), r::toString);
        assertTrue(out.contains("without the site's woven key"), out);
        assertDeniedAsIntruder(r, "drop-after-a-while");
        assertEquals("0", r.result("dropped"), r::toString);
        assertFalse(AuditRecords.ofType(r.dataDir(), "ring.denied").isEmpty(), "audited");
    }

    @Test
    void anAgentPinnedToACodeSourceRunsOnlyClassesFromThere() {
        String pinnedElsewhere = POLICY.replace("    classes: com.acme.escape.Vault\n",
                "    classes: com.acme.escape.Vault\n    codeSource: /opt/vault/lib/vault-*.jar\n");
        Path dir = ChildJvm.freshWorkDir("code-source");
        ChildJvm.write(dir, "policy.yaml", pinnedElsewhere);
        Result refused = ChildJvm.withAgent("policy=policy.yaml").in(dir).run("com.acme.escape.EscapeApp", "vault-private-task");
        assertEquals("allowed:invalid-agent-id", refused.result("vault-private-task"), refused::toString);
        assertTrue(refused.output().contains("REFUSED identity: com.acme.escape.Vault would run as agent 'vault'")
                && refused.output().contains("which agents.vault.codeSource [/opt/vault/lib/vault-*.jar] does not list"),
                refused::toString);
        assertTrue(AuditRecords.ofType(refused.dataDir(), "instrumentation.problem").stream()
                .anyMatch(rec -> String.valueOf(rec.get("problem")).contains("codeSource")), "audited");

        String pinnedHere = POLICY.replace("    classes: com.acme.escape.Vault\n",
                "    classes: com.acme.escape.Vault\n    codeSource: \"" + ChildJvm.testClasses() + "\"\n");
        Path here = ChildJvm.freshWorkDir("code-source-ok");
        ChildJvm.write(here, "policy.yaml", pinnedHere);
        Result ok = ChildJvm.withAgent("policy=policy.yaml").in(here).run("com.acme.escape.EscapeApp", "vault-private-task");
        assertEquals("allowed:vault", ok.result("vault-private-task"), ok::toString);
    }

    @Test
    void aHiddenClassIsGovernedLikeAnyOther() {
        Result r = run("hidden-class", "hidden-class", "host-hidden-class", "dropped");
        assertDeniedAsIntruder(r, "hidden-class");
        assertEquals("allowed:dropped by a hidden copy", r.result("host-hidden-class"), "the host may, as always");
        assertEquals("1", r.result("dropped"), r::toString);
    }

    @Test
    void aClassAnAgentDefinesAtRunTimeRunsAsThatAgentWhateverItsAgentAnnotationSays() {
        for (String policy : new String[] {POLICY, POLICY.replace("    classes: com.acme.escape.Vault\n", "")}) {
            Path dir = ChildJvm.freshWorkDir("forged-identity");
            ChildJvm.write(dir, "policy.yaml", policy);
            Result r = ChildJvm.withAgent("policy=policy.yaml").in(dir).run("com.acme.escape.EscapeApp", "forged-identity",
                    "dropped");
            assertTrue(r.result("forged-identity").startsWith("denied:RingViolationException:agent 'intruder'"),
                    r::toString);
            assertEquals("0", r.result("dropped"), r::toString);
            assertTrue(r.output().contains("REFUSED identity: com.acme.escape.forged.FakeVault says @Agent(\"vault\") but"
                    + " was defined at run time by agent 'intruder'"), r::toString);
            assertTrue(r.output().contains("code source none: defined at run time"), r::toString);
            assertTrue(AuditRecords.ofType(r.dataDir(), "instrumentation.problem").stream()
                    .anyMatch(rec -> String.valueOf(rec.get("problem")).contains("REFUSED identity")), "audited");
        }
    }

    @Test
    void theHostReloadsAnUnwatchedPolicyThroughTheMxBeanAndAnAgentMayNot() {
        Result r = run("jmx-reload", "intruder-jmx-reload", "host-rewrites-policy", "host-jmx-reload",
                "drop-after-a-while", "dropped");
        assertTrue(r.result("intruder-jmx-reload").startsWith("denied:SecurityException:agent 'intruder' may not call"
                + " the hypervisor's MXBean operation reloadPolicy"), r::toString);
        assertTrue(r.result("host-jmx-reload").startsWith("allowed:reloaded "), r::toString);
        assertEquals("allowed:dropped", r.result("drop-after-a-while"), "the operator's new grant took effect");
        assertEquals("1", r.result("dropped"));
        assertEquals(1, AuditRecords.ofType(r.dataDir(), "jmx.refused").size());
        assertEquals(1, AuditRecords.ofType(r.dataDir(), "policy.reloaded").size());
    }

    // ------------------------------------------------------------ issue 9: the hypervisor's internals

    private static void assertStillTheIntruderAndDenied(Result r, String scenario) {
        assertTrue(r.result(scenario).endsWith(";as=intruder;drop=denied"), () -> scenario + ": " + r.result(scenario) + "\n" + r);
    }

    @Test
    void publicReflectionCannotFindTheContextCellThroughAnyLoader() {
        Result r = run("internals-reflection", "internals-reflection", "dropped");
        assertTrue(r.result("internals-reflection").startsWith("allowed:forName=ClassNotFoundException,"
                + "forName=ClassNotFoundException,forName=ClassNotFoundException,;"), r::toString);
        assertStillTheIntruderAndDenied(r, "internals-reflection");
        assertEquals("0", r.result("dropped"), r::toString);
    }

    @Test
    void thePublicLookupCannotFindOrCallTheContextCell() {
        Result r = run("internals-public-lookup", "internals-public-lookup", "dropped");
        assertTrue(r.result("internals-public-lookup").startsWith("allowed:findClass=ClassNotFoundException,"
                + "findStatic=IllegalAccessException;"), r::toString);
        assertStillTheIntruderAndDenied(r, "internals-public-lookup");
        assertEquals("0", r.result("dropped"), r::toString);
    }

    @Test
    void aClassObjectOfTheInternalsTakenFromAPoolsQueueOpensNothing() {
        Result r = run("internals-from-queue", "internals-from-queue", "dropped");
        String out = r.result("internals-from-queue");
        assertTrue(out.contains("wrapper=org.agenthypervisor.core.context.ContextTask"), out);
        for (String step : new String[] {"module=org.agenthypervisor.internals", "invoke=IllegalAccessException",
                "setAccessible=InaccessibleObjectException", "fieldSetAccessible=InaccessibleObjectException",
                "privateLookupIn=IllegalAccessException", "findStatic=IllegalAccessException", "addOpens=IllegalCallerException",
                "entry=IllegalStateException"}) {
            assertTrue(out.contains(step), () -> step + " in " + out + "\n" + r);
        }
        assertStillTheIntruderAndDenied(r, "internals-from-queue");
        assertEquals("0", r.result("dropped"), r::toString);
    }

    @Test
    void theInstallersRuntimeAndItsTrustAreOutOfReach() {
        Result r = run("internals-runtime", "internals-runtime", "dropped");
        assertTrue(r.result("internals-runtime").startsWith("allowed:forName=ClassNotFoundException,"
                + "runtime=IllegalAccessException,findStatic=IllegalAccessException,privateLookupIn=IllegalAccessException;"),
                r::toString);
        assertStillTheIntruderAndDenied(r, "internals-runtime");
        assertEquals("0", r.result("dropped"), r::toString);
    }

    @Test
    void theBridgesPublicEntriesNeitherClearTheCallersContextNorLetThemselvesBeRepointed() {
        Result r = run("bridge-abuse", "bridge-abuse", "dropped");
        assertTrue(r.result("bridge-abuse").startsWith("allowed:resetWorker=ok:intruder,enterPoolTask=ok:intruder,"
                + "exitTask=ok:intruder,replaceImpl=CapabilityDeniedException,replaceFacade=IllegalAccessException,"
                + "reinstall=IllegalStateException;"), r::toString);
        assertStillTheIntruderAndDenied(r, "bridge-abuse");
        assertEquals("0", r.result("dropped"), r::toString);
    }
}
