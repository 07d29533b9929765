package org.agenthypervisor.core.crypto;

import java.util.Objects;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * An Ed25519 private key. Immutable and safe to share between threads: {@link #sign} keeps no state.
 *
 * <p>It signs with Bouncy Castle's stateless RFC 8032 function
 * ({@code org.bouncycastle.math.ec.rfc8032.Ed25519.sign}) and the public key encoded once. That is what
 * {@code Ed25519Signer} ends up calling, minus its per-call message buffer (which also makes a signer
 * unusable from two threads at once) and minus {@code Ed25519PrivateKeyParameters.sign}'s lock and
 * public key re-encoding on every call. Signatures are deterministic: the same key and message always
 * give the same 64 bytes.
 */
public final class SigningKey {
    private final byte[] seed;
    private final byte[] publicEncoded;
    private final PublicKey publicKey;

    SigningKey(Ed25519PrivateKeyParameters privateKey) {
        this.seed = privateKey.getEncoded();
        this.publicEncoded = privateKey.generatePublicKey().getEncoded();
        this.publicKey = new PublicKey(publicEncoded, false);
    }

    /** The 64-byte signature of {@code message}. */
    public byte[] sign(byte[] message) {
        return sign(message, 0, message.length);
    }

    /** The 64-byte signature of {@code message[offset, offset + length)}. */
    public byte[] sign(byte[] message, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, message.length);
        byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
        org.bouncycastle.math.ec.rfc8032.Ed25519.sign(seed, 0, publicEncoded, 0, message, offset, length, signature, 0);
        return signature;
    }

    /** The matching public key. */
    public PublicKey publicKey() {
        return publicKey;
    }

    /** Shorthand for {@code publicKey().keyId()}. */
    public String keyId() {
        return publicKey.keyId();
    }

    /**
     * A 32-byte secret for another purpose, derived from this key: HMAC-SHA256 keyed with the seed over
     * {@code label}. Different labels give independent secrets, and none of them reveals the seed, so
     * the hypervisor protects one secret (its key file) instead of one per purpose. The label names
     * the purpose and its version, e.g. {@code "agent-hypervisor saga journal v1"}.
     */
    public byte[] deriveSecret(String label) {
        return deriveSecret(seed, label);
    }

    /** {@link #deriveSecret(String)} from the seed alone. */
    static byte[] deriveSecret(byte[] seed, String label) {
        return HmacSha256.mac(seed, label.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The 32-byte seed; only the key directory needs it, to write the key file. */
    byte[] seed() {
        return seed.clone();
    }

    /** Names the key by its public key id; never prints secret material. */
    @Override
    public String toString() {
        return "Ed25519 signing key " + publicKey.keyId();
    }
}
