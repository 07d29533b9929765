package org.agenthypervisor.core.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The listing every start makes: every name once, and a failure that says why. */
class DirectoryListingTest {
    @TempDir
    Path dir;

    @Test
    void listsEveryEntryByNameOnly() throws Exception {
        Files.writeString(dir.resolve("audit-00000000000000000000.seg"), "x");
        Files.writeString(dir.resolve(".hidden.tmp"), "x");
        Files.createDirectory(dir.resolve("sub"));
        assertEquals(Set.of("audit-00000000000000000000.seg", ".hidden.tmp", "sub"),
                new TreeSet<>(DirectoryListing.names(dir)));
        assertTrue(DirectoryListing.names(dir.resolve("sub")).isEmpty());
    }

    @Test
    void aMissingDirectoryOrAFileIsAnErrorThatNamesTheCause() throws Exception {
        assertThrows(NoSuchFileException.class, () -> DirectoryListing.names(dir.resolve("absent")));
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertThrows(NotDirectoryException.class, () -> DirectoryListing.names(file));
    }
}
