package org.agenthypervisor.agent.cache;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WovenClassCacheTest {
    private static final byte[] SECRET = new byte[32];
    private final List<String> problems = new ArrayList<>();

    private WovenClassCache open(Path dir, byte[] secret, String build) {
        return WovenClassCache.open(dir, secret, build, problems::add);
    }

    private static Path entryFile(Path root, String name) throws Exception {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.getFileName().toString().equals(name)).findFirst().orElseThrow();
        }
    }

    /** Writes {@code good} with each of its bytes flipped in turn: {@code read} must refuse every one. */
    private static void assertEveryFlippedByteRefused(Path file, byte[] good, java.util.concurrent.Callable<Object> read)
            throws Exception {
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x01;
            Files.write(file, bad);
            assertNull(read.call(), "byte " + i);
        }
    }

    @Test
    void whatIsPutIsGotBackUnderTheSameNameOnly(@TempDir Path dir) {
        WovenClassCache cache = open(dir, SECRET, "build-1");
        String name = cache.name("governed", "a.B", new byte[] {1, 2, 3}, "plan");
        assertNull(cache.get(name));
        cache.put(name, new byte[] {9, 8, 7});
        assertArrayEquals(new byte[] {9, 8, 7}, cache.get(name));
        assertNotEquals(name, cache.name("governed", "a.B", new byte[] {1, 2, 4}, "plan"), "other bytes, other name");
        assertNotEquals(name, cache.name("governed", "a.B", new byte[] {1, 2, 3}, "plan2"), "other plan, other name");
        assertNotEquals(name, cache.name("integration", "a.B", new byte[] {1, 2, 3}, "plan"), "other weaver, other name");
        assertEquals(1, cache.hits());
        assertTrue(problems.isEmpty());
    }

    @Test
    void everyFlippedByteOfAnEntryIsRefusedAndReported(@TempDir Path dir) throws Exception {
        WovenClassCache cache = open(dir, SECRET, "build-1");
        String name = cache.name("governed", "a.B", new byte[] {1}, "plan");
        cache.put(name, "the woven class".getBytes());
        Path file = entryFile(dir, name);
        byte[] good = Files.readAllBytes(file);
        assertEveryFlippedByteRefused(file, good, () -> cache.get(name));
        Files.write(file, java.util.Arrays.copyOf(good, good.length - 1));
        assertNull(cache.get(name), "cut short");
        assertEquals(good.length + 1, problems.size(), "each refusal is reported");
        Files.write(file, good);
        assertArrayEquals("the woven class".getBytes(), cache.get(name));
    }

    @Test
    void aPayloadWithATrailerComesBackInTwoArraysAndEveryFlippedByteOrCutIsRefused(@TempDir Path dir) throws Exception {
        WovenClassCache cache = open(dir, SECRET, "build-1");
        String name = cache.name("integration", "a.B", new byte[] {1}, "plan");
        cache.put(name, WovenClassCache.withTrailer("the woven class".getBytes(), "features".getBytes()));
        byte[][] parts = cache.getWithTrailer(name);
        assertArrayEquals("the woven class".getBytes(), parts[0], "the body in an array of its own");
        assertArrayEquals(WovenClassCache.withTrailer(new byte[0], "features".getBytes()), parts[1], "the trailer and its length");
        Path file = entryFile(dir, name);
        byte[] good = Files.readAllBytes(file);
        assertEveryFlippedByteRefused(file, good, () -> cache.getWithTrailer(name));
        for (int cut = 1; cut <= good.length; cut++) {
            Files.write(file, java.util.Arrays.copyOf(good, good.length - cut));
            assertNull(cache.getWithTrailer(name), "cut by " + cut);
        }
        assertEquals(2 * good.length, problems.size(), "each refusal is reported");
        Files.write(file, good);
        assertArrayEquals("the woven class".getBytes(), cache.getWithTrailer(name)[0]);
        cache.put(name, WovenClassCache.withTrailer(new byte[0], new byte[0]));
        assertEquals(0, cache.getWithTrailer(name)[0].length, "an empty body (nothing to weave) and no trailer");
    }

    @Test
    void anEntryMovedToAnotherNameOrWrittenUnderAnotherKeyIsRefused(@TempDir Path dir) throws Exception {
        WovenClassCache cache = open(dir, SECRET, "build-1");
        String a = cache.name("governed", "a.A", new byte[] {1}, "plan");
        String b = cache.name("governed", "a.B", new byte[] {1}, "plan");
        cache.put(a, new byte[] {1});
        Files.copy(entryFile(dir, a), entryFile(dir, a).resolveSibling(b));
        assertNull(cache.get(b), "an entry copied under another name");
        byte[] other = new byte[32];
        other[0] = 1;
        WovenClassCache forger = open(dir, other, "build-1");
        forger.put(b, new byte[] {6, 6, 6});
        assertNull(cache.get(b), "an entry written under another key");
        assertEquals(2, problems.size());
    }

    @Test
    void anotherBuildStartsEmptyAndRemovesTheOldOnesEntries(@TempDir Path dir) throws Exception {
        WovenClassCache first = open(dir, SECRET, "build-1");
        String name = first.name("governed", "a.B", new byte[] {1}, "plan");
        first.put(name, new byte[] {1});
        WovenClassCache second = open(dir, SECRET, "build-2");
        assertNull(second.get(second.name("governed", "a.B", new byte[] {1}, "plan")));
        try (Stream<Path> builds = Files.list(dir)) {
            assertEquals(1, builds.count(), "one build's directory is left");
        }
        assertTrue(problems.isEmpty());
    }

    @Test
    void aDisabledCacheKeepsNothing(@TempDir Path dir) {
        WovenClassCache off = WovenClassCache.disabled();
        assertFalse(off.enabled());
        off.put("x", new byte[] {1});
        assertNull(off.get("x"));
    }
}
