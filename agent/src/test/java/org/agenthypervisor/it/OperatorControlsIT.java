package org.agenthypervisor.it;

import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15 under the real agent jar: graded breach detection (one denied call costs little, a burst
 * quarantines the agent until the cooldown), and the operator's quarantine, release and kill from
 * the command line against the running JVM.
 */
class OperatorControlsIT {
    static final String POLICY = """
            version: 1
            agents:
              bot:
                ring: 1
                trust: 0.9
              clerk:
                ring: 2
            rules:
              - methods: "com.acme.operator.Vault#open"
                ring: 1
            liability:
              breach:
                cooldown: 2s
            """;
    static final String APP = "com.acme.operator.OperatorApp";

    static Path dir(String name) {
        Path dir = ChildJvm.freshWorkDir(name);
        ChildJvm.write(dir, "policy.yaml", POLICY);
        return dir;
    }

    static Result run(Path dir, String... scenarios) {
        Result r = ChildJvm.withAgent("policy=policy.yaml").in(dir).run(APP, scenarios);
        assertEquals(0, r.exitCode(), r::toString);
        return r;
    }

    @Test
    void oneDeniedCallKeepsTheAgentAboveItsRingFloor() {
        Result r = run(dir("breach-one"), "trust", "reach", "chat", "trust");
        assertTrue(r.result("reach").startsWith("denied:RingViolationException:agent 'bot' (effective ring 2, granted"
                + " ring 1, trust 0.90) may not call com.acme.operator.Vault#open()"), r::toString);
        assertEquals("allowed:hello", r.result("chat-3"));
        List<String> trust = r.lines("RESULT trust-bot ");
        assertEquals(List.of("RESULT trust-bot 0.9", "RESULT trust-bot 0.855"), trust, "severity 0.05 below the low grade");
        assertEquals(List.of("RESULT ring-bot 2", "RESULT ring-bot 2"), r.lines("RESULT ring-bot "),
                "0.855 is still above ring 2's floor 0.60");
        List<Map<String, Object>> anomalies = AuditRecords.ofType(r.dataDir(), "anomaly");
        assertEquals(1, anomalies.size(), anomalies::toString);
        assertEquals(0.05, anomalies.get(0).get("severity"));
        assertTrue(String.valueOf(anomalies.get(0).get("cause")).contains("1 of 10 call(s) in 60 s above its ring (10%,"
                + " grade none)"), anomalies::toString);
        assertEquals(List.of(), AuditRecords.ofType(r.dataDir(), "breach.tripped"));
    }

    @Test
    void twentyDeniedCallsInASecondQuarantineTheAgentUntilTheCooldownEnds() {
        Result r = run(dir("breach-burst"), "burst", "chat", "trust", "cooldown", "chat", "trust");
        assertEquals("violations=7 quarantined=13", r.result("burst"),
                "the 7th denial of 10 calls is the high grade: the breaker trips, the rest are refused unslashed");
        assertTrue(r.result("chat-2").startsWith("denied:AgentQuarantinedException:agent 'bot' is quarantined until "),
                r::toString);
        assertTrue(r.result("chat-2").endsWith("the host may not call its method com.acme.operator.Bot#chat()"), r::toString);
        assertEquals("allowed:hello", r.result("chat-5"), "released when the 2 s cooldown expired");
        assertEquals(List.of("RESULT ring-bot 2147483647", "RESULT ring-bot 3"), r.lines("RESULT ring-bot "),
                "quarantined, then back at the ring its slashed trust allows");

        Map<String, Object> tripped = AuditRecords.ofType(r.dataDir(), "breach.tripped").get(0);
        assertEquals("bot", tripped.get("agent"));
        assertEquals("high", tripped.get("grade"));
        assertEquals(2_000L, tripped.get("cooldownMillis"));
        assertEquals("breach", AuditRecords.ofType(r.dataDir(), "quarantine.set").get(0).get("by"));
        assertEquals(14, AuditRecords.ofType(r.dataDir(), "quarantine.refused").size(), "13 in the burst and one chat");
        assertEquals(1, AuditRecords.ofType(r.dataDir(), "quarantine.expired").size());
        assertEquals(7, AuditRecords.ofType(r.dataDir(), "anomaly").size(), "refusals while quarantined are not slashed");
    }

    /** A child JVM the test talks to between scenarios: it prints a line and waits for one on standard input. */
    static final class Interactive implements AutoCloseable {
        final ChildJvm jvm;
        final Process process;
        final BufferedReader out;
        final CompletableFuture<String> err;
        final StringBuilder seen = new StringBuilder();

        Interactive(Path dir, String... scenarios) throws IOException {
            jvm = ChildJvm.withAgent("policy=policy.yaml").in(dir);
            process = jvm.start(APP, scenarios);
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            err = ChildJvm.drain(process.getErrorStream());
        }

        /** Reads up to the next line starting with {@code prefix} and returns it. */
        String awaitLine(String prefix) throws IOException {
            for (String line; (line = out.readLine()) != null; ) {
                seen.append(line).append('\n');
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
            throw new AssertionError("no line starting with '" + prefix + "'; output:\n" + seen + err.getNow(""));
        }

        void go() throws IOException {
            OutputStream in = process.getOutputStream();
            in.write("go\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
        }

        Result finish() throws Exception {
            for (String line; (line = out.readLine()) != null; ) {
                seen.append(line).append('\n');
            }
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the application did not end; output:\n" + seen);
            }
            Result r = new Result(process.exitValue(), seen.toString(), err.get(10, TimeUnit.SECONDS), jvm.workDir());
            assertEquals(0, r.exitCode(), r::toString);
            return r;
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    /**
     * A quarantine stops an agent's work in progress, not only its next call: the bot, quarantined from
     * the command line in the middle of a task, can no longer write or read the session it shares.
     */
    @Test
    void aQuarantinedAgentMidTaskNeitherWritesNorReadsTheSessionItShares() throws Exception {
        Path dir = dir("quarantine-session");
        try (Interactive app = new Interactive(dir, "task")) {
            String pid = app.awaitLine("READY ").substring(6);
            Result q = Cli.run(dir, "quarantine", "bot", "--for", "10m", "--reason", "runaway task", "--pid", pid);
            assertEquals(0, q.exitCode(), q::toString);
            app.go();
            Result r = app.finish();
            String task = r.result("task");
            assertTrue(task.startsWith("allowed:write=denied:AgentQuarantinedException:agent 'bot' may not write key"
                    + " 'after' of session 'desk': it is quarantined until "), task);
            assertTrue(task.contains(" read=denied:AgentQuarantinedException:agent 'bot' may not read key 'before' of"
                    + " session 'desk'"), task);
            assertEquals("absent", r.result("after"), "the refused write changed nothing");
            List<Map<String, Object>> refused = AuditRecords.ofType(r.dataDir(), "quarantine.refused");
            assertEquals(List.of("session 'desk' key 'after' (write)", "session 'desk' key 'before' (read)"),
                    refused.stream().map(f -> f.get("method")).toList());
            assertEquals(1, AuditRecords.ofType(r.dataDir(), "session.delta").size(), "only the note before the quarantine");
        }
    }

    @Test
    void anOperatorQuarantinesAndReleasesAnAgentOfARunningJvmFromTheCommandLine() throws Exception {
        Path dir = dir("quarantine-cli");
        try (Interactive app = new Interactive(dir, "wait", "chat", "wait", "chat")) {
            String pid = app.awaitLine("READY ").substring(6);
            Result q = Cli.run(dir, "quarantine", "bot", "--for", "10m", "--reason", "it keeps asking for the vault",
                    "--pid", pid);
            assertEquals(0, q.exitCode(), q::toString);
            assertTrue(q.stdout().startsWith("agent 'bot' quarantined for 10m (until "), q::toString);
            Result list = Cli.run(dir, "trust", "list", "--pid", pid);
            assertEquals(0, list.exitCode(), list::toString);
            assertTrue(list.stdout().contains("Quarantined until ") && list.stdout().contains("by jmx: it keeps asking for"
                    + " the vault"), list::toString);
            app.go();
            String refused = app.awaitLine("RESULT chat-2 ");
            assertTrue(refused.startsWith("RESULT chat-2 denied:AgentQuarantinedException:agent 'bot' is quarantined until "),
                    refused);
            assertTrue(refused.endsWith("(jmx: it keeps asking for the vault): the host may not call its method"
                    + " com.acme.operator.Bot#chat()"), refused);
            app.awaitLine("READY ");
            Result release = Cli.run(dir, "release", "bot", "--reason", "fixed the prompt", "--pid", pid);
            assertEquals(0, release.exitCode(), release::toString);
            assertTrue(release.stdout().startsWith("agent 'bot' released by jmx: fixed the prompt"), release::toString);
            app.go();
            Result r = app.finish();
            assertEquals("allowed:hello", r.result("chat-4"));
            Map<String, Object> set = AuditRecords.ofType(r.dataDir(), "quarantine.set").get(0);
            assertEquals("bot", set.get("agent"));
            assertEquals(600_000L, set.get("millis"));
            assertEquals("jmx", set.get("by"));
            assertEquals("fixed the prompt", AuditRecords.ofType(r.dataDir(), "quarantine.released").get(0).get("reason"));
        }
        Result bad = Cli.run(dir, "quarantine", "bot", "--for", "ten minutes", "--reason", "x", "--pid", "1");
        assertEquals(2, bad.exitCode(), bad::toString);
        assertTrue(bad.stderr().contains("--for: 'ten minutes' is not a duration"), bad::toString);
    }

    @Test
    void killCompensatesTheAgentsUnfinishedSagaAndRefusesItsNextCall() throws Exception {
        Path dir = dir("kill-cli");
        try (Interactive app = new Interactive(dir, "wait", "refund", "clerk")) {
            String pid = app.awaitLine("READY ").substring(6);
            app.go();
            assertEquals("RESULT step reserve r-7", app.awaitLine("RESULT step "));
            app.awaitLine("PAUSED");
            Result kill = Cli.run(dir, "kill", "clerk", "--reason", "runaway refunds", "--pid", pid);
            assertEquals(0, kill.exitCode(), kill::toString);
            assertTrue(kill.stdout().startsWith("agent 'clerk' killed by jmx: runaway refunds"), kill::toString);
            app.go();
            Result r = app.finish();
            assertEquals("reserve r-7", r.result("compensated"), "the saga's done step was compensated");
            assertEquals(List.of("RESULT step reserve r-7"), r.lines("RESULT step "), "the second step never ran");
            assertTrue(r.result("refund").startsWith("denied:AgentQuarantinedException:agent 'clerk' may not call"
                    + " com.acme.operator.Books#book(String): it is quarantined until an operator releases it (killed)"),
                    r::toString);
            assertEquals("denied:AgentQuarantinedException:agent 'clerk' is quarantined until an operator releases it"
                    + " (killed) (jmx: runaway refunds): the host may not call its method com.acme.operator.Clerk#hello()",
                    r.result("clerk-3"));
            assertEquals("runaway refunds", AuditRecords.ofType(r.dataDir(), "agent.killed").get(0).get("reason"));
            assertEquals(1, AuditRecords.ofType(r.dataDir(), "saga.compensated").size(), "the compensation is audited");
        }
    }

    @Test
    void aKilledAgentStaysKilledAfterTheJvmRestartsUntilReleased() throws Exception {
        Path dir = dir("kill-restart");
        try (Interactive app = new Interactive(dir, "wait", "clerk")) {
            String pid = app.awaitLine("READY ").substring(6);
            Result kill = Cli.run(dir, "kill", "clerk", "--reason", "runaway refunds", "--pid", pid);
            assertEquals(0, kill.exitCode(), kill::toString);
            app.go();
            assertTrue(app.finish().result("clerk-2").startsWith("denied:AgentQuarantinedException:"));
        }
        // This application creates its clerk in main: after a restart the host may not, so it stops there.
        Result restarted = ChildJvm.withAgent("policy=policy.yaml").in(dir).run(APP, "clerk");
        assertEquals(1, restarted.exitCode(), restarted::toString);
        assertTrue(restarted.stderr().contains("AgentQuarantinedException: agent 'clerk' is quarantined until an operator"
                + " releases it (killed) (jmx: runaway refunds): the host may not call its method"
                + " com.acme.operator.Clerk#<init>()"), restarted::toString);
        assertTrue(restarted.stderr().contains("QUARANTINE restored from "), restarted::toString);
        assertEquals("clerk", AuditRecords.ofType(restarted.dataDir(), "quarantine.restored").get(0).get("agent"));

        Result both = Cli.run(dir, "release", "clerk", "--reason", "x", "--pid", "1", "--data-dir", restarted.dataDir().toString());
        assertEquals(2, both.exitCode(), both::toString);
        Result release = Cli.run(dir, "release", "clerk", "--reason", "prompt fixed", "--data-dir",
                restarted.dataDir().toString());
        assertEquals(0, release.exitCode(), release::toString);
        assertTrue(release.stdout().contains("agent 'clerk' released in ") && release.stdout().contains("(was killed by jmx:"
                + " runaway refunds)"), release::toString);
        Result again = run(dir, "clerk");
        assertEquals("allowed:hello from clerk", again.result("clerk-1"), "the release was saved");
        Map<String, Object> released = AuditRecords.ofType(again.dataDir(), "quarantine.released").get(0);
        assertEquals("cli", released.get("by"));
        assertEquals("prompt fixed", released.get("reason"));
    }
}
