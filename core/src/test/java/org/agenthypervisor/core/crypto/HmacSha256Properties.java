package org.agenthypervisor.core.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** {@link HmacSha256} gives the JCE's HmacSHA256 tags, for any key length, split updates and reuse. */
class HmacSha256Properties {

    @Property(tries = 500)
    void agreesWithTheJce(@ForAll @Size(max = 200) byte[] key, @ForAll @Size(max = 300) byte[] first,
                          @ForAll @Size(max = 300) byte[] second, @ForAll @IntRange(min = 0, max = 300) int split) throws Exception {
        Mac jce = Mac.getInstance("HmacSHA256");
        // The JCE refuses an empty key; RFC 2104 pads it like any short key.
        byte[] k = key.length == 0 ? new byte[1] : key;
        jce.init(new SecretKeySpec(k, "HmacSHA256"));
        HmacSha256 ours = new HmacSha256(k);
        for (byte[] message : new byte[][] {first, second}) { // the second message checks reuse after doFinal
            int at = Math.min(split, message.length);
            ours.update(message, 0, at).update(message, at, message.length - at);
            assertArrayEquals(jce.doFinal(message), ours.doFinal());
        }
        assertArrayEquals(jceTag(k, first), HmacSha256.mac(k, first));
    }

    @Property(tries = 200)
    void aCopyTagsLikeItsPrototypeAndLeavesItUntouched(@ForAll @Size(max = 100) byte[] key, @ForAll @Size(max = 300) byte[] message)
            throws Exception {
        byte[] k = key.length == 0 ? new byte[1] : key;
        HmacSha256 prototype = new HmacSha256(k);
        assertArrayEquals(jceTag(k, message), prototype.copy().update(message).doFinal());
        HmacSha256 second = prototype.copy();
        second.update(message);
        assertArrayEquals(jceTag(k, new byte[0]), prototype.copy().doFinal(), "a copy's updates do not reach its prototype");
        assertArrayEquals(jceTag(k, message), second.doFinal());
        assertArrayEquals(jceTag(k, message), prototype.update(message).doFinal());
    }

    private static byte[] jceTag(byte[] key, byte[] message) throws Exception {
        Mac jce = Mac.getInstance("HmacSHA256");
        jce.init(new SecretKeySpec(key, "HmacSHA256"));
        return jce.doFinal(message);
    }

    @Example
    void rfc4231TestCase2() {
        byte[] tag = HmacSha256.mac("Jefe".getBytes(StandardCharsets.US_ASCII),
                "what do ya want for nothing?".getBytes(StandardCharsets.US_ASCII));
        assertEquals("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", HexFormat.of().formatHex(tag));
    }
}
