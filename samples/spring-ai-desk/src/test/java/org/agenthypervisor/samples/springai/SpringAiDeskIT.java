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
 * The Spring AI sample under the real agent jar, its code unchanged: tool calls of a ring-3 and a
 * ring-0 service class, a {@code @Tool} method and an MCP-style callback, a streamed Flux that the
 * caller subscribes to, and a call made outside every agent.
 */
class SpringAiDeskIT {
    private static final String POLICY = """
            version: 1
            agents:
              support:
                ring: 3
                classes: org.agenthypervisor.samples.springai.SupportService
              ops:
                ring: 0
                classes: org.agenthypervisor.samples.springai.OpsService
            rules:
              - tools: "deleteAll*"
                ring: 0
              - tools: "refunds.delete*"
                ring: 0
            """;
    private static final String DENIED = "denied: the tool 'deleteAllRefunds' requires ring 0; agent 'support' may not call it";

    private static Result run(String name, String policy, String... scenarios) {
        Path dir = ChildJvm.freshWorkDir(name);
        ChildJvm.write(dir, "policy.yaml", policy);
        Result r = ChildJvm.withAgent("policy=policy.yaml").in(dir).jar(Path.of(System.getProperty("it.demoJar")))
                .runJar(scenarios);
        assertEquals(0, r.exitCode(), r::toString);
        return r;
    }

    @Test
    void withoutTheAgentTheSupportServicesModelDeletes() {
        Result r = ChildJvm.withoutAgent().in(ChildJvm.freshWorkDir("sa-plain"))
                .jar(Path.of(System.getProperty("it.demoJar"))).runJar("support-delete");
        assertEquals("1", r.result("support-delete-ran"), r::toString);
    }

    @Test
    void aToolMethodAndAnMcpCallbackAreGovernedForTheCallingAgent() {
        Result r = run("sa-rings", POLICY, "ops-delete", "support-delete", "support-mcp", "ops-mcp", "injection");
        assertEquals("1", r.result("ops-delete-ran"));
        assertEquals("ok:done", r.result("support-delete"), "tell-model: the call completes");
        assertEquals("0", r.result("support-delete-ran"), "the denied tool's body must not run");
        assertEquals(DENIED, r.result("support-delete-saw"));
        assertFalse(r.result("support-delete-saw").contains("agents."));
        assertEquals("0", r.result("support-mcp-ran"));
        assertEquals("denied: the tool 'refunds.deleteAll' requires ring 0; agent 'support' may not call it",
                r.result("support-mcp-saw"));
        assertEquals("1", r.result("ops-mcp-ran"));
        assertEquals("0", r.result("injection-ran"));
        List<Map<String, Object>> denials = AuditRecords.ofType(r.dataDir(), "ring.denied");
        assertEquals(List.of("deleteAllRefunds", "refunds.deleteAll", "deleteAllRefunds"),
                denials.stream().map(d -> d.get("tool")).toList(), denials::toString);
        denials.forEach(d -> assertEquals("support", d.get("agent")));
        denials.forEach(d -> assertEquals("spring-ai", d.get("framework")));
        assertTrue(r.output().contains("integration active: Spring AI 2.0.1"), r::toString);
    }

    @Test
    void abortThrowsTheRingViolationOutOfTheChatClientCall() {
        Result r = run("sa-abort", POLICY.replace("version: 1\n", "version: 1\nframeworks:\n  onDenial: abort\n"),
                "support-delete", "ops-delete");
        assertTrue(r.result("support-delete").startsWith("error:RingViolationException:agent 'support'"), r::toString);
        assertEquals("0", r.result("support-delete-ran"));
        assertEquals("1", r.result("ops-delete-ran"));
    }

    @Test
    void aFluxBuiltByAnAgentRunsAsThatAgentWhenTheHostSubscribes() {
        Result r = run("sa-stream", POLICY, "support-stream-delete", "ops-stream-delete");
        assertEquals("0", r.result("support-stream-delete-ran"), r::toString);
        assertEquals(DENIED, r.result("support-stream-delete-saw"));
        assertEquals("1", r.result("ops-stream-delete-ran"), "ops' stream runs as ops (ring 0), not as unidentified");
    }

    @Test
    void aCallOutsideEveryAgentRunsAtTheUnidentifiedRing() {
        Result r = run("sa-host", POLICY, "host-delete");
        assertEquals("0", r.result("host-delete-ran"), "main is not bound: its tool call must not run as the host");
        assertTrue(r.result("host-delete-saw").contains("agent 'unidentified' may not call it"), r::toString);
        Result raised = run("sa-host-0", POLICY.replace("version: 1\n", "version: 1\nframeworks:\n  unidentifiedRing: 0\n"),
                "host-delete");
        assertEquals("1", raised.result("host-delete-ran"));
    }
}
