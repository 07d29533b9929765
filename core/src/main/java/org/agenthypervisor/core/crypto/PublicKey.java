package org.agenthypervisor.core.crypto;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.math.ec.rfc8032.Ed25519.Algorithm;

/**
 * An Ed25519 public key (its 32-byte RFC 8032 encoding). Immutable, thread-safe, equal to another key
 * with the same bytes.
 *
 * <p>Verification is Bouncy Castle's RFC 8032 verifier, which rejects non-canonical encodings of R and
 * a scalar S ≥ L, so a valid signature cannot be rewritten into another valid one. The key itself is
 * fully validated when constructed (canonical, on the curve, prime order). Slashing decisions depend
 * on verification, so one verifier is used everywhere.
 */
public final class PublicKey {
    /** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): SEQUENCE, algorithm 1.3.101.112, BIT STRING. */
    static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private final byte[] encoded;
    private final Ed25519PublicKeyParameters parameters;
    private final String keyId;

    PublicKey(byte[] encoded) {
        this(encoded, true);
    }

    /** {@code validate} false only for a key just derived from a private key (validation costs ~80 µs). */
    PublicKey(byte[] encoded, boolean validate) {
        if (encoded == null || encoded.length != Ed25519.PUBLIC_KEY_SIZE) {
            throw new IllegalArgumentException("an Ed25519 public key is " + Ed25519.PUBLIC_KEY_SIZE
                    + " bytes, got " + (encoded == null ? "null" : encoded.length));
        }
        if (validate && !org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyFull(encoded, 0)) {
            throw new IllegalArgumentException("not a valid Ed25519 public key: "
                    + HexFormat.of().formatHex(encoded));
        }
        this.encoded = encoded.clone();
        this.parameters = new Ed25519PublicKeyParameters(this.encoded, 0); // decodes the point once
        this.keyId = HexFormat.of().formatHex(sha256(this.encoded), 0, 8);
    }

    /** Whether {@code signature} is this key's signature of {@code message}; never throws on bad input. */
    public boolean verify(byte[] message, byte[] signature) {
        return message != null && verify(message, 0, message.length, signature);
    }

    /** {@link #verify(byte[], byte[])} for {@code message[offset, offset + length)}. */
    public boolean verify(byte[] message, int offset, int length, byte[] signature) {
        if (message == null || signature == null || signature.length != Ed25519.SIGNATURE_SIZE) {
            return false;
        }
        Objects.checkFromIndexSize(offset, length, message.length);
        return parameters.verify(Algorithm.Ed25519, null, message, offset, length, signature, 0);
    }

    /** The 32-byte encoding (a copy). */
    public byte[] encoded() {
        return encoded.clone();
    }

    /**
     * A short public name for the key: lowercase hex of the first 8 bytes of SHA-256 of its encoding
     * (16 characters). Used as the DSSE {@code keyid}; a hint to find the key, not a security boundary.
     */
    public String keyId() {
        return keyId;
    }

    /** PEM "PUBLIC KEY" (X.509 SubjectPublicKeyInfo, RFC 8410), as {@code openssl pkey -pubout} writes it. */
    public String toPem() {
        return Pem.encode("PUBLIC KEY", concat(SPKI_PREFIX, encoded));
    }

    /**
     * Reads a PEM "PUBLIC KEY" holding an Ed25519 SubjectPublicKeyInfo.
     *
     * @throws IllegalArgumentException saying what is wrong, if it is anything else
     */
    public static PublicKey fromPem(String pem) {
        byte[] der = Pem.decode("PUBLIC KEY", pem);
        if (der.length != SPKI_PREFIX.length + Ed25519.PUBLIC_KEY_SIZE
                || !Arrays.equals(der, 0, SPKI_PREFIX.length, SPKI_PREFIX, 0, SPKI_PREFIX.length)) {
            throw new IllegalArgumentException("not an Ed25519 SubjectPublicKeyInfo (expected the "
                    + (SPKI_PREFIX.length + Ed25519.PUBLIC_KEY_SIZE) + "-byte RFC 8410 encoding, got "
                    + der.length + " bytes starting " + HexFormat.of().formatHex(der, 0, Math.min(der.length, 12)) + ")");
        }
        return new PublicKey(Arrays.copyOfRange(der, SPKI_PREFIX.length, der.length));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] sha256(byte[] data) {
        return Sha256.hash(data);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PublicKey && Arrays.equals(encoded, ((PublicKey) o).encoded);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encoded);
    }

    @Override
    public String toString() {
        return "Ed25519 public key " + keyId;
    }
}
