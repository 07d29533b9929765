package org.agenthypervisor.core.crypto;

import java.util.Objects;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.math.ec.rfc8032.Ed25519.Algorithm;

/**
 * An Ed25519 private key. Immutable and safe to share between threads: {@link #sign} keeps no state.
 *
 * <p>It signs through {@link Ed25519PrivateKeyParameters#sign} with the public key precomputed, which
 * is what {@code Ed25519Signer} does underneath, without that class's per-call message buffer (which
 * would also make it unusable from several threads at once). Signatures are deterministic: the same key
 * and message always give the same 64 bytes.
 */
public final class SigningKey {
    private final Ed25519PrivateKeyParameters privateKey;
    private final Ed25519PublicKeyParameters publicParameters;
    private final PublicKey publicKey;

    SigningKey(Ed25519PrivateKeyParameters privateKey) {
        this.privateKey = privateKey;
        this.publicParameters = privateKey.generatePublicKey();
        this.publicKey = new PublicKey(publicParameters.getEncoded());
    }

    /** The 64-byte signature of {@code message}. */
    public byte[] sign(byte[] message) {
        return sign(message, 0, message.length);
    }

    /** The 64-byte signature of {@code message[offset, offset + length)}. */
    public byte[] sign(byte[] message, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, message.length);
        byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
        privateKey.sign(Algorithm.Ed25519, publicParameters, null, message, offset, length, signature, 0);
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

    /** The 32-byte seed; only the key directory needs it, to write the key file. */
    byte[] seed() {
        return privateKey.getEncoded();
    }

    /** Names the key by its public key id; never prints secret material. */
    @Override
    public String toString() {
        return "Ed25519 signing key " + publicKey.keyId();
    }
}
