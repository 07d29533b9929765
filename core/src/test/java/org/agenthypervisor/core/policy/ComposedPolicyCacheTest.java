package org.agenthypervisor.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The composed-policy cache gives the reader the tree SnakeYAML would have composed, only for the
 * bytes it was made from, only under the key it was made with, and never for a policy that could
 * move the data or key directory.
 */
class ComposedPolicyCacheTest {
    @TempDir
    Path dir;

    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private ComposedPolicyCache cache(byte[] secret) {
        return new ComposedPolicyCache(dir.resolve(".agent-hypervisor"), dir, true, () -> secret);
    }

    private static List<Path> repositoryPolicies() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("..", "policies"))) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @Test
    void theSecondParseOfEveryShippedPolicyComesFromTheCacheAndReadsTheSame() throws Exception {
        List<Path> policies = repositoryPolicies();
        assertTrue(policies.size() >= 3, policies::toString);
        for (Path shipped : policies) {
            Path file = dir.resolve(shipped.getFileName());
            Files.copy(shipped, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Policy fresh = PolicyParser.parse(file);
            ComposedPolicyCache first = cache(SECRET);
            assertEquals(fresh, PolicyParser.parse(file, first), shipped.toString());
            assertFalse(first.hit(), "nothing cached yet");
            ComposedPolicyCache second = cache(SECRET);
            Policy cached = PolicyParser.parse(file, second);
            assertTrue(second.hit(), shipped + " read from the cache");
            assertEquals(fresh, cached, shipped.toString());
        }
    }

    @Test
    void everyKindOfNodeSurvivesTheRoundTrip() throws Exception {
        String yaml = """
                version: 1
                mode: "enforce"
                agents:
                  a-bot: {ring: 2, classes: [com.x.A, 'com.x.B']}
                  b-bot:
                    ring: 3
                    classes: |
                      com.x.C
                rules:
                  - name: >-
                      folded
                      text
                    match: "com.x.*#run"
                    ring: 0
                empty:
                nested: [[1, 2.5, true, null], {k: ~}]
                """;
        Path file = dir.resolve("kinds.yaml");
        Files.writeString(file, yaml);
        var root = PolicyParserTestAccess.compose(yaml);
        assertTrue(ComposedPolicyCache.sameTree(root, ComposedPolicyCache.roundTrip(root, file.toString())));
    }

    @Test
    void aTamperedOrForeignEntryIsRefusedAndTheFileParsedAfresh() throws Exception {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, "version: 1\nagents:\n  bot:\n    ring: 3\n    classes: com.x.Bot\n");
        Policy fresh = PolicyParser.parse(file);
        PolicyParser.parse(file, cache(SECRET));
        Path entry;
        try (Stream<Path> entries = Files.list(dir.resolve(".agent-hypervisor/cache/policy"))) {
            entry = entries.findFirst().orElseThrow();
        }
        byte[] good = Files.readAllBytes(entry);
        // The ring of the bot, 3, made 0 in the stored tree (its tag left as it was).
        byte[] forged = good.clone();
        String text = new String(forged, StandardCharsets.ISO_8859_1);
        int at = text.lastIndexOf("\u0000\u0000\u0000\u00013");
        assertTrue(at > 0, "the scalar 3 is in the entry");
        forged[at + 4] = '0';
        Files.write(entry, forged);
        ComposedPolicyCache tampered = cache(SECRET);
        assertEquals(fresh, PolicyParser.parse(file, tampered));
        assertFalse(tampered.hit());
        assertNotNull(tampered.rejected());
        assertTrue(tampered.rejected().contains("failed its authentication check"), tampered.rejected());
        // Written again under the right key by that parse; another key's cache does not accept it.
        ComposedPolicyCache other = cache("another secret, another data dir".getBytes(StandardCharsets.US_ASCII));
        assertEquals(fresh, PolicyParser.parse(file, other));
        assertFalse(other.hit());
        assertNotNull(other.rejected());
        // Larger than any policy's tree: refused without being read.
        try (java.nio.channels.FileChannel huge = java.nio.channels.FileChannel.open(entry, java.nio.file.StandardOpenOption.WRITE)) {
            huge.write(java.nio.ByteBuffer.wrap(new byte[] {0}), 64L * PolicyParser.MAX_BYTES + 1024);
        }
        ComposedPolicyCache oversized = cache(SECRET);
        assertEquals(fresh, PolicyParser.parse(file, oversized));
        assertFalse(oversized.hit());
        assertTrue(oversized.rejected().contains("larger than any policy's tree"), oversized.rejected());
        // Cut short: refused too.
        Files.write(entry, java.util.Arrays.copyOf(good, 20));
        ComposedPolicyCache cut = cache(SECRET);
        assertEquals(fresh, PolicyParser.parse(file, cut));
        assertFalse(cut.hit());
    }

    @Test
    void anEditedFileIsParsedAndOnlyItsTreeKept() throws Exception {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, "version: 1\n");
        PolicyParser.parse(file, cache(SECRET));
        Files.writeString(file, "version: 1\nmode: audit\n");
        ComposedPolicyCache after = cache(SECRET);
        Policy edited = PolicyParser.parse(file, after);
        assertFalse(after.hit(), "other bytes, another entry");
        assertEquals(Policy.Mode.AUDIT, edited.mode());
        try (Stream<Path> entries = Files.list(dir.resolve(".agent-hypervisor/cache/policy"))) {
            assertEquals(1, entries.count(), "the old entry is removed");
        }
    }

    @Test
    void noKeyYetMeansNoCacheAndAnInvalidPolicyIsNeverCached() throws Exception {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, "version: 1\n");
        ComposedPolicyCache keyless = cache(null);
        PolicyParser.parse(file, keyless);
        assertFalse(Files.exists(dir.resolve(".agent-hypervisor/cache/policy")), "nothing written without a key");
        Files.writeString(file, "version: 1\nagents:\n  bot:\n    ring: seven\n");
        PolicyException invalid = assertThrows(PolicyException.class, () -> PolicyParser.parse(file, cache(SECRET)));
        assertEquals(assertThrows(PolicyException.class, () -> PolicyParser.parse(file)).getMessage(), invalid.getMessage());
        assertFalse(Files.exists(dir.resolve(".agent-hypervisor/cache/policy")), "an invalid policy is not cached");
    }

    @Test
    void aPolicyThatCouldMoveTheKeysOrTheDataOrUsesAliasesIsParsedEveryTime() throws Exception {
        for (String yaml : new String[] {
                "version: 1\ndataDir: /elsewhere\n",
                "version: 1\nliability:\n  keysDir: /elsewhere/keys\n",
                "version: 1\nliability:\n  keysDir:\n    /elsewhere/keys\n",
                "version: 1\ndataDir: .agent-hypervisor\n  /elsewhere\n",
                "version: 1\ndataDir: '.agent-hypervisor'\n",
                "version: 1\n? dataDir\n: .agent-hypervisor\n",
                "version: 1\n{dataDir: .agent-hypervisor}\n",
                "version: 1\nliability: {signing: \"each #\", keysDir: /elsewhere/keys}\n",
                "version: 1\n\"data\\x44ir\": /elsewhere\n",
                "version: 1\nagents:\n  a-bot: &bot {ring: 3, classes: com.x.A}\n  b-bot: *bot\n"}) {
            Path file = dir.resolve("p.yaml");
            Files.writeString(file, yaml);
            String expected;
            try {
                expected = PolicyParser.parse(file).toString();
            } catch (PolicyException e) {
                expected = e.getMessage();
            }
            for (int i = 0; i < 2; i++) {
                ComposedPolicyCache c = cache(SECRET);
                String got;
                try {
                    got = PolicyParser.parse(file, c).toString();
                } catch (PolicyException e) {
                    got = e.getMessage();
                }
                assertEquals(expected, got, yaml);
                assertFalse(c.hit(), yaml);
            }
            assertFalse(Files.isDirectory(dir.resolve(".agent-hypervisor/cache/policy")), yaml);
        }
        // The default data directory and key directory, said in so many words, are served.
        Path plain = dir.resolve("plain.yaml");
        Files.writeString(plain, "version: 1\ndataDir: .agent-hypervisor   # the default\nliability:\n  keysDir: null\n"
                + "  # a comment deeper than the key\nmode: audit\n");
        PolicyParser.parse(plain, cache(SECRET));
        ComposedPolicyCache plainCache = cache(SECRET);
        assertEquals(Policy.Mode.AUDIT, PolicyParser.parse(plain, plainCache).mode());
        assertTrue(plainCache.hit());
        // In a data directory named as an agent option, a policy's dataDir does not move the cache.
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, "version: 1\ndataDir: /elsewhere\n");
        new ComposedPolicyCache(dir.resolve("data"), dir, false, () -> SECRET);
        PolicyParser.parse(file, new ComposedPolicyCache(dir.resolve("data"), dir, false, () -> SECRET));
        ComposedPolicyCache named = new ComposedPolicyCache(dir.resolve("data"), dir, false, () -> SECRET);
        PolicyParser.parse(file, named);
        assertTrue(named.hit());
        assertNull(named.rejected());
    }
}
