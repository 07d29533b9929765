package org.agenthypervisor.core.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link Entropy} hands out bytes that look random and never the same bytes twice. */
class EntropyTest {

    @Test
    void requestsOfEverySizeAreFilledAndDiffer() {
        Set<String> seen = new HashSet<>();
        for (int size : new int[] {1, 8, 255, 256, 257, 1000, 4096}) {
            byte[] a = new byte[size];
            byte[] b = new byte[size];
            Entropy.nextBytes(a);
            Entropy.nextBytes(b);
            if (size >= 8) {
                assertFalse(Arrays.equals(a, b), "two requests of " + size + " bytes gave the same bytes");
                assertFalse(Arrays.equals(a, new byte[size]), "all zero: " + size);
                assertTrue(seen.add(Arrays.toString(Arrays.copyOf(a, 8))), "a block handed out twice");
            }
        }
    }

    @Test
    void theBitsAreBalanced() {
        byte[] bytes = new byte[1 << 16];
        Entropy.nextBytes(bytes);
        long ones = 0;
        int[] counts = new int[256];
        for (byte b : bytes) {
            ones += Integer.bitCount(b & 0xFF);
            counts[b & 0xFF]++;
        }
        double share = ones / (bytes.length * 8.0);
        assertTrue(Math.abs(share - 0.5) < 0.01, "share of one bits " + share);
        for (int c : counts) {
            assertTrue(c > 128 && c < 384, "a byte value seen " + c + " times in 65,536 (expected ~256)");
        }
    }

    @Test
    void longsDiffer() {
        Set<Long> longs = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            longs.add(Entropy.nextLong());
        }
        assertEquals(1000, longs.size());
    }
}
