package org.agenthypervisor.core.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.junit.jupiter.api.Test;

class Ed25519Test {
    static final HexFormat HEX = HexFormat.of();

    // RFC 8032 §7.1 TEST 1 and TEST 2 (public keys and TEST 2's signature cross-checked with OpenSSL 3.0).
    static final byte[] SEED_1 = HEX.parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    static final byte[] PUB_1 = HEX.parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    static final byte[] SIG_1 = HEX.parseHex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    static final byte[] SEED_2 = HEX.parseHex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
    static final byte[] PUB_2 = HEX.parseHex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
    static final byte[] MSG_2 = {0x72};
    static final byte[] SIG_2 = HEX.parseHex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");

    @Test
    void rfc8032TestVectors() {
        SigningKey k1 = Ed25519.signingKey(SEED_1);
        assertArrayEquals(PUB_1, k1.publicKey().encoded());
        assertArrayEquals(SIG_1, k1.sign(new byte[0]));
        assertTrue(k1.publicKey().verify(new byte[0], SIG_1));
        SigningKey k2 = Ed25519.signingKey(SEED_2);
        assertArrayEquals(PUB_2, k2.publicKey().encoded());
        assertArrayEquals(SIG_2, k2.sign(MSG_2));
        assertTrue(Ed25519.publicKey(PUB_2).verify(MSG_2, SIG_2));
        assertTrue(Ed25519.publicKey(PUB_2).verify(new byte[] {9, 0x72, 9}, 1, 1, SIG_2));
        assertArrayEquals(SIG_2, k2.sign(new byte[] {9, 0x72, 9}, 1, 1));
    }

    @Test
    void signaturesAreThoseOfBouncyCastlesEd25519Signer() {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 50; i++) {
            SigningKey key = Ed25519.generate();
            byte[] msg = new byte[r.nextInt(300)];
            r.nextBytes(msg);
            Ed25519Signer signer = new Ed25519Signer();
            signer.init(true, new Ed25519PrivateKeyParameters(key.seed(), 0));
            signer.update(msg, 0, msg.length);
            assertArrayEquals(signer.generateSignature(), key.sign(msg));
        }
    }

    @Test
    void verificationFailsForAnythingElse() {
        SigningKey key = Ed25519.generate(new SecureRandom());
        SigningKey other = Ed25519.generate();
        byte[] msg = "pay 10 to bob".getBytes(StandardCharsets.UTF_8);
        byte[] sig = key.sign(msg);
        PublicKey pub = key.publicKey();
        assertTrue(pub.verify(msg, sig));
        assertFalse(pub.verify("pay 11 to bob".getBytes(StandardCharsets.UTF_8), sig));
        assertFalse(other.publicKey().verify(msg, sig));
        for (int i = 0; i < sig.length; i++) {
            byte[] bad = sig.clone();
            bad[i] ^= 1;
            assertFalse(pub.verify(msg, bad), "flipped signature byte " + i);
        }
        assertFalse(pub.verify(msg, new byte[63]));
        assertFalse(pub.verify(msg, null));
        assertFalse(pub.verify(null, sig));
    }

    @Test
    void rejectsTheMalleatedSignatureWithSPlusL() {
        BigInteger l = BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));
        byte[] sig = Ed25519.signingKey(SEED_2).sign(MSG_2);
        byte[] sLittle = java.util.Arrays.copyOfRange(sig, 32, 64);
        BigInteger s = new BigInteger(1, reverse(sLittle)).add(l);
        byte[] sPlusL = reverse(toFixed(s, 32));
        byte[] malleated = sig.clone();
        System.arraycopy(sPlusL, 0, malleated, 32, 32);
        assertFalse(Ed25519.publicKey(PUB_2).verify(MSG_2, malleated));
    }

    private static byte[] reverse(byte[] b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[b.length - 1 - i];
        }
        return out;
    }

    private static byte[] toFixed(BigInteger v, int len) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[len];
        int n = Math.min(len, raw.length);
        System.arraycopy(raw, raw.length - n, out, len - n, n);
        return out;
    }

    @Test
    void rejectsInvalidPublicKeys() {
        assertThrows(IllegalArgumentException.class, () -> Ed25519.publicKey(new byte[31]));
        assertThrows(IllegalArgumentException.class, () -> Ed25519.publicKey(null));
        // The identity point (small order).
        byte[] identity = new byte[32];
        identity[0] = 1;
        assertThrows(IllegalArgumentException.class, () -> Ed25519.publicKey(identity));
        // y = p (non-canonical encoding of 0): 2^255 - 19 little-endian.
        byte[] yIsP = HEX.parseHex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
        assertThrows(IllegalArgumentException.class, () -> Ed25519.publicKey(yIsP));
        assertThrows(IllegalArgumentException.class, () -> Ed25519.signingKey(new byte[16]));
    }

    @Test
    void keyIdIsTheHexOfTheFirstEightBytesOfTheKeysSha256() throws Exception {
        PublicKey pub = Ed25519.publicKey(PUB_1);
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(PUB_1);
        assertEquals(HEX.formatHex(digest).substring(0, 16), pub.keyId());
        assertEquals(pub.keyId(), Ed25519.signingKey(SEED_1).keyId());
        assertEquals(16, pub.keyId().length());
    }

    @Test
    void publicKeysAreValues() {
        PublicKey a = Ed25519.publicKey(PUB_1);
        PublicKey b = Ed25519.signingKey(SEED_1).publicKey();
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, Ed25519.publicKey(PUB_2));
        byte[] enc = a.encoded();
        enc[0] ^= 1;
        assertArrayEquals(PUB_1, a.encoded(), "encoded() is a copy");
        assertTrue(a.toString().contains(a.keyId()));
        SigningKey k = Ed25519.signingKey(SEED_1);
        assertFalse(k.toString().contains(HEX.formatHex(SEED_1)), "toString must not leak the seed");
    }

    @Test
    void publicKeyPemIsWhatOpenSslWrites() {
        // openssl pkey -pubout of RFC 8032 TEST 2's key.
        String openssl = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAPUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw=\n-----END PUBLIC KEY-----\n";
        assertEquals(openssl, Ed25519.publicKey(PUB_2).toPem());
        assertEquals(Ed25519.publicKey(PUB_2), PublicKey.fromPem(openssl));
        assertEquals(Ed25519.publicKey(PUB_2), PublicKey.fromPem("\r\n" + openssl.replace("\n", "\r\n") + "  "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PublicKey.fromPem(
                "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIEzNCJso/5banbbDRuwRTg9bijGfNaumJNqM9u1PuKb7\n-----END PRIVATE KEY-----\n"));
        assertTrue(e.getMessage().contains("PRIVATE KEY"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PublicKey.fromPem("-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----"));
        assertThrows(IllegalArgumentException.class, () -> PublicKey.fromPem(
                "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----"));
    }

    @Test
    void signingIsSafeFromManyThreads() throws Exception {
        SigningKey key = Ed25519.generate();
        List<byte[]> messages = new ArrayList<>();
        List<byte[]> expected = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            byte[] m = ("message " + i).getBytes(StandardCharsets.UTF_8);
            messages.add(m);
            expected.add(key.sign(m));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                results.add(pool.submit(() -> {
                    for (int round = 0; round < 20; round++) {
                        for (int i = 0; i < messages.size(); i++) {
                            byte[] sig = key.sign(messages.get(i));
                            if (!java.util.Arrays.equals(expected.get(i), sig) || !key.publicKey().verify(messages.get(i), sig)) {
                                return false;
                            }
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : results) {
                assertTrue(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
