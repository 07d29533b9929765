package org.agenthypervisor.core.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lock file keeps a second process from opening the log read-write; read-only still works. */
class CrossProcessLockTest {

    @TempDir
    Path dir;

    @Test
    void secondProcessCannotOpenReadWrite() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                LockHolder.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", out.readLine());

            IOException e = assertThrows(IOException.class, () -> RecordLog.open(dir, LogFiles.NAME, LogFiles.small()));
            assertTrue(e.getMessage().contains("already open read-write by another process"), e.getMessage());
            try (RecordLog ro = RecordLog.open(dir, LogFiles.NAME, LogFiles.small().withReadOnly(true))) {
                assertEquals(1, ro.size());
            }
        } finally {
            child.getOutputStream().close();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not exit");
        }
        assertEquals(0, child.exitValue());
        try (RecordLog log = RecordLog.open(dir, LogFiles.NAME, LogFiles.small())) {
            assertEquals(1, log.size());
        }
    }
}
