package org.agenthypervisor.core.crypto;

import java.security.SecureRandom;
import java.util.Objects;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * Ed25519 (RFC 8032, pure, no context) key generation and key construction. Signing and verifying are
 * on {@link SigningKey} and {@link PublicKey}.
 *
 * <p>Bouncy Castle's lightweight classes do the work, at native-OpenSSL speed (tens of thousands of
 * signatures per second per core; the JDK's SunEC Ed25519 is 15-30 times slower). Nothing is
 * registered with the JCA: the library is relocated inside the agent jar and must not change the
 * application's providers.
 */
public final class Ed25519 {
    /** Bytes in a private key seed. */
    public static final int SEED_SIZE = 32;
    /** Bytes in an encoded public key. */
    public static final int PUBLIC_KEY_SIZE = 32;
    /** Bytes in a signature. */
    public static final int SIGNATURE_SIZE = 64;

    private Ed25519() {}

    /** Lazily created: seeding a SecureRandom can cost milliseconds, and most processes only load keys. */
    private static final class Random {
        static final SecureRandom INSTANCE = new SecureRandom();
    }

    /** A new key from the platform's default {@link SecureRandom}. */
    public static SigningKey generate() {
        return generate(Random.INSTANCE);
    }

    /** A new key whose 32-byte seed is drawn from {@code random}. */
    public static SigningKey generate(SecureRandom random) {
        Objects.requireNonNull(random, "random");
        return new SigningKey(new Ed25519PrivateKeyParameters(random));
    }

    /**
     * Loads Bouncy Castle's Ed25519 classes and builds their precomputed tables by signing and
     * verifying with a throwaway key: the agent runs this on a background thread at start, so that
     * the first real signature (at the latest the signed tree head at shutdown) does not pay for it.
     */
    public static void warmUp() {
        SigningKey throwaway = signingKey(new byte[SEED_SIZE]);
        byte[] message = {1, 2, 3};
        throwaway.publicKey().verify(message, throwaway.sign(message));
    }

    /** The key with this 32-byte RFC 8032 private key seed. */
    public static SigningKey signingKey(byte[] seed) {
        if (seed == null || seed.length != SEED_SIZE) {
            throw new IllegalArgumentException("an Ed25519 seed is " + SEED_SIZE + " bytes, got "
                    + (seed == null ? "null" : seed.length));
        }
        return new SigningKey(new Ed25519PrivateKeyParameters(seed, 0));
    }

    /**
     * The public key with this 32-byte RFC 8032 encoding.
     *
     * @throws IllegalArgumentException if it is not the canonical encoding of a point of prime order
     *     (small-order and non-canonical keys would let one signature pass for several messages or keys)
     */
    public static PublicKey publicKey(byte[] encoded) {
        return new PublicKey(encoded);
    }
}
