package org.agenthypervisor.core.capabilities;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.PolicyParser;
import org.junit.jupiter.api.Test;

/** The built-in defaults, a policy's ring overrides and agent grants, and how targets match. */
class CapabilityTableTest {
    private static final Path WORK = Path.of("/srv/app");
    private static final Path HOME = Path.of("/home/app");

    private static CapabilityTable table(String yaml) throws Exception {
        return CapabilityTable.of(PolicyParser.parse(yaml, "p.yaml"), WORK, HOME);
    }

    @Test
    void theBuiltInDefaults() {
        CapabilityTable t = CapabilityTable.defaults(WORK);
        Grants ring1 = t.ring(1);
        assertTrue(ring1.allowsAll(Capability.NETWORK_CONNECT));
        assertTrue(ring1.allowsAll(Capability.PROCESS_START));
        assertFalse(ring1.allows(Capability.EXIT, "status 0"));
        assertFalse(ring1.allows(Capability.NATIVE, "x"));
        Grants ring2 = t.ring(2);
        assertTrue(ring2.allows(Capability.FILES_READ, "/srv/app/kb/faq.md"));
        assertTrue(ring2.allows(Capability.FILES_READ, "/srv/app"));
        assertFalse(ring2.allows(Capability.FILES_READ, "/srv/application/x"));
        assertFalse(ring2.allows(Capability.FILES_READ, "/etc/passwd"));
        assertFalse(ring2.allows(Capability.FILES_WRITE, "/srv/app/x"));
        assertFalse(ring2.allows(Capability.NETWORK_CONNECT, "api.openai.com:443"));
        for (Capability c : Capability.values()) {
            assertFalse(t.ring(3).allows(c, "x"), c.key());
            assertTrue(t.ring(0).allowsAll(c), c.key());
        }
    }

    @Test
    void agentGrantsAddToTheRingAndFalseTakesAway() throws Exception {
        CapabilityTable t = table("""
                version: 1
                agents:
                  bot:
                    ring: 2
                    capabilities:
                      network.connect: ["api.openai.com:443", "*.internal:8000-8100"]
                      files.read: ["/srv/kb/**"]
                      env.read: OPENAI_*
                  locked:
                    ring: 2
                    capabilities:
                      files.read: false
                """);
        Grants bot = t.agent("bot");
        assertTrue(bot.allows(Capability.NETWORK_CONNECT, "api.openai.com:443"));
        assertFalse(bot.allows(Capability.NETWORK_CONNECT, "api.openai.com:80"));
        assertFalse(bot.allows(Capability.NETWORK_CONNECT, "evil.example.com:443"));
        assertTrue(bot.allows(Capability.NETWORK_CONNECT, "db.internal:8042"));
        assertFalse(bot.allows(Capability.NETWORK_CONNECT, "db.internal:9000"));
        assertTrue(bot.allows(Capability.FILES_READ, "/srv/app/notes.md"), "ring 2's default stays");
        assertTrue(bot.allows(Capability.FILES_READ, "/srv/kb/a/b.md"));
        assertTrue(bot.allows(Capability.ENV_READ, "OPENAI_API_KEY"));
        assertFalse(bot.allows(Capability.ENV_READ, "AWS_SECRET_ACCESS_KEY"));
        assertFalse(bot.allows(Capability.ENV_READ, "*"), "the whole environment needs true or '*'");
        assertFalse(t.agent("locked").allows(Capability.FILES_READ, "/srv/app/notes.md"));
    }

    @Test
    void ringOverridesReplaceTheDefaultKeyByKey() throws Exception {
        CapabilityTable t = table("""
                version: 1
                rings:
                  2:
                    capabilities:
                      files.read: ["/srv/shared/**"]
                  1:
                    capabilities:
                      process.start: false
                """);
        assertFalse(t.ring(2).allows(Capability.FILES_READ, "/srv/app/x"));
        assertTrue(t.ring(2).allows(Capability.FILES_READ, "/srv/shared/x"));
        assertFalse(t.ring(1).allowsAll(Capability.PROCESS_START));
        assertTrue(t.ring(1).allowsAll(Capability.NETWORK_CONNECT));
    }

    @Test
    void aDemotedAgentRunsWithTheDefaultsOfTheRingItFellTo() throws Exception {
        Policy p = PolicyParser.parse("""
                version: 1
                agents:
                  bot:
                    ring: 2
                    capabilities:
                      network.connect: ["api.openai.com:443"]
                """, "p.yaml");
        CapabilityTable t = CapabilityTable.of(p, WORK, HOME);
        Principals principals = new Principals(p);
        Principal bot = principals.agent("bot");
        assertSame(t.agent("bot"), t.grants(bot, 2));
        assertSame(t.ring(3), t.grants(bot, 3));
        assertSame(Grants.ALL, t.grants(principals.host(), 0));
    }

    @Test
    void pathGlobs() {
        TargetPattern p = TargetPattern.compile(Capability.Kind.PATHS, "./data/*.csv", WORK, HOME);
        assertTrue(p.matches("/srv/app/data/refunds.csv"));
        assertFalse(p.matches("/srv/app/data/sub/refunds.csv"));
        assertFalse(p.matches("/srv/app/data/refunds.csv.bak"));
        TargetPattern home = TargetPattern.compile(Capability.Kind.PATHS, "~/.cache/**", WORK, HOME);
        assertTrue(home.matches("/home/app/.cache/models/x.bin"));
        TargetPattern dotdot = TargetPattern.compile(Capability.Kind.PATHS, "/srv/app/../kb/**", WORK, HOME);
        assertTrue(dotdot.matches("/srv/kb/x"));
        assertFalse(dotdot.matches("/srv/app/kb/x"));
    }

    @Test
    void hostPortGlobs() {
        TargetPattern v6 = TargetPattern.compile(Capability.Kind.HOST_PORTS, "[::1]:8080", WORK, HOME);
        assertTrue(v6.matches("[::1]:8080"));
        assertFalse(v6.matches("[::1]:8081"));
        TargetPattern any = TargetPattern.compile(Capability.Kind.HOST_PORTS, "*.openai.com:*", WORK, HOME);
        assertTrue(any.matches("api.openai.com:443"));
        assertFalse(any.matches("openai.com.evil.example:443"));
        assertThrows(IllegalArgumentException.class,
                () -> TargetPattern.compile(Capability.Kind.HOST_PORTS, "::1:8080", WORK, HOME));
    }

    @Test
    void onlyAlreadyNormalAbsolutePathsSkipThePathParser() {
        for (String plain : new String[] {"/a", "/tmp/x.txt", "/srv/app/.hidden", "/srv/app/..x", "/a/b.c/d"}) {
            assertTrue(CapabilityGate.isPlainAbsolute(plain), plain);
        }
        for (String odd : new String[] {"a", "", "/", "/a/", "//a", "/a//b", "/a/./b", "/a/../b", "/a/..", "/a/.",
                "./a"}) {
            assertFalse(CapabilityGate.isPlainAbsolute(odd), odd);
        }
    }

    @Test
    void theStringFormOfTheProtectedPathsTestAgreesWithThePathForm() {
        ProtectedPaths p = new ProtectedPaths(java.util.List.of(Path.of("/srv/app/.agent-hypervisor")),
                java.util.List.of(Path.of("/srv/app/policy.yaml")));
        for (String s : new String[] {"/srv/app/.agent-hypervisor", "/srv/app/.agent-hypervisor/keys/k",
                "/srv/app/.agent-hypervisor2/x", "/srv/app/policy.yaml", "/srv/app/policy.yaml.bak", "/srv/app"}) {
            org.junit.jupiter.api.Assertions.assertEquals(p.covers(Path.of(s)), p.covers(s), s);
        }
        assertTrue(p.covers("/srv/app/.agent-hypervisor/keys/k"));
        assertFalse(p.covers("/srv/app/.agent-hypervisor2/x"));
    }
}
