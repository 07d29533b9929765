package org.agenthypervisor.samples.springai;

import org.agenthypervisor.it.AuditRecords;
import org.agenthypervisor.it.ChildJvm;
import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Spring AI sample run as a user runs it, {@code java -javaagent:... -jar spring-ai-desk.jar
 * SCENARIOS}, its code unchanged, under policies that bind its service classes to agents
 * ({@code agents.<id>.classes}) and asserting what docs/frameworks.md promises: a tool denied to the
 * calling agent does not run; the model is told (or the call aborts); the denial is audited.
 */
class SpringAiDeskIT {
    private static final String AGENTS = """
            version: 1
            agents:
              support:
                ring: 3
                classes: "org.agenthypervisor.samples.springai.SupportService"
              ops:
                ring: 0
                classes: "org.agenthypervisor.samples.springai.OpsService"
            """;
    private static final String DELETE_AT_RING_0 = """
            rules:
              - tools: "deleteAllRefunds"
                ring: 0
            """;

    private static Path demoJar() {
        return Path.of(System.getProperty("it.demoJar"));
    }

    /** Runs the scenarios in one child JVM under the agent and {@code policy}, written to a fresh work dir. */
    private static Result run(String name, String policy, String... scenarios) {
        Path dir = ChildJvm.freshWorkDir(name);
        ChildJvm.write(dir, "policy.yaml", policy);
        Result r = ChildJvm.withAgent("policy=policy.yaml").in(dir).jar(demoJar()).runJar(scenarios);
        assertEquals(0, r.exitCode(), r::toString);
        return r;
    }

    /** A tool result telling the model of a denial, without policy internals. */
    private static void assertToldDenied(String saw, String tool, Result r) {
        assertTrue(saw.startsWith("denied:"), () -> "the model should read a denial, it read: " + saw + "\n" + r);
        assertTrue(saw.contains("'" + tool + "'"), () -> "the denial names the tool: " + saw);
        assertFalse(saw.contains("agents."), () -> "no policy internals: " + saw);
        assertFalse(saw.toLowerCase().contains("policy"), () -> "no policy internals: " + saw);
    }

    private static void assertDenials(Result r, String agent, List<String> tools) {
        List<Map<String, Object>> denials = AuditRecords.ofType(r.dataDir(), "ring.denied");
        assertEquals(tools, denials.stream().map(d -> d.get("tool")).toList(), () -> denials + "\n" + r);
        denials.forEach(d -> assertEquals(agent, d.get("agent"), denials::toString));
    }

    /**
     * Issue 15's approvals on a Spring AI tool call: each call the model asks for waits at the tool
     * dispatcher for the approver (with the model's arguments), and the body runs only when approved.
     */
    @Test
    void anApprovalRequiredToolWaitsForTheApproverAndRunsOnlyWhenApproved() {
        Result r = run("sa-approval", AGENTS + """
                rules:
                  - tools: "deleteAll*"
                    approval: required
                approval:
                  timeout: 2s
                  approver: org.agenthypervisor.samples.springai.ScriptedApprover
                """, "ops-delete", "ops-delete", "ops-delete");
        assertEquals(List.of("RESULT ops-delete-ran 1", "RESULT ops-delete-ran 0", "RESULT ops-delete-ran 0"),
                r.lines("RESULT ops-delete-ran "), "approved, denied, timed out: only the approved call's body ran");
        List<String> saw = r.lines("RESULT ops-delete-saw ");
        assertEquals("RESULT ops-delete-saw \"all refunds deleted\"", saw.get(0), r::toString);
        assertTrue(saw.get(1).contains("the tool 'deleteAllRefunds' was not approved; it did not run"), r::toString);
        assertTrue(saw.get(2).contains("the tool 'deleteAllRefunds' was not approved in time; it did not run"),
                r::toString);
        assertTrue(r.result("approver-saw-1").startsWith("ops tool 'deleteAllRefunds' ("), r::toString);
        assertEquals(3, AuditRecords.ofType(r.dataDir(), "approval.requested").size());
        assertEquals("change-board", AuditRecords.ofType(r.dataDir(), "approval.approved").get(0).get("by"));
        assertEquals("ticket CHG-2 rejected", AuditRecords.ofType(r.dataDir(), "approval.denied").get(0).get("reason"));
        assertEquals(1, AuditRecords.ofType(r.dataDir(), "approval.timedOut").size());
    }

    @Test
    void withoutTheAgentTheSupportServicesModelDeletesEverything() {
        Result r = ChildJvm.withoutAgent().in(ChildJvm.freshWorkDir("sa-plain")).jar(demoJar())
                .runJar("support-delete", "support-mcp", "support-stream-delete", "host-delete", "prompt-injection");
        assertEquals(0, r.exitCode(), r::toString);
        for (String scenario : List.of("support-delete", "support-mcp", "support-stream-delete", "host-delete")) {
            assertEquals("ok:done", r.result(scenario), r::toString);
            assertEquals("1", r.result(scenario + "-ran"), r::toString);
        }
        assertEquals("\"all refunds deleted\"", r.result("support-delete-saw"));
        assertEquals("1", r.result("prompt-injection-ran"), "the injected instruction is obeyed");
        assertEquals("\"refund r-7: 40.00 EUR, open\" | \"all refunds deleted\"", r.result("prompt-injection-saw"));
    }

    @Test
    void aToolRuleDeniesTheRingThreeServiceBeforeTheBodyRunsAndTellsItsModel() {
        Result r = run("sa-tell", AGENTS + DELETE_AT_RING_0, "ops-delete", "support-delete", "prompt-injection");
        assertEquals("ok:done", r.result("ops-delete"), r::toString);
        assertEquals("1", r.result("ops-delete-ran"), "ops (ring 0) may delete");
        assertEquals("\"all refunds deleted\"", r.result("ops-delete-saw"));

        assertEquals("0", r.result("support-delete-ran"), "the denied tool's body must not run");
        assertEquals("ok:done", r.result("support-delete"), "tell-model: the call completes");
        assertToldDenied(r.result("support-delete-saw"), "deleteAllRefunds", r);

        assertEquals("1", r.result("prompt-injection-lookups"), "the harmless tool still runs");
        assertEquals("0", r.result("prompt-injection-ran"), "the injected deletion is denied");
        assertEquals("ok:Refund r-7 is open: 40.00 EUR.", r.result("prompt-injection"));
        String saw = r.result("prompt-injection-saw");
        assertTrue(saw.startsWith("\"refund r-7: 40.00 EUR, open\" | "), saw);
        assertToldDenied(saw.substring(saw.indexOf(" | ") + 3), "deleteAllRefunds", r);

        assertDenials(r, "support", List.of("deleteAllRefunds", "deleteAllRefunds"));
    }

    @Test
    void aRuleOnSpringAisToolAnnotationGovernsToolMethods() {
        Result r = run("sa-annotated", AGENTS + """
                rules:
                  - annotatedWith: "org.springframework.ai.tool.annotation.Tool"
                    ring: 0
                """, "support-delete", "ops-delete", "support-mcp");
        assertEquals("0", r.result("support-delete-ran"), r::toString);
        assertToldDenied(r.result("support-delete-saw"), "deleteAllRefunds", r);
        assertEquals("1", r.result("ops-delete-ran"), r::toString);
        assertEquals("1", r.result("support-mcp-ran"), "a callback without a Java method carries no annotation: only tools: covers it");
        assertDenials(r, "support", List.of("deleteAllRefunds"));
    }

    @Test
    void abortEndsTheChatClientCallWithTheRingViolation() {
        Result r = run("sa-abort", AGENTS + "frameworks:\n  onDenial: abort\n" + DELETE_AT_RING_0,
                "support-delete", "support-stream-delete", "ops-delete");
        assertTrue(r.result("support-delete").startsWith("error:RingViolationException:"), r::toString);
        assertEquals("0", r.result("support-delete-ran"), "the body must not run");
        assertTrue(r.result("support-stream-delete").startsWith("error:RingViolationException:"), r::toString);
        assertEquals("0", r.result("support-stream-delete-ran"), "the body must not run");
        assertEquals("ok:done", r.result("ops-delete"), r::toString);
        assertEquals("1", r.result("ops-delete-ran"));
        assertDenials(r, "support", List.of("deleteAllRefunds", "deleteAllRefunds"));
    }

    @Test
    void anMcpStyleCallbackIsGovernedByTheNameTheModelSees() {
        Result r = run("sa-mcp", AGENTS + """
                rules:
                  - tools: "refunds.delete*"
                    ring: 0
                """, "support-mcp", "ops-mcp", "support-delete");
        assertEquals("0", r.result("support-mcp-ran"), r::toString);
        assertEquals("ok:done", r.result("support-mcp"), r::toString);
        assertToldDenied(r.result("support-mcp-saw"), "refunds.deleteAll", r);
        assertEquals("1", r.result("ops-mcp-ran"), r::toString);
        assertEquals("all refunds deleted on the remote server", r.result("ops-mcp-saw"));
        assertEquals("1", r.result("support-delete-ran"), "the glob matches names: deleteAllRefunds is not refunds.delete*");
        assertDenials(r, "support", List.of("refunds.deleteAll"));
    }

    @Test
    void aFluxAssembledByAServiceRunsAsItsAgentWhenTheHostSubscribes() {
        Result r = run("sa-stream", AGENTS + DELETE_AT_RING_0, "support-stream-delete", "ops-stream-delete");
        assertEquals("0", r.result("support-stream-delete-ran"), r::toString);
        assertEquals("ok:done", r.result("support-stream-delete"), r::toString);
        assertToldDenied(r.result("support-stream-delete-saw"), "deleteAllRefunds", r);
        // Run as 'unidentified' (ring 3), ops' stream would be denied too.
        assertEquals("1", r.result("ops-stream-delete-ran"), () -> "ops' stream runs as ops (ring 0)\n" + r);
        assertDenials(r, "support", List.of("deleteAllRefunds"));
    }

    @Test
    void aCallOutsideEveryAgentRunsAtTheUnidentifiedRingNeverAsTheHost() {
        Result r = run("sa-host", AGENTS + DELETE_AT_RING_0, "host-delete");
        assertEquals("0", r.result("host-delete-ran"), () -> "main is bound to no agent: not run as the host\n" + r);
        assertEquals("ok:done", r.result("host-delete"), r::toString);
        assertToldDenied(r.result("host-delete-saw"), "deleteAllRefunds", r);
        assertDenials(r, "unidentified", List.of("deleteAllRefunds"));

        Result raised = run("sa-host-0", AGENTS + "frameworks:\n  unidentifiedRing: 0\n" + DELETE_AT_RING_0, "host-delete");
        assertEquals("1", raised.result("host-delete-ran"), raised::toString);
        assertEquals("\"all refunds deleted\"", raised.result("host-delete-saw"));
        assertDenials(raised, "unidentified", List.of());
    }

    @Test
    void theSamplesOwnPolicyTellsTheStoryOfItsReadme() {
        Path dir = ChildJvm.freshWorkDir("sa-readme");
        Result r = ChildJvm.withAgent("policy=" + Path.of(System.getProperty("it.policy")).toAbsolutePath()).in(dir)
                .jar(demoJar()).runJar();
        assertEquals(0, r.exitCode(), r::toString);
        for (String allowed : List.of("ops-delete", "ops-mcp", "ops-stream-delete")) {
            assertEquals("1", r.result(allowed + "-ran"), r::toString);
        }
        for (String denied : List.of("support-delete", "prompt-injection", "support-mcp", "support-stream-delete", "host-delete")) {
            assertEquals("0", r.result(denied + "-ran"), r::toString);
            assertTrue(r.result(denied).startsWith("ok:"), r::toString);
        }
        assertEquals(5, AuditRecords.ofType(r.dataDir(), "ring.denied").size(), r::toString);
    }
}
