package org.agenthypervisor.core.capabilities;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProtectedPathsTest {
    @TempDir
    Path dir;

    @Test
    void theDataDirectoryAndThePolicyFileAreCoveredWhateverTheSpelling() throws Exception {
        Path data = Files.createDirectories(dir.resolve("app/.agent-hypervisor"));
        Path policy = Files.writeString(dir.resolve("app/policy.yaml"), "version: 1\n");
        ProtectedPaths paths = new ProtectedPaths(List.of(data), List.of(policy));
        assertTrue(paths.covers(data.resolve("keys/hypervisor.key")));
        assertTrue(paths.covers(dir.resolve("app/other/../.agent-hypervisor/saga/journal")), "normalised");
        assertTrue(paths.covers(data), "the directory itself");
        assertTrue(paths.covers(policy));
        assertFalse(paths.covers(dir.resolve("app/policy.yaml.bak")));
        assertFalse(paths.covers(dir.resolve("app/.agent-hypervisor-notes")), "a sibling with the same prefix is not inside");
    }

    @Test
    void aLinkIntoTheProtectedStateIsSeenAlsoThroughOtherLinksAndWhenItDangles() throws Exception {
        Path data = Files.createDirectories(dir.resolve("app/.agent-hypervisor"));
        ProtectedPaths paths = new ProtectedPaths(List.of(data), List.of());
        Path link = dir.resolve("app/innocent");
        assertTrue(paths.coversLinkTarget(link, Path.of(".agent-hypervisor/keys")), "relative to the link's directory");
        assertTrue(paths.coversLinkTarget(link, data.resolve("keys-not-there-yet")), "dangling");
        Files.createSymbolicLink(dir.resolve("app/hop"), data);
        assertTrue(paths.coversLinkTarget(link, dir.resolve("app/hop/keys")), "through another link");
        assertFalse(paths.coversLinkTarget(link, dir.resolve("app/work")));
    }
}
