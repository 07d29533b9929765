package org.agenthypervisor.core.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyDirectoryTest {
    @TempDir
    Path tmp;

    @Test
    void derivedSecretsAreStablePerKeyAndLabelAndIndependentOfEachOther() {
        SigningKey key = KeyDirectory.open(tmp).getOrCreate("hypervisor");
        byte[] journal = key.deriveSecret("agent-hypervisor saga journal v1");
        assertEquals(32, journal.length);
        assertArrayEquals(journal, KeyDirectory.open(tmp).getOrCreate("hypervisor").deriveSecret("agent-hypervisor saga journal v1"),
                "the same key file gives the same secret after a restart");
        assertFalse(java.util.Arrays.equals(journal, key.deriveSecret("agent-hypervisor saga journal v2")), "another label");
        assertFalse(java.util.Arrays.equals(journal, key.seed()), "never the seed itself");
        SigningKey other = KeyDirectory.open(tmp.resolve("other")).getOrCreate("hypervisor");
        assertFalse(java.util.Arrays.equals(journal, other.deriveSecret("agent-hypervisor saga journal v1")), "another key");
    }

    private static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    @Test
    void createsAnOpenSslReadableKeyPairPerId() throws IOException {
        Path dir = tmp.resolve("data/keys");
        KeyDirectory keys = KeyDirectory.open(dir);
        SigningKey billing = keys.getOrCreate("billing");
        assertSame(billing, keys.getOrCreate("billing"), "cached");

        String keyPem = Files.readString(dir.resolve("billing.key"));
        assertTrue(keyPem.startsWith("-----BEGIN PRIVATE KEY-----\n") && keyPem.endsWith("-----END PRIVATE KEY-----\n"));
        byte[] der = Base64.getMimeDecoder().decode(keyPem.replaceAll("-----[A-Z ]+-----", ""));
        assertEquals("302e020100300506032b657004220420", Ed25519Test.HEX.formatHex(der, 0, 16));
        assertEquals(billing.publicKey(), Ed25519.signingKey(java.util.Arrays.copyOfRange(der, 16, 48)).publicKey());
        assertEquals(billing.publicKey().toPem(), Files.readString(dir.resolve("billing.pub")));

        if (posix(dir)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("billing.key"))));
            assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("billing.pub"))));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        }
        // No temporary files are left behind.
        try (var files = Files.list(dir)) {
            assertEquals(Set.of("billing.key", "billing.pub"), files.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
        }
        // Another instance (another process) loads the same key.
        KeyDirectory again = KeyDirectory.open(dir);
        assertEquals(billing.publicKey(), again.getOrCreate("billing").publicKey());
        assertEquals(Optional.of(billing.publicKey()), again.publicKey("billing"));
        byte[] msg = {1, 2, 3};
        assertArrayEquals(billing.sign(msg), again.signingKey("billing").orElseThrow().sign(msg));
    }

    @Test
    void anAgentKeyIsNeverTheHypervisorsOwn() {
        KeyDirectory keys = KeyDirectory.open(tmp);
        for (String id : List.of("hypervisor", "Hypervisor", "HYPERVISOR")) {
            assertTrue(KeyDirectory.isReservedId(id), id);
            KeyDirectoryException refused = assertThrows(KeyDirectoryException.class, () -> keys.agentKey(id));
            assertTrue(refused.getMessage().contains("refused: '" + id + "' is the hypervisor's own key id"),
                    refused.getMessage());
        }
        assertFalse(Files.exists(tmp.resolve("hypervisor.key")), "refusing creates no key");
        assertFalse(KeyDirectory.isReservedId("hypervisor-bot"));
        assertEquals(keys.getOrCreate("billing"), keys.agentKey("billing"));
    }

    @Test
    void idsAreValidated() {
        KeyDirectory keys = KeyDirectory.open(tmp);
        for (String ok : List.of("billing", "support-bot", "ledger.v2", "hypervisor", "a", "0", "a_b-c.d9", "x".repeat(64))) {
            assertTrue(KeyDirectory.isValidId(ok), ok);
        }
        for (String bad : new String[] {"", "A", "Billing", "-a", "a-", ".a", "a.", "_a", "a/b", "../x", "x".repeat(65),
            "héllo", "a b", "a\n", null}) {
            assertFalse(KeyDirectory.isValidId(bad), String.valueOf(bad));
            assertThrows(IllegalArgumentException.class, () -> keys.getOrCreate(bad));
            assertThrows(IllegalArgumentException.class, () -> keys.publicKey(bad));
        }
    }

    @Test
    void readOnlyDirectoriesNeverCreate() throws IOException {
        KeyDirectory writable = KeyDirectory.open(tmp);
        PublicKey hv = writable.getOrCreate("hypervisor").publicKey();
        Files.writeString(tmp.resolve("partner.pub"), Ed25519.generate().publicKey().toPem());

        KeyDirectory ro = KeyDirectory.openReadOnly(tmp);
        assertTrue(ro.isReadOnly());
        assertEquals(hv, ro.getOrCreate("hypervisor").publicKey());
        assertTrue(ro.publicKey("partner").isPresent(), "a .pub alone is enough for a public key");
        assertTrue(ro.signingKey("partner").isEmpty());
        KeyDirectoryException e = assertThrows(KeyDirectoryException.class, () -> ro.getOrCreate("billing"));
        assertEquals(tmp.toAbsolutePath().normalize().resolve("billing.key"), e.file());
        assertTrue(e.getMessage().contains("billing.key") && e.getMessage().contains("read-only"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("billing.key")));
        assertTrue(ro.publicKey("billing").isEmpty());
        assertEquals(List.of("hypervisor", "partner"), ro.ids());
        assertThrows(KeyDirectoryException.class, () -> KeyDirectory.openReadOnly(tmp.resolve("missing")));
    }

    @Test
    void aMalformedKeyFileIsAnErrorNamingItAndIsNeverReplaced() throws IOException {
        KeyDirectory keys = KeyDirectory.open(tmp);
        String[] contents = {
            "garbage",
            "-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----\n",
            // An RSA-ish / wrong-length PKCS#8 body.
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VxBCIEIEzNCJso/5banbbDRuwRTg9bijGfNaumJNqM9u1PuKb7\n-----END PRIVATE KEY-----\n",
            Ed25519.generate().publicKey().toPem(),
            "",
        };
        for (int i = 0; i < contents.length; i++) {
            String id = "bad" + i;
            Path file = tmp.resolve(id + ".key");
            Files.writeString(file, contents[i]);
            KeyDirectoryException e = assertThrows(KeyDirectoryException.class, () -> keys.getOrCreate(id), contents[i]);
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertEquals(contents[i], Files.readString(file), "never replaced");
            assertThrows(KeyDirectoryException.class, () -> keys.publicKey(id));
        }
        Files.writeString(tmp.resolve("badpub.pub"), "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
        KeyDirectoryException e = assertThrows(KeyDirectoryException.class, () -> keys.publicKey("badpub"));
        assertTrue(e.getMessage().contains("badpub.pub"), e.getMessage());
    }

    @Test
    void aPublicKeyFileThatDoesNotMatchIsAnError() throws IOException {
        KeyDirectory keys = KeyDirectory.open(tmp);
        keys.getOrCreate("support-bot");
        String impostor = Ed25519.generate().publicKey().toPem();
        Files.writeString(tmp.resolve("support-bot.pub"), impostor);
        KeyDirectoryException e = assertThrows(KeyDirectoryException.class, () -> KeyDirectory.open(tmp).getOrCreate("support-bot"));
        assertTrue(e.getMessage().contains("support-bot.pub") && e.getMessage().contains("does not match"), e.getMessage());
        assertEquals(impostor, Files.readString(tmp.resolve("support-bot.pub")));
    }

    @Test
    void aMissingPublicKeyFileIsRewrittenFromThePrivateKey() throws IOException {
        SigningKey key = KeyDirectory.open(tmp).getOrCreate("ledger.v2");
        Files.delete(tmp.resolve("ledger.v2.pub"));
        KeyDirectory.openReadOnly(tmp).getOrCreate("ledger.v2");
        assertFalse(Files.exists(tmp.resolve("ledger.v2.pub")), "read-only writes nothing");
        KeyDirectory.open(tmp).getOrCreate("ledger.v2");
        assertEquals(key.publicKey().toPem(), Files.readString(tmp.resolve("ledger.v2.pub")));
    }

    @Test
    void idsListsKeyAndPublicFilesOnly() throws IOException {
        KeyDirectory keys = KeyDirectory.open(tmp);
        keys.getOrCreate("support-bot");
        keys.getOrCreate("billing");
        Files.writeString(tmp.resolve("README.txt"), "x");
        Files.writeString(tmp.resolve(".billing.key.123.tmp"), "x");
        Files.writeString(tmp.resolve("Bad.key"), "x");
        Files.writeString(tmp.resolve("other.pub"), Ed25519.generate().publicKey().toPem());
        assertEquals(List.of("billing", "other", "support-bot"), keys.ids());
    }

    @Test
    void racingCreatorsAgreeOnOneKey() throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < 10; round++) {
                String id = "race" + round;
                CountDownLatch start = new CountDownLatch(1);
                List<Future<PublicKey>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    // Separate instances share no cache, like separate processes.
                    KeyDirectory keys = KeyDirectory.open(tmp);
                    results.add(pool.submit(() -> {
                        start.await();
                        return keys.getOrCreate(id).publicKey();
                    }));
                }
                start.countDown();
                Set<PublicKey> distinct = new HashSet<>();
                for (Future<PublicKey> f : results) {
                    distinct.add(f.get(30, TimeUnit.SECONDS));
                }
                assertEquals(1, distinct.size(), "all creators of " + id + " must end with the same key");
                assertEquals(distinct.iterator().next(), KeyDirectory.openReadOnly(tmp).publicKey(id).orElseThrow());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void interoperatesWithOpenSsl() throws Exception {
        assumeTrue(run("openssl", "version") != null, "openssl not installed");
        KeyDirectory keys = KeyDirectory.open(tmp);
        keys.getOrCreate("billing");
        // OpenSSL derives our .pub from our .key...
        String derived = run("openssl", "pkey", "-in", tmp.resolve("billing.key").toString(), "-pubout");
        assertEquals(Files.readString(tmp.resolve("billing.pub")), derived);
        // ...and we load a key OpenSSL generated.
        assertTrue(run("openssl", "genpkey", "-algorithm", "ed25519", "-out", tmp.resolve("ops.key").toString()) != null);
        String opsPub = run("openssl", "pkey", "-in", tmp.resolve("ops.key").toString(), "-pubout");
        assertEquals(PublicKey.fromPem(opsPub), keys.getOrCreate("ops").publicKey());
        assertEquals(opsPub, Files.readString(tmp.resolve("ops.pub")));
        // OpenSSL verifies our signature.
        byte[] msg = "audit tree head".getBytes(StandardCharsets.UTF_8);
        Files.write(tmp.resolve("msg"), msg);
        Files.write(tmp.resolve("sig"), keys.getOrCreate("billing").sign(msg));
        String verified = run("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", tmp.resolve("billing.pub").toString(),
                "-rawin", "-in", tmp.resolve("msg").toString(), "-sigfile", tmp.resolve("sig").toString());
        assertTrue(verified != null && verified.contains("Signature Verified Successfully"), verified);
    }

    /** Runs a command; its stdout, or null if it cannot run or fails. */
    private static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
            byte[] out = p.getInputStream().readAllBytes();
            p.getErrorStream().readAllBytes();
            return p.waitFor() == 0 ? new String(out, StandardCharsets.UTF_8) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
