package org.agenthypervisor.it;

import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 9: what an agent may do through the JDK. {@code bot} is a ring-3 agent the policy grants
 * nothing; {@code trusted} is a ring-3 agent granted one host and port, a directory to read, one to
 * write, processes and native code. Each tries from its own thread and from a task it handed to a pool,
 * a {@code CompletableFuture} and a virtual thread (JDK 21+); the host does the same and is allowed.
 */
class CapabilitiesIT {
    private static final String DENIED = "denied:CapabilityDeniedException:agent '";

    static List<String> modes() {
        return ChildJvm.javaVersion() >= 21 ? List.of("thread", "pool", "future", "virtual")
                : List.of("thread", "pool", "future");
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    record Run(Result result, int tcpPort, Path dir) {
        String r(String scenario) {
            return result.result(scenario);
        }
    }

    static Run run(String name, String mode, String extraOptions, String... scenarios) {
        int tcp = freePort();
        int other = freePort();
        Path dir = ChildJvm.freshWorkDir(name);
        ChildJvm.write(dir, "policy.yaml", """
                version: 1
                mode: %s
                agents:
                  bot:
                    ring: 3
                    classes: com.acme.capability.Bot
                  trusted:
                    ring: 3
                    classes: com.acme.capability.Trusted
                    capabilities:
                      network.connect: ["127.0.0.1:%d"]
                      files.read: ["./kb/**"]
                      files.write: ["./out/**"]
                      process.start: true
                      native: true
                      env.read: ["AH_TEST_*"]
                liability:
                  breach:
                    minCalls: 1000000   # dozens of denials on purpose: keep the breaker (issue 15) out of it
                """.formatted(mode, tcp));
        ChildJvm.write(dir, "kb/faq.md", "refunds take 5 days");
        ChildJvm.write(dir, "secret.txt", "the refunds table");
        Result result = ChildJvm.withAgent("policy=policy.yaml" + extraOptions).in(dir)
                .jvmArg("-Dtcp.port=" + tcp).jvmArg("-Dother.port=" + other)
                .env("AH_TEST_GREETING", "hello").env("AH_SECRET", "s3cret")
                .run("com.acme.capability.CapabilityApp", scenarios);
        assertEquals(0, result.exitCode(), result::toString);
        assertEquals("alive", result.result("end"), "the JVM lived to the end");
        return new Run(result, tcp, dir);
    }

    static String[] scenarios(String who, String action, String... extra) {
        List<String> out = new ArrayList<>();
        for (String m : modes()) {
            out.add(who + ":" + action + ":" + m);
        }
        out.addAll(List.of(extra));
        return out.toArray(new String[0]);
    }

    private static void assertDenied(Run run, String scenario, String agent, String capability) {
        String r = run.r(scenario);
        assertTrue(r.startsWith(DENIED + agent + "' (effective ring 3) may not "), () -> scenario + ": " + r + "\n" + run.result);
        assertDeniedMessage(run, scenario, agent, capability);
    }

    /** Some libraries rethrow the denial as a plain SecurityException with its message (the JDK's HttpClient does). */
    private static void assertDeniedMessage(Run run, String scenario, String agent, String capability) {
        String r = run.r(scenario);
        assertTrue(r.startsWith("denied:") && r.contains(":agent '" + agent + "' (effective ring 3) may not "),
                () -> scenario + ": " + r + "\n" + run.result);
        assertTrue(r.contains(capability + " is not granted"), () -> scenario + ": " + r);
        assertTrue(r.contains("agents." + agent + ".capabilities." + capability), () -> scenario + " names the key: " + r);
    }

    @Test
    void anUngrantedAgentCannotConnectAndTheServerSeesNoConnectionWhileAGrantedOneAndTheHostCan() {
        List<String> s = new ArrayList<>(List.of(scenarios("bot", "connect")));
        s.add("connections");
        s.addAll(List.of(scenarios("trusted", "connect-other")));
        s.add("trusted:connect:thread");
        s.add("trusted:connect:pool");
        s.add("host:connect:thread");
        s.add("host:connect-other:thread");
        Run run = run("connect", "enforce", "", s.toArray(new String[0]));
        for (String m : modes()) {
            assertDenied(run, "bot:connect:" + m, "bot", "network.connect");
            assertTrue(run.r("bot:connect:" + m).contains("127.0.0.1:" + run.tcpPort()), run.result::toString);
            assertDenied(run, "trusted:connect-other:" + m, "trusted", "network.connect");
        }
        assertEquals("0", run.r("connections"), "the server saw no connection from the bot");
        assertEquals("allowed:connected", run.r("trusted:connect:thread"));
        assertEquals("allowed:connected", run.r("trusted:connect:pool"));
        assertEquals("allowed:connected", run.r("host:connect:thread"));
        assertTrue(run.r("host:connect-other:thread").startsWith("failed:java.net.ConnectException"),
                "the host is not checked: it reaches the closed port and is refused by the OS");
        List<Map<String, Object>> denials = AuditRecords.ofType(run.result.dataDir(), "capability.denied");
        assertEquals(2 * modes().size(), denials.size(), () -> denials.toString());
        assertEquals("network.connect", denials.get(0).get("capability"));
    }

    @Test
    void anUngrantedAgentsHttpClientRequestNeverReachesTheServer() {
        Run run = run("http", "enforce", "", "bot:http:thread", "bot:http:pool", "host:http:thread", "requests");
        assertDeniedMessage(run, "bot:http:thread", "bot", "network.connect");
        assertDeniedMessage(run, "bot:http:pool", "bot", "network.connect");
        assertEquals("allowed:status 200", run.r("host:http:thread"));
        assertEquals("1", run.r("requests"), "only the host's request arrived");
    }

    @Test
    void filesAreReadAndWrittenOnlyWhereGranted() {
        List<String> s = new ArrayList<>();
        for (String m : modes()) {
            s.add("bot:write:out/bot-" + m + ".txt:" + m);
            s.add("bot:write-stream:stream-" + m + ".txt:" + m);
            s.add("trusted:read:secret.txt:" + m);
            s.add("trusted:write:elsewhere-" + m + ".txt:" + m);
        }
        s.add("bot:read:kb/faq.md:thread");
        s.add("trusted:read:kb/faq.md:thread");
        s.add("trusted:write:out/report.txt:pool");
        s.add("host:write:host.txt:thread");
        Run run = run("files", "enforce", "", s.toArray(new String[0]));
        for (String m : modes()) {
            assertDenied(run, "bot:write:out/bot-" + m + ".txt:" + m, "bot", "files.write");
            assertFalse(Files.exists(run.dir().resolve("out/bot-" + m + ".txt")), "the file does not exist");
            assertDenied(run, "bot:write-stream:stream-" + m + ".txt:" + m, "bot", "files.write");
            assertFalse(Files.exists(run.dir().resolve("stream-" + m + ".txt")));
            assertDenied(run, "trusted:read:secret.txt:" + m, "trusted", "files.read");
            assertTrue(run.r("trusted:read:secret.txt:" + m).contains("granted: ./kb/**"), run.result::toString);
            assertDenied(run, "trusted:write:elsewhere-" + m + ".txt:" + m, "trusted", "files.write");
            assertFalse(Files.exists(run.dir().resolve("elsewhere-" + m + ".txt")));
        }
        assertDenied(run, "bot:read:kb/faq.md:thread", "bot", "files.read");
        assertEquals("allowed:refunds take 5 days", run.r("trusted:read:kb/faq.md:thread"));
        assertEquals("allowed:written", run.r("trusted:write:out/report.txt:pool"));
        assertTrue(Files.exists(run.dir().resolve("out/report.txt")));
        assertEquals("allowed:written", run.r("host:write:host.txt:thread"));
    }

    @Test
    void processesExitNativeCodeAndTheEnvironmentNeedTheirGrants() throws IOException {
        List<String> s = new ArrayList<>();
        for (String m : modes()) {
            s.add("bot:process:touched-" + m + ":" + m);
            s.add("bot:exit:" + m);
            s.add("bot:load:" + m);
        }
        s.addAll(List.of("bot:exec:exec-touched:thread", "bot:halt:thread", "bot:env:AH_TEST_GREETING:thread",
                "bot:whole-env:pool", "bot:unsafe:thread", "bot:listen:thread",
                "trusted:process:trusted-touched:pool", "trusted:load:thread", "trusted:env:AH_TEST_GREETING:future",
                "trusted:env:AH_SECRET:thread", "trusted:exit:thread",
                "host:process:host-touched:thread", "host:env:AH_SECRET:thread", "host:unsafe:thread"));
        Run run = run("system", "enforce", "", s.toArray(new String[0]));
        for (String m : modes()) {
            assertDenied(run, "bot:process:touched-" + m + ":" + m, "bot", "process.start");
            assertTrue(run.r("bot:process:touched-" + m + ":" + m).contains("sh -c touch touched-" + m));
            assertFalse(Files.exists(run.dir().resolve("touched-" + m)), "the shell never ran");
            assertDenied(run, "bot:exit:" + m, "bot", "exit");
            assertDenied(run, "bot:load:" + m, "bot", "native");
        }
        assertDenied(run, "bot:exec:exec-touched:thread", "bot", "process.start");
        assertFalse(Files.exists(run.dir().resolve("exec-touched")));
        assertDenied(run, "bot:halt:thread", "bot", "exit");
        assertDenied(run, "bot:env:AH_TEST_GREETING:thread", "bot", "env.read");
        assertDenied(run, "bot:whole-env:pool", "bot", "env.read");
        assertDenied(run, "bot:unsafe:thread", "bot", "reflection.private");
        assertDenied(run, "bot:listen:thread", "bot", "network.listen");
        assertEquals("allowed:exit 0", run.r("trusted:process:trusted-touched:pool"));
        assertTrue(Files.exists(run.dir().resolve("trusted-touched")));
        assertEquals("allowed:tried", run.r("trusted:load:thread"), "the JDK looked for the library");
        assertEquals("allowed:hello", run.r("trusted:env:AH_TEST_GREETING:future"));
        assertDenied(run, "trusted:env:AH_SECRET:thread", "trusted", "env.read");
        assertDenied(run, "trusted:exit:thread", "trusted", "exit");
        assertEquals("allowed:exit 0", run.r("host:process:host-touched:thread"));
        assertEquals("allowed:s3cret", run.r("host:env:AH_SECRET:thread"));
        assertEquals("allowed:opened true", run.r("host:unsafe:thread"));
        // Each denial is an anomaly: the bot's trust was slashed.
        assertTrue(AuditRecords.ofType(run.result.dataDir(), "capability.denied").size() >= 3 * modes().size() + 6);
    }

    @Test
    void aHotReloadThatGrantsAHostTakesEffect() {
        Run run = run("reload", "enforce", ",watch=true", "bot:connect:thread", "grant-bot", "await-grant", "connections");
        assertDenied(run, "bot:connect:thread", "bot", "network.connect");
        assertEquals("allowed:connected", run.r("await-grant"), run.result::toString);
        assertEquals("1", run.r("connections"));
        assertFalse(AuditRecords.ofType(run.result.dataDir(), "policy.reloaded").isEmpty());
    }

    @Test
    void auditModeRecordsWouldDenyAndRunsTheCall() {
        Run run = run("audit-mode", "audit", "", "bot:connect:thread", "bot:write:out/audited.txt:pool", "connections");
        assertEquals("allowed:connected", run.r("bot:connect:thread"));
        assertEquals("allowed:written", run.r("bot:write:out/audited.txt:pool"));
        assertEquals("1", run.r("connections"));
        assertTrue(Files.exists(run.dir().resolve("out/audited.txt")));
        List<Map<String, Object>> would = AuditRecords.ofType(run.result.dataDir(), "capability.would-deny");
        // The directory, then the file (through as many of the JDK's entry points as this JDK's Files uses).
        assertEquals("network.connect", would.get(0).get("capability"), would::toString);
        assertEquals(java.util.Set.of("network.connect", "files.write"),
                would.stream().map(m -> m.get("capability")).collect(java.util.stream.Collectors.toSet()), would::toString);
        assertTrue(would.stream().anyMatch(m -> String.valueOf(m.get("target")).endsWith("/out/audited.txt")), would::toString);
        assertTrue(AuditRecords.ofType(run.result.dataDir(), "capability.denied").isEmpty());
    }
}
