package org.agenthypervisor.it;

import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12 with the real agent jar: a JVM run with {@code audit.retention} archives the segments of
 * earlier runs; {@code audit verify} proves the live part from the signed checkpoint at the cut and
 * says which records it did not check; {@code audit verify --archive} proves the whole log; a record
 * changed in the archive is caught by the latter only; proofs of live records still work.
 */
class AuditRetentionIT {
    /** The sessions policy with a 1 ms retention: every earlier run's records are old enough. */
    static final String RETAIN = SessionsIT.POLICY + "  retention: 1ms\n";

    static Path original;

    @BeforeAll
    static void threeRuns() throws Exception {
        Path dir = ChildJvm.freshWorkDir("audit-retention");
        // 1: no retention. 2: retention plants a cut (checkpoint + new segment) at open. 3: archives below it.
        for (String policy : List.of(SessionsIT.POLICY, RETAIN, RETAIN)) {
            ChildJvm.write(dir, "policy.yaml", policy);
            Result run = ChildJvm.withAgent("policy=policy.yaml").in(dir).run("com.acme.session.SessionApp", "share");
            assertEquals(0, run.exitCode(), run::toString);
            original = run.dataDir();
            Thread.sleep(5);
        }
        assertTrue(Files.exists(original.resolve("audit").resolve("audit.start")), "the live log starts after record 0");
        assertFalse(archived(original).isEmpty(), "segments in the archive");
    }

    static List<Path> archived(Path dataDir) throws IOException {
        try (Stream<Path> s = Files.list(dataDir.resolve("audit").resolve("archive"))) {
            return s.filter(p -> p.getFileName().toString().matches("audit-\\d{20}\\.seg")).sorted().toList();
        }
    }

    static Path copy(String name) throws IOException {
        return AuditIT.copyOf(original, name);
    }

    static Result cli(Path dataDir, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--data-dir", dataDir.toString()));
        return Cli.run(dataDir.getParent(), all.toArray(String[]::new));
    }

    static long cut(Result r) {
        Matcher m = Pattern.compile("archived: +records 0\\.\\.(\\d+) are archived and were NOT checked").matcher(r.stdout());
        assertTrue(m.find(), r::toString);
        return Long.parseLong(m.group(1)) + 1;
    }

    @Test
    void theLivePartVerifiesFromTheCheckpointAndTheWholeWithTheArchive() throws IOException {
        Path data = copy("retention-verify");
        Map<String, byte[]> before = AuditIT.snapshot(data);
        Result live = cli(data, "audit", "verify", "--strict");
        assertEquals(0, live.exitCode(), live::toString);
        long cut = cut(live);
        assertTrue(cut > 0);
        assertTrue(live.stdout().contains("tree extended from the signed checkpoint of size " + cut), live::toString);

        Result whole = cli(data, "audit", "verify", "--strict", "--archive", data.resolve("audit/archive").toString());
        assertEquals(0, whole.exitCode(), whole::toString);
        assertTrue(whole.stdout().contains("records 0.." + (cut - 1) + " read from the archive"), whole::toString);
        assertFalse(whole.stdout().contains("NOT checked"), whole::toString);
        AuditIT.assertUnchanged(before, data);

        // Proofs: a live record from the checkpoint; an archived one only with the archive.
        Path proof = data.getParent().resolve("live.json");
        Result p = cli(data, "audit", "proof", "--index", String.valueOf(cut + 1), "-o", proof.toString());
        assertEquals(0, p.exitCode(), p::toString);
        Result checked = Cli.run(data.getParent(), "audit", "verify-proof", proof.toString());
        assertEquals(0, checked.exitCode(), checked::toString);
        Result across = cli(data, "audit", "proof", "--from", String.valueOf(cut));
        assertEquals(0, across.exitCode(), across::toString);
        Result old = cli(data, "audit", "proof", "--index", "1");
        assertEquals(2, old.exitCode(), old::toString);
        assertTrue(old.stderr().contains("--archive"), old::toString);
        Result oldWithArchive = cli(data, "audit", "proof", "--index", "1", "--archive", data.resolve("audit/archive").toString());
        assertEquals(0, oldWithArchive.exitCode(), oldWithArchive::toString);
    }

    @Test
    void aRecordChangedInTheArchiveIsCaughtByVerifyArchive() throws IOException {
        Path data = copy("retention-tamper");
        Path seg = archived(data).get(0);
        byte[] file = Files.readAllBytes(seg);
        List<byte[]> payloads = new ArrayList<>(Frames.payloads(file));
        int victim = 3;
        payloads.set(victim, new String(payloads.get(victim), StandardCharsets.UTF_8).replace("\"type\":\"", "\"type\":\"x")
                .getBytes(StandardCharsets.UTF_8));
        Files.write(seg, Frames.rewrite(file, payloads)); // CRCs recomputed
        Result live = cli(data, "audit", "verify");
        assertEquals(0, live.exitCode(), "the live part does not hold it: " + live);
        assertTrue(live.stdout().contains("NOT checked"), live::toString);
        Result whole = cli(data, "audit", "verify", "--archive", data.resolve("audit/archive").toString());
        assertEquals(1, whole.exitCode(), whole::toString);
        assertTrue(whole.stdout().contains("does not match the records"), whole::toString);
    }

    /** What an attacker writes: a start file in the store's format with a correct CRC (big-endian, CRC32C of bytes 0..19). */
    static void forgeStart(Path auditDir, long first) throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(24);
        b.putInt(0x41485354).putShort((short) 1).putShort((short) 0).putLong(first).putInt(0);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b.array(), 0, 20);
        b.putInt((int) crc.getValue());
        Files.write(auditDir.resolve("audit.start"), b.array());
    }

    @Test
    void aLiveSegmentDeletedWithTheStartRewrittenDoesNotVerify() throws IOException {
        Path data = copy("retention-forged-start");
        Path audit = data.resolve("audit");
        List<Path> live;
        try (Stream<Path> s = Files.list(audit)) {
            live = s.filter(p -> p.getFileName().toString().matches("audit-\\d{20}\\.seg")).sorted().toList();
        }
        assertTrue(live.size() >= 2, "live segments: " + live);
        long next = Long.parseLong(live.get(1).getFileName().toString().substring(6, 26));
        Files.delete(live.get(0));
        forgeStart(audit, next);
        Map<String, byte[]> before = AuditIT.snapshot(data);
        Result r = cli(data, "audit", "verify");
        assertEquals(1, r.exitCode(), r::toString);
        // The next segment starts at a checkpoint retention planted, but it never stated a cut there.
        assertTrue(r.stdout().contains("no audit.archived record in the live log states a cut at " + next), r::toString);
        Result whole = cli(data, "audit", "verify", "--archive", audit.resolve("archive").toString());
        assertEquals(1, whole.exitCode(), whole::toString);
        assertTrue(whole.stdout().contains("are in neither"), whole::toString);
        AuditIT.assertUnchanged(before, data);
    }

    @Test
    void theArchiveDeletedAndTheStartKeptStillVerifiesLiveButNotWhole() throws IOException {
        Path data = copy("retention-archive-gone");
        for (Path p : archived(data)) {
            Files.delete(p);
        }
        Result whole = cli(data, "audit", "verify", "--archive", data.resolve("audit/archive").toString());
        assertEquals(1, whole.exitCode(), whole::toString);
        assertTrue(whole.stdout().contains("are in neither"), whole::toString);
        Result live = cli(data, "audit", "verify");
        assertEquals(0, live.exitCode(), live::toString);
    }
}
