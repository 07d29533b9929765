package org.agenthypervisor.core.crypto;

import java.nio.charset.StandardCharsets;

/**
 * A MAC for large inputs read at start-up, built as hash-then-PRF: a keyed polynomial hash of the
 * message (four independent evaluations modulo the prime 2^31 − 1, over the message cut into
 * 24-bit words), whose small result goes with the message's length through HMAC-SHA256. This is the
 * Carter–Wegman construction (Wegman and Carter 1981; Shoup 1996; UMAC and Poly1305 are of the same
 * family): the polynomial hash is ε-almost-universal, so without its keys two messages of the same
 * length collide with probability at most (n / (2^31 − 2))^4 for n words, and the HMAC never shows
 * the hash's value, only a pseudo-random function of it. A forger must hit such a collision blind.
 *
 * <p>Why not HMAC-SHA256 over the whole input: the woven-class cache hashes about 1.3 MB of class
 * files at every start (the JDK classes it retransforms, in and out), in a JVM that has compiled
 * nothing. SHA-256 is about 30 bytecodes per byte and C2 compiled its compression function up to
 * three times a start (about 60 ms of the compiler's CPU); this hash is about 14 bytecodes per byte of
 * simple arithmetic, and the SHA-256 left is over a few dozen bytes.
 *
 * <p>Each lane computes h = Σ m_i · k^(n−i+1) mod p with its key k uniform in [1, p − 1], derived
 * from the secret with HMAC-SHA256. Words are 24-bit (so that distinct words stay distinct modulo
 * p); a last partial word is padded with zeros, which the length in the PRF's input tells apart.
 * Immutable and thread-safe; a {@link Session} is not.
 */
public final class PolynomialMac {
    /** Bytes in a tag. */
    public static final int LENGTH = HmacSha256.LENGTH;
    private static final long P = 0x7fffffffL;
    private static final byte[] DOMAIN = "agent-hypervisor polynomial mac v1".getBytes(StandardCharsets.US_ASCII);

    private final long k0;
    private final long k1;
    private final long k2;
    private final long k3;
    /** The PRF's key, absorbed once: a prototype only copied, never updated (so shared by every thread). */
    private final HmacSha256 prf;

    /** @param secret at least 16 bytes of secret; the lane keys and the PRF's key are derived from it */
    public PolynomialMac(byte[] secret) {
        if (secret == null || secret.length < 16) {
            throw new IllegalArgumentException("a polynomial MAC needs a secret of 16 bytes or more");
        }
        byte[] lanes = HmacSha256.mac(secret, "agent-hypervisor polynomial mac lane keys".getBytes(StandardCharsets.US_ASCII));
        k0 = laneKey(lanes, 0);
        k1 = laneKey(lanes, 8);
        k2 = laneKey(lanes, 16);
        k3 = laneKey(lanes, 24);
        prf = new HmacSha256(HmacSha256.mac(secret, "agent-hypervisor polynomial mac prf key".getBytes(StandardCharsets.US_ASCII)));
    }

    /** A key uniform in [1, p − 1] (up to a bias of 2^−33) from 8 bytes of the derived material. */
    private static long laneKey(byte[] material, int offset) {
        long x = 0;
        for (int i = 0; i < 8; i++) {
            x = x << 8 | (material[offset + i] & 0xFF);
        }
        return Long.remainderUnsigned(x, P - 1) + 1;
    }

    /** A new message. */
    public Session begin() {
        return new Session();
    }

    /** The tag of one message, given in any number of pieces. */
    public final class Session {
        private long h0;
        private long h1;
        private long h2;
        private long h3;
        private long count;
        /** The bytes of an unfinished word, and how many. */
        private int pending;
        private int pendingBytes;

        private Session() {
        }

        public Session update(byte b) {
            count++;
            pending = pending << 8 | (b & 0xFF);
            if (++pendingBytes == 3) {
                absorb(pending);
                pending = 0;
                pendingBytes = 0;
            }
            return this;
        }

        public Session update(byte[] bytes) {
            return update(bytes, 0, bytes.length);
        }

        public Session update(byte[] bytes, int offset, int length) {
            if (offset < 0 || length < 0 || offset > bytes.length - length) {
                throw new IndexOutOfBoundsException("offset " + offset + ", length " + length + " of " + bytes.length);
            }
            int i = offset;
            int end = offset + length;
            while (pendingBytes != 0 && i < end) {
                update(bytes[i++]);
            }
            count += end - i;
            long a = h0;
            long b = h1;
            long c = h2;
            long d = h3;
            // Inlined: an interpreted JVM pays for every call. Bounds: h < 2^31 + 2 and m < 2^24, so
            // (h + m) · k < 2^63; two folds by 2^31 ≡ 1 (mod p) bring it back under 2^31 + 2.
            for (int last = end - 3; i <= last; i += 3) {
                long m = (bytes[i] & 0xFF) << 16 | (bytes[i + 1] & 0xFF) << 8 | (bytes[i + 2] & 0xFF);
                long x = (a + m) * k0;
                x = (x & P) + (x >>> 31);
                a = (x & P) + (x >>> 31);
                x = (b + m) * k1;
                x = (x & P) + (x >>> 31);
                b = (x & P) + (x >>> 31);
                x = (c + m) * k2;
                x = (x & P) + (x >>> 31);
                c = (x & P) + (x >>> 31);
                x = (d + m) * k3;
                x = (x & P) + (x >>> 31);
                d = (x & P) + (x >>> 31);
            }
            h0 = a;
            h1 = b;
            h2 = c;
            h3 = d;
            count -= end - i; // the tail is counted by update(byte)
            while (i < end) {
                update(bytes[i++]);
            }
            return this;
        }

        private void padLastWord() {
            if (pendingBytes != 0) {
                absorb((long) pending << (8 * (3 - pendingBytes)));
                pending = 0;
                pendingBytes = 0;
            }
        }

        /** The four lanes' values, fully reduced (for the tests' reference implementation); ends the session. */
        long[] finishLanes() {
            padLastWord();
            return new long[] {reduce(h0), reduce(h1), reduce(h2), reduce(h3)};
        }

        private void absorb(long m) {
            h0 = step(h0, m, k0);
            h1 = step(h1, m, k1);
            h2 = step(h2, m, k2);
            h3 = step(h3, m, k3);
        }

        /** The tag of everything given, bound to {@code context} (what the message is for); ends the session. */
        public byte[] finish(byte[] context) {
            padLastWord();
            byte[] summary = new byte[8 + 4 * 4];
            put(summary, 0, count, 8);
            put(summary, 8, reduce(h0), 4);
            put(summary, 12, reduce(h1), 4);
            put(summary, 16, reduce(h2), 4);
            put(summary, 20, reduce(h3), 4);
            byte[] length = new byte[4];
            put(length, 0, context.length, 4);
            return prf.copy().update(DOMAIN).update(length).update(context).update(summary).doFinal();
        }
    }

    static long step(long h, long m, long k) {
        long x = (h + m) * k;
        x = (x & P) + (x >>> 31);
        return (x & P) + (x >>> 31);
    }

    private static long reduce(long h) {
        while (h >= P) {
            h -= P;
        }
        return h;
    }

    private static void put(byte[] out, int offset, long value, int bytes) {
        for (int i = 0; i < bytes; i++) {
            out[offset + i] = (byte) (value >>> (8 * (bytes - 1 - i)));
        }
    }

    /** The four lanes' keys, for the tests' reference implementation. */
    long[] laneKeysForTest() {
        return new long[] {k0, k1, k2, k3};
    }
}
