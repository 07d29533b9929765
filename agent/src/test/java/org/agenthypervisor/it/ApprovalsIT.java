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
 * Issue 15, item 1 (approvals) under the real agent jar: a call a rule marks {@code approval: required}
 * waits until an operator answers from the command line. The first is approved and runs, the second is
 * denied and does not run; in a JVM whose policy says {@code approval.timeout: 2s}, a call nobody answers
 * is denied after 2 s. All audited.
 */
class ApprovalsIT {
    static final String POLICY = """
            version: 1
            agents:
              intern:
                ring: 3
            rules:
              - methods: "com.acme.operator.Payouts#pay"
                approval: required
            """;

    /** Lists the pending requests until request {@code id} shows (the call may not have asked yet). */
    static String awaitRequest(Path dir, String pid, String id) throws InterruptedException {
        String last = "";
        for (int i = 0; i < 30; i++) {
            Result list = Cli.run(dir, "approvals", "list", "--pid", pid);
            assertEquals(0, list.exitCode(), list::toString);
            last = list.stdout();
            for (String line : last.split("\\R")) {
                if (line.startsWith(id + " ")) {
                    return line;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("request " + id + " never listed; last listing:\n" + last);
    }

    @Test
    void anApprovalRequiredCallWaitsForTheOperatorsAnswer() throws Exception {
        Path dir = ChildJvm.freshWorkDir("approvals-cli");
        ChildJvm.write(dir, "policy.yaml", POLICY); // the default timeout, 60 s: time for the operator
        try (Interactive app = new Interactive(dir, "pid", "pay", "pay", "wait", "payouts")) {
            String pid = app.awaitLine("RESULT pid ").substring("RESULT pid ".length());

            String first = awaitRequest(dir, pid, "1");
            assertTrue(first.contains("agent 'intern' calls com.acme.operator.Payouts#pay(String, long); arguments sha256:"),
                    first);
            assertTrue(first.contains("\"alice\"") && first.contains("200"), "a preview of the arguments: " + first);
            assertTrue(first.contains("; chain none; waiting "), first);
            Result approve = Cli.run(dir, "approve", "1", "--reason", "known payee", "--pid", pid);
            assertEquals(0, approve.exitCode(), approve::toString);
            assertEquals("approved request 1: agent 'intern' calls com.acme.operator.Payouts#pay(String, long)",
                    approve.stdout().strip());
            assertEquals("RESULT pay-2 allowed:paid alice 200", app.awaitLine("RESULT pay-2 "));

            awaitRequest(dir, pid, "2");
            Result deny = Cli.run(dir, "deny", "2", "--reason", "twice in a row", "--pid", pid);
            assertEquals(0, deny.exitCode(), deny::toString);
            assertEquals("RESULT pay-3 denied:ApprovalDeniedException:approval 2 denied by jmx: twice in a row; agent"
                    + " 'intern' calls com.acme.operator.Payouts#pay(String, long) did not run", app.awaitLine("RESULT pay-3 "));

            app.awaitLine("READY ");
            Result late = Cli.run(dir, "approve", "2", "--pid", pid);
            assertEquals(2, late.exitCode(), late::toString);
            assertTrue(late.stderr().contains("no pending approval request '2'"), late::toString);
            app.go();

            Result r = app.finish();
            assertEquals("1", r.result("payouts"), "only the approved call's body ran");
            List<Map<String, Object>> requested = AuditRecords.ofType(r.dataDir(), "approval.requested");
            assertEquals(2, requested.size(), requested::toString);
            assertEquals("intern", requested.get(0).get("agent"));
            assertEquals("com.acme.operator.Payouts#pay(String, long)", requested.get(0).get("method"));
            assertEquals(64, String.valueOf(requested.get(0).get("argumentsSha256")).length());
            assertEquals(60_000L, requested.get(0).get("timeoutMillis"));
            Map<String, Object> approved = AuditRecords.ofType(r.dataDir(), "approval.approved").get(0);
            assertEquals("1", approved.get("id"));
            assertEquals("jmx", approved.get("by"));
            assertEquals("known payee", approved.get("reason"));
            Map<String, Object> denied = AuditRecords.ofType(r.dataDir(), "approval.denied").get(0);
            assertEquals("2", denied.get("id"));
            assertEquals("twice in a row", denied.get("reason"));
            assertEquals(List.of(), AuditRecords.ofType(r.dataDir(), "approval.timedOut"));
        }
    }

    @Test
    void aCallNobodyAnswersIsDeniedAfterThePolicysTimeout() {
        Path dir = ChildJvm.freshWorkDir("approvals-timeout");
        ChildJvm.write(dir, "policy.yaml", POLICY + "approval:\n  timeout: 2s\n");
        Result r = ChildJvm.withAgent("policy=policy.yaml").in(dir).run(OperatorControlsIT.APP, "pay", "payouts");
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("denied:ApprovalDeniedException:approval 1 timed out: nobody approved agent 'intern' calls"
                + " com.acme.operator.Payouts#pay(String, long) within 2s (approval.timeout); the call did not run",
                r.result("pay-1"));
        assertEquals("0", r.result("payouts"), "the body never ran");
        assertEquals(1, AuditRecords.ofType(r.dataDir(), "approval.requested").size());
        Map<String, Object> timedOut = AuditRecords.ofType(r.dataDir(), "approval.timedOut").get(0);
        assertEquals("1", timedOut.get("id"));
        assertEquals("intern", timedOut.get("agent"));
        assertEquals(2_000L, timedOut.get("timeoutMillis"));
        assertEquals(List.of(), AuditRecords.ofType(r.dataDir(), "approval.approved"));
    }
}
