package org.agenthypervisor.samples.langchain4j;

import org.agenthypervisor.it.AuditRecords;
import org.agenthypervisor.it.ChildJvm;
import org.agenthypervisor.it.ChildJvm.Result;
import org.agenthypervisor.it.Cli;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The LangChain4j sample under the real agent jar, its code unchanged and without a hypervisor
 * annotation: AI services as agents, tool calls under rings (also concurrent, streamed and without
 * a Java method), what a denial does, agentic hand-offs, and sagas of tool calls.
 */
class LangChain4jDeskIT {
    private static final String AGENTS = """
            version: 1
            agents:
              support:
                ring: 3
                aiServices: org.agenthypervisor.samples.langchain4j.SupportAssistant
              ops:
                ring: 0
                aiServices: org.agenthypervisor.samples.langchain4j.OpsAssistant
              teller:
                ring: 2
                aiServices: org.agenthypervisor.samples.langchain4j.bank.TransferAssistant
                capabilities:
                  files.write: ["./balances.properties"]   # the bank's tools keep balances in this file
              crediter:
                ring: 2
                agenticNames: credit
                capabilities:
                  files.write: ["./balances.properties"]
              withdrawer:
                ring: 2
                agenticNames: withdraw
                capabilities:
                  files.write: ["./balances.properties"]
            """;
    private static final String TOOL_RULES = """
            rules:
              - tools: "deleteAll*"
                ring: 0
              - tools: "refunds.delete*"
                ring: 0
            """;
    private static final String DENIED_TEXT = "denied: the tool 'deleteAllRefunds' requires ring 0; agent 'support' may not call it";

    private static Result run(Path dir, String policy, String... scenarios) {
        ChildJvm.write(dir, "policy.yaml", policy);
        Result r = ChildJvm.withAgent("policy=policy.yaml").in(dir).jar(Path.of(System.getProperty("it.demoJar")))
                .runJar(scenarios);
        assertEquals(0, r.exitCode(), r::toString);
        return r;
    }

    private static Result run(String name, String policy, String... scenarios) {
        return run(ChildJvm.freshWorkDir(name), policy, scenarios);
    }

    @Test
    void withoutTheAgentBothAssistantsDeleteAllRefunds() {
        Result r = ChildJvm.withoutAgent().in(ChildJvm.freshWorkDir("lc-plain"))
                .jar(Path.of(System.getProperty("it.demoJar"))).runJar("support-delete", "ops-delete");
        assertEquals("1", r.result("support-delete-ran"), r::toString);
        assertEquals("1", r.result("ops-delete-ran"), r::toString);
    }

    @Test
    void theSameToolsObjectLetsOpsDeleteAndDeniesSupportBeforeTheBodyRunsAndTellsTheModel() {
        Result r = run("lc-rings", AGENTS + TOOL_RULES, "ops-delete", "support-delete", "support-concurrent",
                "ops-concurrent", "injection");
        assertEquals("ok:done", r.result("ops-delete"));
        assertEquals("1", r.result("ops-delete-ran"));
        assertEquals("all refunds deleted", r.result("ops-delete-saw"));
        assertEquals("ok:done", r.result("support-delete"), "tell-model: the run goes on");
        assertEquals("0", r.result("support-delete-ran"), "the denied tool's body must not run");
        assertEquals(DENIED_TEXT, r.result("support-delete-saw"), "the model reads the denial as the tool's result");
        assertFalse(r.result("support-delete-saw").contains("agents."), "no policy internals reach the model");
        assertFalse(r.result("support-delete-saw").contains("policy"), "no policy internals reach the model");
        // Concurrent tool execution: the tools run on an executor and keep the assistant's identity.
        assertEquals("0", r.result("support-concurrent-ran"));
        assertEquals("refund r-7: 40 EUR, open | " + DENIED_TEXT, r.result("support-concurrent-saw"));
        assertEquals("1", r.result("ops-concurrent-ran"));
        assertEquals("0", r.result("injection-ran"), "the prompt-injected deletion is denied");
        List<Map<String, Object>> denials = AuditRecords.ofType(r.dataDir(), "ring.denied");
        assertEquals(3, denials.size(), denials::toString);
        for (Map<String, Object> denial : denials) {
            assertEquals("support", denial.get("agent"));
            assertEquals("deleteAllRefunds", denial.get("tool"));
            assertEquals("langchain4j", denial.get("framework"));
            assertEquals(0L, ((Number) denial.get("requiredRing")).longValue());
        }
        assertTrue(r.output().contains("integration active: LangChain4j 1.19.0"), r::toString);
        assertTrue(r.output().contains("the policy binds 3 AI-service glob(s) and 2 agentic name glob(s)"), r::toString);
    }

    @Test
    void callingAnAiServiceFromAnotherAgentIsAVouchedHandOffAndCallingTheToolDirectlyIsStillChecked() {
        String policy = AGENTS.replace("aiServices: org.agenthypervisor.samples.langchain4j.SupportAssistant",
                "aiServices: org.agenthypervisor.samples.langchain4j.SupportAssistant\n    classes:"
                        + " org.agenthypervisor.samples.langchain4j.SupportDesk") + TOOL_RULES;
        Result r = run("lc-escalate", policy, "escalate", "direct");
        assertEquals("1", r.result("escalate-ran"), "ops' tool runs with ops' ring");
        List<Map<String, Object>> handoffs = AuditRecords.ofType(r.dataDir(), "handoff");
        assertEquals("support", handoffs.get(0).get("sender"), handoffs::toString);
        assertEquals("ops", handoffs.get(0).get("receiver"));
        assertEquals("org.agenthypervisor.samples.langchain4j.OpsAssistant#chat(String)", handoffs.get(0).get("method"));
        assertTrue(r.result("direct").startsWith("error:RingViolationException:agent 'support'"), r::toString);
        assertTrue(r.result("direct").contains("policy rule #1 (tools: deleteAll*)"), r::toString);
        assertEquals("0", r.result("direct-ran"), "the tools rule also guards the method's body");
    }

    @Test
    void existingAnnotationAndMethodRulesGovernToolMethodsAtTheDispatcherToo() {
        Result r = run("lc-rules", AGENTS + """
                rules:
                  - methods: "org.agenthypervisor.samples.langchain4j.RefundTools#delete*"
                    ring: 0
                  - annotatedWith: "dev.langchain4j.agent.tool.Tool"
                    ring: 2
                """, "support-delete", "ops-delete");
        assertEquals("0", r.result("support-delete-ran"));
        assertEquals("1", r.result("ops-delete-ran"));
        assertTrue(r.result("support-delete-saw").startsWith("denied: the tool 'deleteAllRefunds' requires ring 0"),
                r::toString);
    }

    @Test
    void abortThrowsTheRingViolationOutOfTheAiServiceCallGloballyAndPerAgent() {
        Result global = run("lc-abort", AGENTS.replace("version: 1\n", "version: 1\nframeworks:\n  onDenial: abort\n")
                + TOOL_RULES, "support-delete", "ops-delete");
        assertTrue(global.result("support-delete").startsWith("error:RingViolationException:agent 'support'"), global::toString);
        assertTrue(global.result("support-delete").contains("may not call tool 'deleteAllRefunds'"), global::toString);
        assertEquals("0", global.result("support-delete-ran"));
        assertEquals("1", global.result("ops-delete-ran"));

        Result perAgent = run("lc-abort-agent", AGENTS.replace("    ring: 3\n", "    ring: 3\n    onDenial: abort\n")
                + TOOL_RULES, "support-delete");
        assertTrue(perAgent.result("support-delete").startsWith("error:RingViolationException:"), perAgent::toString);
        assertEquals("0", perAgent.result("support-delete-ran"));
    }

    @Test
    void aToolCallOutsideEveryAgentRunsAtTheUnidentifiedRingNotAsTheHost() {
        Result r = run("lc-unidentified", "version: 1\n" + TOOL_RULES, "support-delete", "ops-delete");
        assertEquals("0", r.result("support-delete-ran"));
        assertEquals("0", r.result("ops-delete-ran"), "no binding: not the host's ring 0");
        assertTrue(r.result("ops-delete-saw").contains("agent 'unidentified' may not call it"), r::toString);
        assertEquals("unidentified", AuditRecords.ofType(r.dataDir(), "ring.denied").get(0).get("agent"));

        Result raised = run("lc-unidentified-0", "version: 1\nframeworks:\n  unidentifiedRing: 0\n" + TOOL_RULES,
                "ops-delete");
        assertEquals("1", raised.result("ops-delete-ran"));
    }

    @Test
    void anApprovalRequiredToolWaitsForTheApproverAndRunsOnlyWhenApproved() {
        Result r = run("lc-approval", AGENTS + """
                rules:
                  - tools: "deleteAll*"
                    approval: required
                approval:
                  timeout: 2s
                  approver: org.agenthypervisor.samples.langchain4j.ScriptedApprover
                """, "ops-delete", "ops-delete", "ops-delete");
        assertEquals(List.of("RESULT ops-delete-ran 1", "RESULT ops-delete-ran 0", "RESULT ops-delete-ran 0"),
                r.lines("RESULT ops-delete-ran "), "approved, denied, timed out: only the approved call's body ran");
        assertEquals(List.of("RESULT ops-delete-saw all refunds deleted",
                        "RESULT ops-delete-saw denied: the tool 'deleteAllRefunds' was not approved; it did not run",
                        "RESULT ops-delete-saw denied: the tool 'deleteAllRefunds' was not approved in time; it did not run"),
                r.lines("RESULT ops-delete-saw "), "the model reads the refusal as the tool's result");
        assertTrue(r.result("approver-saw-1").startsWith("ops tool 'deleteAllRefunds' ("), r::toString);
        assertTrue(r.result("approver-saw-1").endsWith("[\"{}\"]"), "the model's arguments reach the approver: " + r);
        assertEquals(3, AuditRecords.ofType(r.dataDir(), "approval.requested").size());
        Map<String, Object> approved = AuditRecords.ofType(r.dataDir(), "approval.approved").get(0);
        assertEquals("change-board", approved.get("by"));
        assertTrue(String.valueOf(approved.get("tool")).startsWith("tool 'deleteAllRefunds' ("), approved::toString);
        assertEquals("ticket CHG-2 rejected", AuditRecords.ofType(r.dataDir(), "approval.denied").get(0).get("reason"));
        assertEquals(1, AuditRecords.ofType(r.dataDir(), "approval.timedOut").size());
    }

    @Test
    void aToolWithoutAJavaMethodIsGovernedByItsName() {
        Result r = run("lc-mcp", AGENTS + TOOL_RULES, "support-mcp", "ops-mcp");
        assertEquals("0", r.result("support-mcp-ran"));
        assertEquals("denied: the tool 'refunds.deleteAll' requires ring 0; agent 'support' may not call it",
                r.result("support-mcp-saw"));
        assertEquals("1", r.result("ops-mcp-ran"));
    }

    @Test
    void aTokenStreamRunsAsTheAssistantThatCreatedItWhoeverStartsIt() {
        // main (the host) starts the stream; the model answers on a thread of its own.
        Result r = run("lc-stream", AGENTS + TOOL_RULES, "support-stream", "ops-stream");
        assertEquals("0", r.result("support-stream-ran"));
        assertEquals(DENIED_TEXT, r.result("support-stream-saw"));
        assertEquals("1", r.result("ops-stream-ran"), "ops' stream runs as ops (ring 0), not as unidentified");
    }

    @Test
    void deniedToolsAreNotOfferedWhenThePolicySaysSo() {
        Result offered = run("lc-offered", AGENTS + TOOL_RULES, "support-offered");
        assertEquals("deleteAllRefunds,lookupRefund", offered.result("support-offered"));
        Result hidden = run("lc-hidden", AGENTS.replace("version: 1\n", "version: 1\nframeworks:\n  offerDeniedTools: false\n")
                + TOOL_RULES, "support-offered", "ops-offered");
        assertEquals("lookupRefund", hidden.result("support-offered"));
        assertEquals("deleteAllRefunds,lookupRefund", hidden.result("ops-offered"));
    }

    @Test
    void anAgenticSequenceHandsOffVouchedAndASlashedAgentIsRefusedNextTime() {
        Path dir = ChildJvm.freshWorkDir("lc-agentic");
        Result first = run(dir, AGENTS, "agentic-sequence");
        assertEquals("ok:withdrawn for mario", first.result("agentic-sequence"));
        List<Map<String, Object>> handoffs = AuditRecords.ofType(first.dataDir(), "handoff");
        assertEquals(2, handoffs.size(), handoffs::toString);
        assertEquals("crediter", handoffs.get(0).get("sender"));
        assertEquals("withdrawer", handoffs.get(0).get("receiver"));
        assertEquals("call", handoffs.get(0).get("direction"));
        assertEquals("return", handoffs.get(1).get("direction"));
        List<Map<String, Object>> invocations = AuditRecords.ofType(first.dataDir(), "agentic.invocation");
        assertEquals(3, invocations.size(), invocations::toString);
        assertEquals(null, invocations.get(0).get("parent"), "the top-level workflow");
        assertEquals(List.of("credit", "withdraw"), invocations.subList(1, 3).stream().map(i -> i.get("agentName")).toList());
        assertEquals(invocations.get(0).get("agentName"), invocations.get(1).get("parent"));
        Map<String, Object> closed = AuditRecords.ofType(first.dataDir(), "session.closed").get(0);
        assertEquals(List.of("crediter", "withdrawer"), closed.get("participants"));
        Result verify = Cli.run(dir, "audit", "verify", "--data-dir", dir.resolve(".agent-hypervisor").toString());
        assertEquals(0, verify.exitCode(), verify::toString);

        Result slash = Cli.run(dir, "trust", "set", "crediter", "0.3", "--reason", "caught inflating a claim",
                "--data-dir", dir.resolve(".agent-hypervisor").toString());
        assertEquals(0, slash.exitCode(), slash::toString);
        Result second = run(dir, AGENTS, "agentic-sequence");
        assertTrue(second.result("agentic-sequence").startsWith("error:UntrustedHandoffException:agent 'withdrawer'"
                + " refused a hand-off from 'crediter'"), second::toString);
        assertEquals(1, AuditRecords.ofType(second.dataDir(), "handoff.refused").size());
    }

    @Test
    void ringProtectedSessionKeysApplyToAgenticScopeKeys() {
        Result r = run("lc-scope-keys", AGENTS + "sessions:\n  keys:\n    - {key: \"credited\", readRing: 3, writeRing: 1}\n",
                "agentic-sequence");
        assertTrue(r.result("agentic-sequence").contains("RingViolationException"), r::toString);
        assertTrue(r.result("agentic-sequence").contains("key 'credited'"), r::toString);
        assertTrue(AuditRecords.ofType(r.dataDir(), "handoff").isEmpty(), "the sequence stopped before the hand-off");
    }

    @Test
    void anAgentSlashedForARingViolationMidWorkflowIsRefusedByTheNextAgent() {
        // One strike takes the crediter's trust to 0 (the fixed override of graded breach detection, whose
        // first violation costs 5 %): the test is about the next agent refusing a slashed peer.
        Result r = run("lc-agentic-rogue", AGENTS + TOOL_RULES + "liability:\n  ringViolationSeverity: 1\n", "agentic-rogue");
        assertTrue(r.result("agentic-rogue").startsWith("error:UntrustedHandoffException:agent 'withdrawer' refused a"
                + " hand-off from 'crediter'"), r::toString);
        Map<String, Object> denial = AuditRecords.ofType(r.dataDir(), "ring.denied").get(0);
        assertEquals("crediter", denial.get("agent"));
        assertEquals("deleteAllRefunds", denial.get("tool"));
        assertTrue(AuditRecords.ofType(r.dataDir(), "trust.slashed").stream()
                .anyMatch(s -> "crediter".equals(s.get("agent"))), () -> AuditRecords.read(r.dataDir()).toString());
        assertEquals(1, AuditRecords.ofType(r.dataDir(), "handoff.refused").size());
    }

    private static final String SAGA = AGENTS + """
            sagas:
              - aiService: "org.agenthypervisor.samples.langchain4j.bank.TransferAssistant#*"
            """;

    @Test
    void aRunWhoseLastToolFailsIsCompensatedAndOneTheModelRecoversFromIsNot() {
        Result failed = run("lc-saga-fail", SAGA, "transfer-fail", "balances");
        assertEquals("error:IllegalStateException:the model gave up: the bank is down", failed.result("transfer-fail"));
        assertEquals("mario=100 luigi=100 undone=1", failed.result("balances"), "the debit was undone, once");
        assertEquals(1, AuditRecords.ofType(failed.dataDir(), "saga.compensated").size());

        Result recovered = run("lc-saga-recover", SAGA, "transfer-recover", "balances");
        assertEquals("ok:transferred", recovered.result("transfer-recover"));
        assertEquals("mario=90 luigi=110 undone=0", recovered.result("balances"), "a recovered tool error undoes nothing");
        assertTrue(AuditRecords.ofType(recovered.dataDir(), "saga.compensated").isEmpty());
    }

    @Test
    void anAgenticWorkflowNamedInSagasCompensatesItsAgentsToolsWhenItFails() {
        String policy = SAGA + "  - agentic: payout\n";
        Result failed = run("lc-payout-fail", policy, "payout-fail", "balances");
        assertTrue(failed.result("payout-fail").startsWith("error:AgentInvocationException:"), failed::toString);
        assertEquals("mario=100 luigi=100 undone=1", failed.result("balances"), "the credit agent's debit is undone");
        Map<String, Object> begin = AuditRecords.ofType(failed.dataDir(), "saga.begin").get(0);
        assertEquals("agentic:payout", begin.get("name"), begin::toString);

        Result ok = run("lc-payout-ok", policy, "payout-ok", "balances");
        assertEquals("mario=90 luigi=110 undone=0", ok.result("balances"), ok::toString);
    }

    @Test
    void withLangChain4jsOwnCompensationOnAsWellAToolIsUndoneOnceAndOnlyWhenTheRunFails() {
        Result recovered = run("lc-saga-both", SAGA, "transfer-recover-lc", "balances");
        assertEquals("mario=90 luigi=110 undone=0", recovered.result("balances"),
                "LangChain4j alone would undo the debit on the recoverable error: a half transfer");
        Result failed = run("lc-saga-both-fail", SAGA, "transfer-fail-lc", "balances");
        assertEquals("mario=100 luigi=100 undone=1", failed.result("balances"));
    }

    @Test
    void aRunKilledInTheMiddleIsCompensatedAtTheNextStart() {
        Path dir = ChildJvm.freshWorkDir("lc-saga-crash");
        // The tool "crashes" the JVM with Runtime.halt(137), which an agent needs the exit capability for.
        String crashing = SAGA.replace("# the bank's tools keep balances in this file", "\n      exit: true");
        assertTrue(crashing.contains("exit: true"), crashing);
        ChildJvm.write(dir, "policy.yaml", crashing);
        Result crashed = ChildJvm.withAgent("policy=policy.yaml").in(dir).jar(Path.of(System.getProperty("it.demoJar")))
                .runJar("transfer-crash");
        assertEquals(137, crashed.exitCode(), crashed::toString);
        Result restarted = run(dir, SAGA, "balances");
        assertEquals("mario=100 luigi=100 undone=1", restarted.result("balances"), "the debit done before the crash is undone");
        assertFalse(AuditRecords.ofType(restarted.dataDir(), "saga.recovery").isEmpty());
    }

    @Test
    void policyCheckExplainsAiServiceGlobsAndRejectsOnesThatCanNeverBind() {
        Path dir = ChildJvm.freshWorkDir("lc-check");
        ChildJvm.write(dir, "policy.yaml", AGENTS + TOOL_RULES + """
                  - tools: "nothing.like.this"
                    ring: 1
                """);
        Result r = Cli.run(dir, "policy", "check", "-p", "policy.yaml", "-cp", System.getProperty("it.demoJar"));
        assertEquals(0, r.exitCode(), r::toString);
        String out = r.stdout();
        assertTrue(out.contains("  org.agenthypervisor.samples.langchain4j.SupportAssistant  (interface, bound as an AI"
                + " service: runs as agent 'support'; 2 method(s), each a hand-off point)"), out);
        assertTrue(out.contains("policy rule #1 (tools: deleteAll*)\n    org.agenthypervisor.samples.langchain4j.RefundTools"
                + "#deleteAllRefunds()  -> requires ring 0"), out);
        assertTrue(out.contains("warning: policy rule #3 (tools: nothing.like.this) matches no @Tool method on the class"
                + " path (it may still name MCP or programmatic tools"), out);
        assertFalse(out.contains("aiServices") && out.contains("matches no interface"), out);

        ChildJvm.write(dir, "proxy.yaml", "version: 1\nagents:\n  support:\n    aiServices: \"jdk.proxy2.*\"\n");
        Result bad = Cli.run(dir, "policy", "check", "-p", "proxy.yaml");
        assertEquals(1, bad.exitCode(), bad::toString);
        assertTrue(bad.output().contains("proxy.yaml:4:17: agents.support.aiServices: 'jdk.proxy2.*' can never bind an AI"
                + " service"), bad::toString);
    }
}
