package org.agenthypervisor.it;

import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12's resources case: the data directory is removed while the JVM runs. Linux lets the JVM
 * write on into the unlinked files, so without a check every record would be acknowledged and then
 * gone. The record log notices at its next force that its segment is no longer where it writes it and
 * fails; the audit log then refuses calls that must be audited (the default {@code deny}), says why in
 * one ERROR line, and does not "recover" by starting a second history in a recreated directory.
 */
class DataDirRemovedIT {

    @Test
    void removingTheDataDirectoryUnderARunningJvmMakesAuditedCallsFailClosed() throws Exception {
        Path dir = ChildJvm.freshWorkDir("data-dir-removed");
        ChildJvm.write(dir, "policy.yaml", RingsIT.DESK_POLICY + "mode: audit\n");
        Process p = ChildJvm.withAgent("policy=policy.yaml").in(dir).timeout(120)
                .start("com.acme.desk.DeskApp", "dir-removed");
        CompletableFuture<String> err = ChildJvm.drain(p.getErrorStream());
        StringBuilder out = new StringBuilder();
        Path data = dir.resolve(".agent-hypervisor");
        try (BufferedReader stdout = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = stdout.readLine()) != null && !line.startsWith("RESULT ready ")) {
                out.append(line).append('\n');
            }
            assertTrue(line != null, () -> "never ready; output:\n" + out + err.getNow(""));
            assertTrue(Files.isDirectory(data.resolve("audit")), "the audit log is there before the removal");
            deleteTree(data);
            p.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            while ((line = stdout.readLine()) != null) {
                out.append(line).append('\n');
            }
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the JVM hung");
        Result r = new Result(p.exitValue(), out.toString(), err.get(10, TimeUnit.SECONDS), dir);
        assertEquals(0, r.exitCode(), r::toString);
        String refusal = r.result("refused");
        assertTrue(refusal.startsWith("denied:AuditUnavailableException:"), r::toString);
        assertTrue(refusal.contains("was removed while the log was open"), refusal);
        assertEquals("0", r.result("ran-after"), "calls stay refused: " + r);
        assertTrue(r.stderr().contains("AUDIT LOG WRITE FAILED"), r::toString);
        assertTrue(r.stderr().contains("cannot resume") && r.stderr().contains("was removed or replaced while the JVM ran"), r::toString);
        assertTrue(!r.stderr().contains("records are accepted again"), "no second history in a recreated directory: " + r);
    }

    private static void deleteTree(Path root) throws Exception {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
