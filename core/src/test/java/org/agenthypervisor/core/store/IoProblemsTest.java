package org.agenthypervisor.core.store;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IoProblemsTest {

    @Test
    void exceptionsThatCarryOnlyAPathSayWhatWentWrong() {
        String denied = IoProblems.describe(new AccessDeniedException("/data/audit/audit.lock"));
        assertTrue(denied.startsWith("permission denied: /data/audit/audit.lock"), denied);
        assertEquals("no such file or directory: /data/x", IoProblems.describe(new NoSuchFileException("/data/x")));
        assertEquals("FileSystemException: /data/y", IoProblems.describe(new FileSystemException("/data/y")));
    }

    @Test
    void exceptionsThatSayWhyKeepTheirMessage() {
        FileSystemException full = new FileSystemException("/data/z", null, "No space left on device");
        assertEquals(full.getMessage(), IoProblems.describe(full));
        assertEquals("disk on fire", IoProblems.describe(new IOException("disk on fire")));
        assertEquals("IOException", IoProblems.describe(new IOException()));
    }
}
