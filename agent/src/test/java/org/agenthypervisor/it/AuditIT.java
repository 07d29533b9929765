package org.agenthypervisor.it;

import org.agenthypervisor.core.audit.TreeHead;
import org.agenthypervisor.core.crypto.Ed25519;
import org.agenthypervisor.core.crypto.SigningKey;
import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.merkle.MerkleFrontier;
import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC §6 with the real agent jar and its command line: a run's log verifies; edits, reorderings, cuts
 * and forged heads are detected and the bad record named; verification writes nothing; proofs check
 * from the tree head alone.
 */
class AuditIT {
    static Path original;
    static int records;

    @BeforeAll
    static void runApp() throws IOException {
        Path dir = ChildJvm.freshWorkDir("audit-run");
        ChildJvm.write(dir, "policy.yaml", SessionsIT.POLICY);
        Result run = ChildJvm.withAgent("policy=policy.yaml").in(dir).run("com.acme.session.SessionApp", "share", "shaky-outside");
        assertEquals(0, run.exitCode(), run::toString);
        original = run.dataDir();
        records = Frames.payloads(Files.readAllBytes(segment(original, "audit"))).size();
        assertTrue(records > 20, "records: " + records);
    }

    static Path segment(Path dataDir, String name) throws IOException {
        return Frames.segment(dataDir.resolve("audit"), name);
    }

    /** A copy of the run's data directory to tamper with, in a fresh working directory. */
    static Path copy(String name) throws IOException {
        return copyOf(original, name);
    }

    /** A copy of a data directory, as {@code .agent-hypervisor} of a fresh working directory. */
    static Path copyOf(Path original, String name) throws IOException {
        Path work = ChildJvm.freshWorkDir(name);
        Path target = work.resolve(".agent-hypervisor");
        try (Stream<Path> s = Files.walk(original)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = target.resolve(original.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
        return target;
    }

    static Map<String, byte[]> snapshot(Path dir) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
                m.put(dir.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return m;
    }

    static void assertUnchanged(Map<String, byte[]> before, Path dir) throws IOException {
        Map<String, byte[]> after = snapshot(dir);
        assertEquals(before.keySet(), after.keySet(), "verification created or removed files");
        for (String k : before.keySet()) {
            assertArrayEquals(before.get(k), after.get(k), k + " was modified by verification");
        }
    }

    static Result verify(Path dataDir, String... more) {
        List<String> args = new ArrayList<>(List.of("audit", "verify", "--data-dir", dataDir.toString()));
        args.addAll(List.of(more));
        return Cli.run(dataDir.getParent(), args.toArray(String[]::new));
    }

    static Result verifyFailsNaming(Path dataDir, long record, String... more) throws IOException {
        Map<String, byte[]> before = snapshot(dataDir);
        Result r = verify(dataDir, more);
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains("FAILED"), r::toString);
        assertTrue(r.stdout().contains("first bad record: " + record + "\n") || r.stdout().contains("first bad record: " + record + "\r"),
                r::toString);
        assertUnchanged(before, dataDir);
        return r;
    }

    @Test
    void aRunsLogVerifiesAndVerificationWritesNothing() throws IOException {
        Path data = copy("verify-ok");
        Map<String, byte[]> before = snapshot(data);
        Result r = verify(data);
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains(": OK"), r::toString);
        assertTrue(r.stdout().contains("records:           " + records + " "), r::toString);
        assertTrue(r.stdout().contains("last signed size:  " + records + " "), r::toString);
        assertTrue(r.stdout().contains("signed tree heads: " + (records / 5 + 1) + ","), "a head every 5 records and one at the"
                + " session's close: " + r);
        assertTrue(r.stdout().contains("not yet covered:   0 record(s)"), r::toString);
        assertUnchanged(before, data);
        Result strict = verify(data, "--strict");
        assertEquals(0, strict.exitCode(), strict::toString);
    }

    @Test
    void aChangedByteInAMiddleRecordIsNamed() throws IOException {
        Path data = copy("byte-middle");
        Path seg = segment(data, "audit");
        byte[] file = Files.readAllBytes(seg);
        List<Long> offsets = Frames.offsets(file);
        int victim = records / 2;
        file[(int) (offsets.get(victim) + 12 + 5)] ^= 0x20;
        Files.write(seg, file);
        Result r = verifyFailsNaming(data, victim);
        assertTrue(r.stdout().contains("record " + victim + " ("), r::toString);
    }

    @Test
    void aChangedByteInTheLastRecordIsNamed() throws IOException {
        Path data = copy("byte-last");
        Path seg = segment(data, "audit");
        byte[] file = Files.readAllBytes(seg);
        file[file.length - 2] ^= 0x01;
        Files.write(seg, file);
        verifyFailsNaming(data, records - 1);
    }

    @Test
    void anEditWithItsCrcRecomputedFailsAgainstTheSignedRoots() throws IOException {
        Path data = copy("crc-fixed");
        Path seg = segment(data, "audit");
        byte[] file = Files.readAllBytes(seg);
        List<byte[]> payloads = new ArrayList<>(Frames.payloads(file));
        int victim = records - 1;
        payloads.set(victim, new String(payloads.get(victim), StandardCharsets.UTF_8).replace("\"type\":\"", "\"type\":\"x")
                .getBytes(StandardCharsets.UTF_8));
        Files.write(seg, Frames.rewrite(file, payloads));
        Map<String, byte[]> before = snapshot(data);
        Result r = verify(data);
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains("does not match the records"), r::toString);
        assertTrue(r.stdout().contains("record " + victim) || r.stdout().contains(".." + victim + " was changed"), r::toString);
        assertUnchanged(before, data);
    }

    @Test
    void aLogWhoseTreeHeadsWereDeletedDoesNotVerifyEvenWithAPinnedKey() throws IOException {
        Path data = copy("heads-deleted");
        Path pinned = data.getParent().resolve("hypervisor.pub");
        Files.copy(data.resolve("keys").resolve("hypervisor.pub"), pinned);
        Files.delete(segment(data, "heads"));
        Path seg = segment(data, "audit");
        byte[] file = Files.readAllBytes(seg);
        List<byte[]> payloads = new ArrayList<>(Frames.payloads(file));
        payloads.set(3, new String(payloads.get(3), StandardCharsets.UTF_8).replace("\"seq\":3", "\"note\":1,\"seq\":3")
                .getBytes(StandardCharsets.UTF_8));
        Files.write(seg, Frames.rewrite(file, payloads));
        Map<String, byte[]> before = snapshot(data);
        for (Result r : List.of(verify(data), verify(data, "--public-key", pinned.toString()))) {
            assertEquals(1, r.exitCode(), r::toString);
            assertTrue(r.stdout().contains("FAILED (not covered by signed tree heads)"), r::toString);
            assertTrue(r.stdout().contains(records + " record(s) and no signed tree head"), r::toString);
            assertTrue(r.stdout().contains("--allow-unsigned"), r::toString);
        }
        Result allowed = verify(data, "--allow-unsigned");
        assertEquals(0, allowed.exitCode(), allowed::toString);
        assertTrue(allowed.stdout().contains("signed tree heads: none (accepted with --allow-unsigned"), allowed::toString);
        Result strict = verify(data, "--allow-unsigned", "--strict");
        assertEquals(1, strict.exitCode(), strict::toString);
        assertUnchanged(before, data);
    }

    @Test
    void moreRecordsAfterTheLastHeadThanAllowedDoNotVerify() throws IOException {
        Path data = copy("heads-cut");
        // Keep only the first head (size 5): the later heads deleted, the records after it uncovered.
        Path heads = segment(data, "heads");
        byte[] file = Files.readAllBytes(heads);
        Files.write(heads, Arrays.copyOf(file, (int) (long) Frames.offsets(file).get(1)));
        int uncovered = records - 5;
        Result byDefault = verify(data);
        assertEquals(0, byDefault.exitCode(), "within the default bound of one interval: " + byDefault);
        assertTrue(byDefault.stdout().contains("not yet covered:   " + uncovered + " record(s)"), byDefault::toString);
        Result bounded = verify(data, "--allow-uncovered", String.valueOf(uncovered - 1));
        assertEquals(1, bounded.exitCode(), bounded::toString);
        assertTrue(bounded.stdout().contains(uncovered + " record(s) after the last signed tree head (size 5"), bounded::toString);
        assertTrue(bounded.stdout().contains("at most " + (uncovered - 1) + " are accepted"), bounded::toString);
        Result exact = verify(data, "--allow-uncovered", String.valueOf(uncovered));
        assertEquals(0, exact.exitCode(), exact::toString);
        Result strict = verify(data, "--strict");
        assertEquals(1, strict.exitCode(), strict::toString);
        Result both = verify(data, "--strict", "--allow-uncovered", "3");
        assertEquals(2, both.exitCode(), both::toString);
    }

    @Test
    void swappedRecordsAreDetected() throws IOException {
        Path data = copy("swap");
        Path seg = segment(data, "audit");
        byte[] file = Files.readAllBytes(seg);
        List<byte[]> payloads = new ArrayList<>(Frames.payloads(file));
        Collections.swap(payloads, 4, 9);
        Files.write(seg, Frames.rewrite(file, payloads));
        Result r = verifyFailsNaming(data, 4);
        assertTrue(r.stdout().contains("reordered"), r::toString);
    }

    @Test
    void recordsCutFromUnderASignedTreeHeadAreDetected() throws IOException {
        Path data = copy("cut");
        Path seg = segment(data, "audit");
        byte[] file = Files.readAllBytes(seg);
        List<Long> offsets = Frames.offsets(file);
        int keep = records - 6;
        Files.write(seg, Arrays.copyOf(file, (int) (long) offsets.get(keep)));
        Result r = verifyFailsNaming(data, keep);
        assertTrue(r.stdout().contains("records " + keep + ".." + (records - 1) + " are missing"), r::toString);
        assertTrue(r.stdout().contains("cut from under a signed tree head"), r::toString);
    }

    @Test
    void reSignedTreeHeadsFailAgainstThePinnedPublicKey() throws IOException {
        Path data = copy("forged");
        Path pinned = data.getParent().resolve("hypervisor.pub");
        Files.copy(data.resolve("keys").resolve("hypervisor.pub"), pinned);
        // The attacker edits a record, rebuilds the tree, and re-signs every head with its own key,
        // which it also puts in the key directory.
        Path seg = segment(data, "audit");
        byte[] file = Files.readAllBytes(seg);
        List<byte[]> payloads = new ArrayList<>(Frames.payloads(file));
        payloads.set(3, new String(payloads.get(3), StandardCharsets.UTF_8).replace("\"seq\":3", "\"note\":1,\"seq\":3")
                .getBytes(StandardCharsets.UTF_8));
        Files.write(seg, Frames.rewrite(file, payloads));
        SigningKey attacker = Ed25519.generate();
        Path headSeg = segment(data, "heads");
        byte[] headFile = Files.readAllBytes(headSeg);
        List<byte[]> forged = new ArrayList<>();
        for (byte[] h : Frames.payloads(headFile)) {
            TreeHead old = TreeHead.fromJson(h);
            MerkleFrontier f = new MerkleFrontier();
            payloads.subList(0, (int) old.size()).forEach(f::appendRecord);
            forged.add(TreeHead.sign(old.size(), f.root(), old.time(), old.reason(), old.subject(), attacker).toJson());
        }
        Files.write(headSeg, Frames.rewrite(headFile, forged));
        Files.delete(data.resolve("keys").resolve("hypervisor.key"));
        Files.writeString(data.resolve("keys").resolve("hypervisor.pub"), attacker.publicKey().toPem());

        Map<String, byte[]> before = snapshot(data);
        Result r = verify(data, "--public-key", pinned.toString());
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains("signed by another key (forged or re-signed)"), r::toString);
        assertUnchanged(before, data);
    }

    @Test
    void inclusionAndConsistencyProofsVerifyFromTheTreeHeadAlone() throws IOException {
        Path data = copy("proofs");
        Path work = data.getParent();
        Path pub = work.resolve("hypervisor.pub");
        Files.copy(data.resolve("keys").resolve("hypervisor.pub"), pub);
        Map<String, byte[]> before = snapshot(data);

        Result proof = Cli.run(work, "audit", "proof", "--index", "7", "--output", "inclusion.json");
        assertEquals(0, proof.exitCode(), proof::toString);
        Result consistency = Cli.run(work, "audit", "proof", "--from", "5", "--output", "consistency.json");
        assertEquals(0, consistency.exitCode(), consistency::toString);
        Result printed = Cli.run(work, "audit", "proof", "--index", "2", "--size", "5");
        assertEquals(0, printed.exitCode(), printed::toString);
        assertTrue(printed.stdout().contains("\"kind\":\"inclusion\""), printed::toString);
        assertUnchanged(before, data);

        // The proof files are checked somewhere without the log.
        Path elsewhere = ChildJvm.freshWorkDir("proof-check");
        Files.copy(work.resolve("inclusion.json"), elsewhere.resolve("inclusion.json"));
        Files.copy(work.resolve("consistency.json"), elsewhere.resolve("consistency.json"));
        Files.copy(pub, elsewhere.resolve("hypervisor.pub"));
        Result ok = Cli.run(elsewhere, "audit", "verify-proof", "inclusion.json", "--public-key", "hypervisor.pub");
        assertEquals(0, ok.exitCode(), ok::toString);
        assertTrue(ok.stdout().startsWith("inclusion proof OK: record 7 is in the tree head of size " + records), ok::toString);
        Result okC = Cli.run(elsewhere, "audit", "verify-proof", "consistency.json", "--public-key", "hypervisor.pub");
        assertEquals(0, okC.exitCode(), okC::toString);
        assertTrue(okC.stdout().startsWith("consistency proof OK: the tree of 5 records"), okC::toString);
        Result embedded = Cli.run(elsewhere, "audit", "verify-proof", "inclusion.json");
        assertEquals(0, embedded.exitCode(), embedded::toString);
        assertTrue(embedded.stdout().contains("pin the key you trust with --public-key"), embedded::toString);

        // A wrong leaf: the record in the proof edited.
        Map<String, Object> inclusion = parse(elsewhere.resolve("inclusion.json"));
        inclusion.put("record", ((String) inclusion.get("record")).replace("\"seq\":7", "\"seq\":8"));
        inclusion.remove("leafHash");
        Files.write(elsewhere.resolve("wrong-leaf.json"), CanonicalJson.write(inclusion));
        Result wrong = Cli.run(elsewhere, "audit", "verify-proof", "wrong-leaf.json", "--public-key", "hypervisor.pub");
        assertEquals(1, wrong.exitCode(), wrong::toString);
        assertTrue(wrong.stdout().contains("proof FAILED: the inclusion proof does not verify"), wrong::toString);

        // A wrong old tree for consistency.
        Map<String, Object> c = parse(elsewhere.resolve("consistency.json"));
        c.remove("oldTreeHead");
        c.put("oldRoot", "00".repeat(32));
        Files.write(elsewhere.resolve("wrong-old.json"), CanonicalJson.write(c));
        Result wrongC = Cli.run(elsewhere, "audit", "verify-proof", "wrong-old.json", "--public-key", "hypervisor.pub");
        assertEquals(1, wrongC.exitCode(), wrongC::toString);

        // A head signed by someone else fails against the pinned key.
        Files.writeString(elsewhere.resolve("other.pub"), Ed25519.generate().publicKey().toPem());
        Result other = Cli.run(elsewhere, "audit", "verify-proof", "inclusion.json", "--public-key", "other.pub");
        assertEquals(1, other.exitCode(), other::toString);
    }

    @Test
    void usageErrorsExitWith2AndEveryCommandHasHelp() throws IOException {
        Path work = ChildJvm.freshWorkDir("audit-usage");
        Result missing = Cli.run(work, "audit", "verify");
        assertEquals(2, missing.exitCode(), missing::toString);
        assertTrue(missing.stderr().contains("no audit log in"), missing::toString);
        Result both = Cli.run(work, "audit", "proof", "--index", "1", "--from", "1", "--data-dir", original.toString());
        assertEquals(2, both.exitCode(), both::toString);
        Result noSize = Cli.run(work, "audit", "proof", "--index", "1", "--size", "3", "--data-dir", original.toString());
        assertEquals(2, noSize.exitCode(), noSize::toString);
        assertTrue(noSize.stderr().contains("no signed tree head of size 3"), noSize::toString);
        for (String sub : List.of("verify", "proof", "verify-proof")) {
            Result help = Cli.run(work, "audit", sub, "--help");
            assertEquals(0, help.exitCode(), help::toString);
            assertTrue(help.stdout().contains("Exit code"), help::toString);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parse(Path file) throws IOException {
        return new LinkedHashMap<>((Map<String, Object>) CanonicalJson.parse(Files.readAllBytes(file)));
    }
}
