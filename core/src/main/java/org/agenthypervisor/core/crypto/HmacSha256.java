package org.agenthypervisor.core.crypto;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * HMAC-SHA256 (RFC 2104) over {@link Sha256}'s digests: the same tags as
 * {@code javax.crypto.Mac.getInstance("HmacSHA256")}, without the JCE. The JCE's first use parses the
 * JDK's cryptographic jurisdiction policy files, about 45 ms of CPU that every start paid for the
 * few tags it computes (the woven-class cache, the derived secrets, the saga journal's seal). Its
 * digest moves to the JDK's (intrinsified once compiled) between two tags, when {@link Sha256} does.
 *
 * <p>Not thread-safe, like {@code Mac}: one instance per thread or per lock. After {@link #doFinal}
 * it is ready for the next message under the same key.
 */
public final class HmacSha256 {
    /** Bytes in a tag. */
    public static final int LENGTH = 32;
    private static final int BLOCK = 64;

    private MessageDigest digest;
    private final byte[] innerPad;
    private final byte[] outerPad;
    private final byte[] innerHash = new byte[LENGTH];

    /** @param key any length; one longer than a block is hashed first, as RFC 2104 says */
    public HmacSha256(byte[] key) {
        digest = Sha256.newDigest();
        innerPad = new byte[BLOCK];
        outerPad = new byte[BLOCK];
        byte[] k = key.length > BLOCK ? Sha256.newDigest().digest(key) : key;
        for (int i = 0; i < BLOCK; i++) {
            byte b = i < k.length ? k[i] : 0;
            innerPad[i] = (byte) (b ^ 0x36);
            outerPad[i] = (byte) (b ^ 0x5c);
        }
        digest.update(innerPad);
    }

    private HmacSha256(HmacSha256 prototype) {
        try {
            digest = (MessageDigest) prototype.digest.clone();
        } catch (CloneNotSupportedException impossible) {
            throw new IllegalStateException(impossible); // Sha256.newDigest's digests are clones already
        }
        innerPad = prototype.innerPad; // never written after construction
        outerPad = prototype.outerPad;
    }

    /**
     * A fresh instance under the same key, without hashing the key's pad again. Call it on an
     * instance no thread is updating (a prototype kept for copying): it reads the digest's state.
     */
    public HmacSha256 copy() {
        return new HmacSha256(this);
    }

    /** The tag of {@code message} under {@code key}. */
    public static byte[] mac(byte[] key, byte[] message) {
        HmacSha256 mac = new HmacSha256(key);
        mac.update(message);
        return mac.doFinal();
    }

    public HmacSha256 update(byte[] bytes) {
        digest.update(bytes);
        return this;
    }

    public HmacSha256 update(byte[] bytes, int offset, int length) {
        digest.update(bytes, offset, length);
        return this;
    }

    /** The tag of everything given since the last {@code doFinal}; the instance starts a new message. */
    public byte[] doFinal() {
        byte[] out = new byte[LENGTH];
        doFinal(out, 0);
        return out;
    }

    /** Writes the tag into {@code out} at {@code offset} (32 bytes). */
    public void doFinal(byte[] out, int offset) {
        try {
            digest.digest(innerHash, 0, LENGTH);
            digest.update(outerPad);
            digest.update(innerHash);
            digest.digest(out, offset, LENGTH);
        } catch (java.security.DigestException impossible) {
            throw new IllegalStateException(impossible); // the arrays are 32 bytes or more, as checked by the callers
        } finally {
            Arrays.fill(innerHash, (byte) 0);
            MessageDigest next = Sha256.current(digest); // the JDK's, once Sha256 moves to it
            next.reset();
            next.update(innerPad);
            digest = next;
        }
    }
}
