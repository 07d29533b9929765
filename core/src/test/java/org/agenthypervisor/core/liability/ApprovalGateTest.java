package org.agenthypervisor.core.liability;

import org.agenthypervisor.api.ApprovalDeniedException;
import org.agenthypervisor.api.Approver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.agenthypervisor.core.liability.GateHarness.as;
import static org.agenthypervisor.core.liability.GateHarness.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15, item 1 (approvals) through the real gate: a call of a method a rule marks
 * {@code approval: required} waits for a decision; approved it runs, denied, timed out or with a
 * failing approver its body never runs; audit mode does not wait. Every outcome is audited.
 */
class ApprovalGateTest {
    static final String POLICY = """
            version: 1
            agents:
              a:
                classes: com.test.A
            rules:
              - methods: "com.test.A#log"
                approval: required
            approval:
              timeout: 200ms
            """;

    /** An application's approver that fails: the call is denied at once (fail closed). */
    public static final class Throwing implements Approver {
        @Override
        public CompletionStage<Decision> decide(Request request) {
            throw new IllegalStateException("the ticket system is down");
        }
    }

    /** An application's approver that approves what the host... or anyone asks, for the test. */
    public static final class Yes implements Approver {
        static volatile Request last;

        @Override
        public CompletionStage<Decision> decide(Request request) {
            last = request;
            return CompletableFuture.completedFuture(Decision.approve("bot-desk", "auto"));
        }
    }

    @TempDir
    Path dir;
    GateHarness h;
    Map<String, Integer> a;
    final AtomicInteger ran = new AtomicInteger();
    final ExecutorService pool = Executors.newSingleThreadExecutor();

    void start(String policy) throws Exception {
        h = new GateHarness(policy, dir.resolve("data"));
        a = h.register("com.test.A");
    }

    @AfterEach
    void stop() {
        pool.shutdownNow();
        if (h != null) {
            h.close();
        }
    }

    private String log(String text) {
        return as(h.agent("a"), () -> call(a.get("log"), new Object[] {text}, () -> {
            ran.incrementAndGet();
            return "logged";
        }));
    }

    /** Calls log() on another thread and returns once its request is pending. */
    private Future<String> logInBackground(String text) throws InterruptedException {
        Future<String> f = pool.submit(() -> log(text));
        for (int i = 0; i < 500 && h.approvals.pending().isEmpty(); i++) {
            Thread.sleep(10);
        }
        return f;
    }

    @Test
    void anApprovedCallRunsAndADeniedOneDoesNot() throws Exception {
        start(POLICY.replace("200ms", "1m"));
        Future<String> first = logInBackground("refund r-7");
        Map<String, String> pending = h.approvals.pending();
        assertEquals(1, pending.size(), pending::toString);
        String line = pending.get("1");
        assertTrue(line.startsWith("agent 'a' calls com.test.A#log(String); arguments sha256:"), line);
        assertTrue(line.contains("[\"refund r-7\"]; chain none; waiting "), line);
        assertEquals("approved request 1: agent 'a' calls com.test.A#log(String)", h.approvals.decide("1", true, "ok", "jmx"));
        assertEquals("logged", first.get(10, TimeUnit.SECONDS));
        assertEquals(1, ran.get());

        Future<String> second = logInBackground("refund r-8");
        h.approvals.decide("2", false, "no", "jmx");
        Exception e = assertThrows(Exception.class, () -> second.get(10, TimeUnit.SECONDS));
        ApprovalDeniedException denied = (ApprovalDeniedException) e.getCause();
        assertEquals("approval 2 denied by jmx: no; agent 'a' calls com.test.A#log(String) did not run", denied.getMessage());
        assertEquals("2", denied.requestId());
        assertEquals(1, ran.get(), "the denied call's body never ran");
        assertThrows(IllegalArgumentException.class, () -> h.approvals.decide("2", true, "late", "jmx"));

        assertEquals(2, h.audit.ofType("approval.requested").size());
        assertEquals(64, ((String) h.audit.ofType("approval.requested").get(0).get("argumentsSha256")).length());
        assertEquals("ok", h.audit.ofType("approval.approved").get(0).get("reason"));
        assertEquals("jmx", h.audit.ofType("approval.denied").get(0).get("by"));
    }

    @Test
    void aCallNobodyAnswersTimesOutAndIsDenied() throws Exception {
        start(POLICY);
        ApprovalDeniedException e = assertThrows(ApprovalDeniedException.class, () -> log("x"));
        assertTrue(e.timedOut());
        assertEquals("approval 1 timed out: nobody approved agent 'a' calls com.test.A#log(String) within 200ms"
                + " (approval.timeout); the call did not run", e.getMessage());
        assertEquals(0, ran.get());
        assertEquals(200L, h.audit.ofType("approval.timedOut").get(0).get("timeoutMillis"));
        assertTrue(h.approvals.pending().isEmpty(), "a timed-out request is no longer pending");
    }

    @Test
    void anApproverThatThrowsDeniesTheCall() throws Exception {
        start(POLICY.replace("200ms", "1m") + "  approver: " + Throwing.class.getName() + "\n");
        ApprovalDeniedException e = assertThrows(ApprovalDeniedException.class, () -> log("x"));
        assertTrue(e.getMessage().startsWith("approval 1 denied by " + Throwing.class.getName()
                + ": the approver failed: java.lang.IllegalStateException: the ticket system is down;"), e.getMessage());
        assertEquals(0, ran.get());
    }

    @Test
    void anApproverThatCannotBeLoadedDeniesTheCall() throws Exception {
        start(POLICY.replace("200ms", "1m") + "  approver: com.acme.NoSuchApprover\n");
        ApprovalDeniedException e = assertThrows(ApprovalDeniedException.class, () -> log("x"));
        assertTrue(e.getMessage().contains("the approver could not be loaded: java.lang.ClassNotFoundException"),
                e.getMessage());
        assertEquals(0, ran.get());
    }

    @Test
    void theApplicationsApproverCanApprove() throws Exception {
        start(POLICY + "  approver: " + Yes.class.getName() + "\n");
        assertEquals("logged", log("hello"));
        assertEquals("a", Yes.last.agent());
        assertEquals("com.test.A#log(String)", Yes.last.target());
        assertEquals("bot-desk", h.audit.ofType("approval.approved").get(0).get("by"));
    }

    @Test
    void auditModeRecordsWithoutWaiting() throws Exception {
        start(POLICY.replace("version: 1", "version: 1\nmode: audit"));
        assertEquals("logged", log("x"));
        assertEquals(1, h.audit.ofType("approval.wouldRequire").size());
        assertEquals(0, h.audit.ofType("approval.requested").size());
    }

    @Test
    void otherMethodsOfTheClassDoNotWait() throws Exception {
        start(POLICY);
        assertEquals("ok", as(h.agent("a"), () -> call(a.get("work"), new Object[] {"x"}, () -> "ok")));
        assertEquals(0, h.audit.ofType("approval.requested").size());
    }
}
