package org.agenthypervisor.core.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.HexFormat;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * {@link Sha256}'s two digests give the same hashes as the JDK's, whichever is in use, and a kept
 * digest moves to the JDK's only between messages.
 */
class Sha256Properties {

    @AfterContainer
    static void jdkDigestAgain() {
        Sha256.useJdkDigestForTests(true);
    }

    @Property(tries = 500)
    void bouncyCastlesDigestHashesLikeTheJdks(@ForAll @Size(max = 1000) byte[] first, @ForAll @Size(max = 300) byte[] second,
                                             @ForAll @IntRange(min = 0, max = 1000) int split) throws Exception {
        MessageDigest jdk = MessageDigest.getInstance("SHA-256");
        MessageDigest ours = new Sha256.Portable();
        for (byte[] message : new byte[][] {first, second}) { // the second checks reuse after digest()
            int at = Math.min(split, message.length);
            ours.update(message, 0, at);
            if (at < message.length) {
                ours.update(message[at]); // one byte through the single-byte update
                ours.update(message, at + 1, message.length - at - 1);
            }
            assertArrayEquals(jdk.digest(message), ours.digest());
        }
        assertEquals(32, ours.getDigestLength());
    }

    @Property(tries = 200)
    void aCloneCarriesOnFromTheSameStateAndLeavesTheOriginalAlone(@ForAll @Size(max = 300) byte[] head,
                                                                 @ForAll @Size(max = 300) byte[] tail) throws Exception {
        MessageDigest ours = new Sha256.Portable();
        ours.update(head);
        MessageDigest copy = (MessageDigest) ours.clone();
        copy.update(tail);
        byte[] whole = new byte[head.length + tail.length];
        System.arraycopy(head, 0, whole, 0, head.length);
        System.arraycopy(tail, 0, whole, head.length, tail.length);
        MessageDigest jdk = MessageDigest.getInstance("SHA-256");
        assertArrayEquals(jdk.digest(whole), copy.digest());
        assertArrayEquals(jdk.digest(head), ours.digest());
    }

    @Property(tries = 100)
    void digestsIntoAnArrayAtAnOffsetAndResets(@ForAll @Size(max = 200) byte[] message, @ForAll @IntRange(min = 0, max = 16) int offset)
            throws Exception {
        MessageDigest ours = new Sha256.Portable();
        ours.update(message);
        byte[] out = new byte[offset + 32];
        assertEquals(32, ours.digest(out, offset, 32));
        byte[] expected = MessageDigest.getInstance("SHA-256").digest(message);
        assertArrayEquals(expected, java.util.Arrays.copyOfRange(out, offset, offset + 32));
        ours.update(new byte[] {1, 2, 3});
        ours.reset();
        assertArrayEquals(expected, ours.digest(message));
    }

    @Example
    void refusesAnOutputShorterThanAHash() {
        MessageDigest ours = new Sha256.Portable();
        assertThrows(DigestException.class, () -> ours.digest(new byte[64], 10, 31));
    }

    @Example
    void fips180TwoBlockMessage() {
        Sha256.useJdkDigestForTests(false);
        byte[] message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".getBytes(StandardCharsets.US_ASCII);
        assertInstanceOf(Sha256.Portable.class, Sha256.newDigest());
        assertEquals("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
                HexFormat.of().formatHex(Sha256.hash(message)));
    }

    @Example
    void aKeptDigestMovesToTheJdksOnceItIsReadyAndNotBefore() {
        Sha256.useJdkDigestForTests(false);
        MessageDigest kept = Sha256.newDigest();
        assertInstanceOf(Sha256.Portable.class, kept);
        assertSame(kept, Sha256.current(kept), "no JDK digest yet: the kept one stays");
        assertFalse(Sha256.usesJdkDigest());

        assertTrue(Sha256.useJdkDigestNow());
        MessageDigest moved = Sha256.current(kept);
        assertNotSame(kept, moved);
        assertFalse(moved instanceof Sha256.Portable, "the JDK's digest: " + moved);
        assertSame(moved, Sha256.current(moved));
        byte[] message = "abc".getBytes(StandardCharsets.US_ASCII);
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                HexFormat.of().formatHex(moved.digest(message)));
    }

    @Example
    void manyDigestsMoveNewOnesToTheJdksInTheBackground() throws InterruptedException {
        Sha256.useJdkDigestForTests(false);
        Sha256.resetUpgradeForTests();
        for (int i = 0; i < Sha256.UPGRADE_AFTER; i++) {
            Sha256.newDigest();
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!Sha256.usesJdkDigest() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(Sha256.usesJdkDigest(), "the JDK's digest after " + Sha256.UPGRADE_AFTER + " digests");
        assertFalse(Sha256.newDigest() instanceof Sha256.Portable);
    }

    @Example
    void anHmacWhoseDigestMovesToTheJdksKeepsItsKey() throws Exception {
        Sha256.useJdkDigestForTests(false);
        byte[] key = "key".getBytes(StandardCharsets.US_ASCII);
        HmacSha256 mac = new HmacSha256(key);
        byte[] first = mac.update("one".getBytes(StandardCharsets.US_ASCII)).doFinal();
        Sha256.useJdkDigestNow();
        byte[] second = mac.update("two".getBytes(StandardCharsets.US_ASCII)).doFinal(); // the JDK's digest from here
        byte[] third = mac.update("one".getBytes(StandardCharsets.US_ASCII)).doFinal();
        javax.crypto.Mac jce = javax.crypto.Mac.getInstance("HmacSHA256");
        jce.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
        assertArrayEquals(jce.doFinal("one".getBytes(StandardCharsets.US_ASCII)), first);
        assertArrayEquals(jce.doFinal("two".getBytes(StandardCharsets.US_ASCII)), second);
        assertArrayEquals(first, third);
    }
}
