package org.agenthypervisor.it;

import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14: with the OpenTelemetry SDK in the application, the hypervisor's denials, refusals,
 * slashes and hand-offs are span events on the application's current span and agent_hypervisor.*
 * metrics; without the API on the class path nothing of OpenTelemetry is loaded and nothing fails.
 */
class OpenTelemetryIT {
    /** The OpenTelemetry jars of this test's own class path (test scope: never in the agent jar). */
    static List<String> openTelemetryJars() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> e.contains("opentelemetry")).toList();
    }

    private static List<String> lines(Result r, String prefix) {
        return r.stdout().lines().filter(l -> l.startsWith(prefix)).toList();
    }

    private static String line(Result r, String prefix, String... parts) {
        return lines(r, prefix).stream().filter(l -> Arrays.stream(parts).allMatch(l::contains)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + prefix + " line with " + Arrays.toString(parts) + " in\n" + r));
    }

    @Test
    void denialsRefusalsSlashesAndHandoffsAreSpanEventsAndMetrics() {
        Path dir = LiabilityIT.dir("otel", LiabilityIT.POLICY);
        ChildJvm jvm = ChildJvm.withAgent("policy=policy.yaml").in(dir);
        openTelemetryJars().forEach(jvm::classpath);
        assertTrue(openTelemetryJars().size() >= 5, openTelemetryJars()::toString);
        Result r = jvm.run("com.acme.otel.OtelApp");
        assertEquals(0, r.exitCode(), r::toString);
        assertFalse(r.output().contains("OpenTelemetry bridge turned off"), r::toString);
        // The ring violation of the chain A -> B -> C, on the application's span, with what the issue names.
        String denied = line(r, "EVENT refund-request agent_hypervisor.ring.denied ");
        for (String attribute : new String[]{"agent_hypervisor.agent=\"executor\"", "agent_hypervisor.ring=2",
                "agent_hypervisor.method=\"com.acme.liability.Kernel#wipe(String)\"", "agent_hypervisor.rule=\"@Ring(0) on",
                "agent_hypervisor.trust=1.0", "agent_hypervisor.required_ring=0"}) {
            assertTrue(denied.contains(attribute), attribute + " in " + denied);
        }
        String slash = line(r, "EVENT refund-request agent_hypervisor.trust.slashed ", "agent_hypervisor.agent=\"executor\"");
        assertTrue(slash.contains("agent_hypervisor.before=1.0") && slash.contains("agent_hypervisor.cause=\"ring violation"), slash);
        String refused = line(r, "EVENT refund-request agent_hypervisor.handoff.refused ", "agent_hypervisor.receiver=\"peer\"");
        assertTrue(refused.contains("agent_hypervisor.rule=\"agents.peer.minTrust\"") && refused.contains("agent_hypervisor.sender=\"planner\""),
                refused);
        line(r, "EVENT refund-request agent_hypervisor.handoff ", "agent_hypervisor.sender=\"intake\"", "agent_hypervisor.receiver=\"planner\"");
        // Metrics: counters with their attributes, and trust as a gauge per agent.
        line(r, "METRIC agent_hypervisor.denials ", "agent_hypervisor.agent=\"executor\"", "agent_hypervisor.type=\"ring.denied\"");
        line(r, "METRIC agent_hypervisor.slashes ", "agent_hypervisor.agent=\"executor\"");
        line(r, "METRIC agent_hypervisor.handoffs ", "agent_hypervisor.outcome=\"refused\"", "agent_hypervisor.receiver=\"peer\"");
        line(r, "METRIC agent_hypervisor.handoffs ", "agent_hypervisor.outcome=\"accepted\"", "agent_hypervisor.sender=\"intake\"");
        String trust = line(r, "METRIC agent_hypervisor.trust ", "agent_hypervisor.agent=\"executor\"");
        assertTrue(trust.endsWith(" 0.0") || trust.matches(".* 0\\.\\d+"), trust);
        // The SDK's own first use (it reads the environment) is the hypervisor's doing, not the agent's: no denial.
        assertFalse(r.output().contains("env.read"), r::toString);
    }

    @Test
    void sessionKeyDenialsAreSpanEventsAndCountAsDenials() {
        Path dir = LiabilityIT.dir("otel-session", SessionsIT.POLICY);
        ChildJvm jvm = ChildJvm.withAgent("policy=policy.yaml").in(dir).timeout(120);
        openTelemetryJars().forEach(jvm::classpath);
        Result r = jvm.run("com.acme.otel.OtelApp", "session");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains("RESULT session allowed:ran"), r::toString);
        // SessionsIT's story writes two session.key-denied records for the sandbox; both reach the span.
        assertEquals(2, lines(r, "EVENT refund-request agent_hypervisor.session.key-denied ").size(), r::toString);
        line(r, "EVENT refund-request agent_hypervisor.session.key-denied ", "agent_hypervisor.agent=\"sandbox\"",
                "agent_hypervisor.key=\"ledger.balance\"");
        line(r, "METRIC agent_hypervisor.denials ", "agent_hypervisor.agent=\"sandbox\"",
                "agent_hypervisor.type=\"session.key-denied\"");
    }

    @Test
    void sagaTransitionsAreSpanEventsAndStepCounts() {
        Path dir = LiabilityIT.dir("otel-saga", SagaIT.POLICY);
        ChildJvm jvm = ChildJvm.withAgent("policy=policy.yaml").in(dir).timeout(120);
        openTelemetryJars().forEach(jvm::classpath);
        Result r = jvm.run("com.acme.otel.OtelApp", "trip");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains("RESULT trip denied:IllegalStateException"), r::toString);
        List<String> names = lines(r, "EVENT refund-request agent_hypervisor.saga.").stream()
                .map(l -> l.split(" ")[2]).toList();
        assertEquals("agent_hypervisor.saga.begin", names.get(0), names::toString);
        assertEquals(3, names.stream().filter("agent_hypervisor.saga.step.done"::equals).count(), names::toString);
        assertEquals(3, names.stream().filter("agent_hypervisor.saga.compensated"::equals).count(), names::toString);
        assertTrue(names.contains("agent_hypervisor.saga.rollback") && names.get(names.size() - 1).equals("agent_hypervisor.saga.end"),
                names::toString);
        line(r, "EVENT refund-request agent_hypervisor.saga.compensating ", "agent_hypervisor.step=", "agent_hypervisor.method=",
                "agent_hypervisor.in_doubt=false");
        assertTrue(line(r, "METRIC agent_hypervisor.saga.steps ", "agent_hypervisor.state=\"step.done\"").endsWith(" 3"), r::toString);
        assertTrue(line(r, "METRIC agent_hypervisor.saga.steps ", "agent_hypervisor.state=\"compensated\"").endsWith(" 3"), r::toString);
    }

    @Test
    void observeOpenTelemetryOffKeepsItOut() {
        Path dir = LiabilityIT.dir("otel-off", LiabilityIT.POLICY + "observe:\n  opentelemetry: off\n");
        ChildJvm jvm = ChildJvm.withAgent("policy=policy.yaml").in(dir);
        openTelemetryJars().forEach(jvm::classpath);
        Result r = jvm.run("com.acme.otel.OtelApp");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains("RESULT chain-violation denied:RingViolationException"), r::toString);
        assertEquals(List.of(), lines(r, "EVENT "));
        assertEquals(List.of(), lines(r, "METRIC agent_hypervisor."));
    }

    @Test
    void withoutTheApiNothingOfOpenTelemetryIsLoadedAndNothingFails() {
        Path dir = LiabilityIT.dir("otel-none", LiabilityIT.POLICY);
        Result r = ChildJvm.withAgent("policy=policy.yaml").in(dir).jvmArg("-verbose:class")
                .run(LiabilityIT.APP, "chain-violation", "refusal");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.result("chain-violation").startsWith("denied:RingViolationException"), r::toString);
        assertFalse(r.output().contains("io.opentelemetry"), "no OpenTelemetry class was loaded");
        assertFalse(r.output().contains("OpenTelemetry bridge"), r::toString);
    }
}
