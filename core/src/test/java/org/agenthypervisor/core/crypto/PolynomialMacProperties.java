package org.agenthypervisor.core.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * {@link PolynomialMac}: its lanes are the polynomial a reference computes with {@link BigInteger};
 * the tag does not depend on how the message is cut into updates; and it changes with the message,
 * its length, the context and the secret.
 */
class PolynomialMacProperties {
    private static final BigInteger P = BigInteger.valueOf(0x7fffffffL);
    private static final byte[] CONTEXT = "context".getBytes(StandardCharsets.US_ASCII);

    /** Σ m_i · k^(n−i+1) mod p over 24-bit big-endian words, the last one padded with zeros. */
    private static long reference(byte[] message, long key) {
        BigInteger k = BigInteger.valueOf(key);
        BigInteger h = BigInteger.ZERO;
        for (int i = 0; i < message.length; i += 3) {
            long m = 0;
            for (int j = 0; j < 3; j++) {
                m = m << 8 | (i + j < message.length ? message[i + j] & 0xFF : 0);
            }
            h = h.add(BigInteger.valueOf(m)).multiply(k).mod(P);
        }
        return h.longValueExact();
    }

    @Property(tries = 300)
    void lanesAreThePolynomialModuloTheMersennePrime(@ForAll @Size(min = 16, max = 64) byte[] secret,
                                                     @ForAll @Size(max = 2000) byte[] message) {
        PolynomialMac mac = new PolynomialMac(secret);
        long[] keys = mac.laneKeysForTest();
        long[] lanes = mac.begin().update(message).finishLanes();
        for (int lane = 0; lane < 4; lane++) {
            assertTrue(keys[lane] >= 1 && keys[lane] < 0x7fffffffL, "lane key in [1, p-1]");
            assertEquals(reference(message, keys[lane]), lanes[lane], "lane " + lane);
        }
    }

    @Example
    void theLargestWordsAndKeysDoNotOverflow() {
        byte[] ones = new byte[3 * 5000];
        Arrays.fill(ones, (byte) 0xFF);
        PolynomialMac mac = new PolynomialMac(new byte[32]);
        long[] lanes = mac.begin().update(ones).finishLanes();
        long[] keys = mac.laneKeysForTest();
        for (int lane = 0; lane < 4; lane++) {
            assertEquals(reference(ones, keys[lane]), lanes[lane]);
        }
        // The fold's bounds hold for the largest key too (the derived ones are random).
        long h = 0x7fffffffL + 1;
        for (int i = 0; i < 1000; i++) {
            h = PolynomialMac.step(h, 0xFFFFFF, 0x7ffffffeL);
            assertTrue(h >= 0 && h < 0x7fffffffL + 2, "h stays under 2^31 + 2");
        }
    }

    @Property(tries = 300)
    void theTagDoesNotDependOnHowTheMessageIsCut(@ForAll @Size(min = 16, max = 40) byte[] secret,
                                                 @ForAll @Size(max = 600) byte[] message,
                                                 @ForAll @Size(max = 8) List<@IntRange(min = 0, max = 600) Integer> cuts,
                                                 @ForAll boolean byteAtATimeFirst) {
        PolynomialMac mac = new PolynomialMac(secret);
        byte[] whole = mac.begin().update(message).finish(CONTEXT);
        PolynomialMac.Session pieces = mac.begin();
        int at = 0;
        if (byteAtATimeFirst && message.length > 0) {
            pieces.update(message[0]);
            at = 1;
        }
        for (int cut : cuts.stream().sorted().toList()) {
            int to = Math.max(at, Math.min(cut, message.length));
            pieces.update(message, at, to - at);
            at = to;
        }
        pieces.update(message, at, message.length - at);
        assertArrayEquals(whole, pieces.finish(CONTEXT));
    }

    @Property(tries = 300)
    void anyChangedByteChangesTheTag(@ForAll @Size(min = 16, max = 40) byte[] secret,
                                     @ForAll @Size(min = 1, max = 3000) byte[] message,
                                     @ForAll @IntRange(min = 0, max = 2999) int position,
                                     @ForAll @IntRange(min = 1, max = 255) int xor) {
        PolynomialMac mac = new PolynomialMac(secret);
        byte[] changed = message.clone();
        changed[position % message.length] ^= (byte) xor;
        assertFalse(Arrays.equals(mac.begin().update(message).finish(CONTEXT), mac.begin().update(changed).finish(CONTEXT)));
    }

    @Example
    void theLengthTheContextAndTheSecretEachChangeTheTag() {
        byte[] secret = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        PolynomialMac mac = new PolynomialMac(secret);
        byte[] ab = {'a', 'b'};
        byte[] abZero = {'a', 'b', 0};
        // The same lanes (the last word is padded with zeros), told apart by the length.
        assertArrayEquals(mac.begin().update(ab).finishLanes(), mac.begin().update(abZero).finishLanes());
        assertFalse(Arrays.equals(mac.begin().update(ab).finish(CONTEXT), mac.begin().update(abZero).finish(CONTEXT)));
        // Leading zero words leave every lane unchanged; the length tells those apart too.
        byte[] zeroAb = {0, 0, 0, 'a', 'b'};
        assertArrayEquals(mac.begin().update(ab).finishLanes(), mac.begin().update(zeroAb).finishLanes());
        assertFalse(Arrays.equals(mac.begin().update(ab).finish(CONTEXT), mac.begin().update(zeroAb).finish(CONTEXT)));
        assertFalse(Arrays.equals(mac.begin().update(ab).finish(CONTEXT), mac.begin().update(ab).finish("other".getBytes(StandardCharsets.US_ASCII))));
        byte[] otherSecret = secret.clone();
        otherSecret[0] ^= 1;
        assertFalse(Arrays.equals(mac.begin().update(ab).finish(CONTEXT), new PolynomialMac(otherSecret).begin().update(ab).finish(CONTEXT)));
        assertThrows(IllegalArgumentException.class, () -> new PolynomialMac(new byte[15]));
        assertEquals(PolynomialMac.LENGTH, mac.begin().finish(CONTEXT).length);
    }
}
