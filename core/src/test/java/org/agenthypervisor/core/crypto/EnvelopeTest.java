package org.agenthypervisor.core.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.agenthypervisor.core.encoding.CanonicalJson;
import org.junit.jupiter.api.Test;

class EnvelopeTest {
    static final String TYPE = "application/vnd.agenthypervisor.vouch+json";
    final SigningKey alice = Ed25519.signingKey(Ed25519Test.SEED_1);
    final SigningKey bob = Ed25519.signingKey(Ed25519Test.SEED_2);
    final byte[] body = "{\"amount\":10}".getBytes(StandardCharsets.UTF_8);

    @Test
    void paeIsTheDsseV1Encoding() {
        // The example of the DSSE protocol description.
        assertEquals("DSSEv1 29 http://example.com/HelloWorld 11 hello world", new String(
                Envelope.pae("http://example.com/HelloWorld", "hello world".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8));
        assertEquals("DSSEv1 0  0 ", new String(Envelope.pae("", new byte[0]), StandardCharsets.UTF_8));
        // Lengths are in bytes, not characters.
        assertEquals("DSSEv1 2 é 3 \u20ac", new String(Envelope.pae("é", "\u20ac".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8));
    }

    @Test
    void signsThePaeWithEachKey() {
        Envelope env = Envelope.sign(TYPE, body, alice, bob);
        assertEquals(2, env.signatures().size());
        assertEquals(alice.keyId(), env.signatures().get(0).keyid());
        assertArrayEquals(alice.sign(Envelope.pae(TYPE, body)), env.signatures().get(0).sig());
        assertTrue(bob.publicKey().verify(Envelope.pae(TYPE, body), env.signatures().get(1).sig()));
        assertThrows(IllegalArgumentException.class, () -> Envelope.sign(TYPE, body));
    }

    @Test
    void verifiesAgainstKnownKeysAndReportsTheRest() {
        Envelope env = Envelope.sign(TYPE, body, alice, bob);
        assertTrue(env.verify(Map.of(alice.keyId(), alice.publicKey())));
        assertTrue(env.verify(List.of(bob.publicKey())));
        assertFalse(env.verify(Map.of()));

        Envelope.Verification v = env.verifyDetailed(List.of(alice.publicKey()));
        assertEquals(List.of(alice.keyId()), v.verified());
        assertEquals(List.of(bob.keyId()), v.unknown());
        assertTrue(v.isValid());
        assertFalse(v.allVerified());
        assertTrue(env.verifyDetailed(List.of(alice.publicKey(), bob.publicKey())).allVerified());

        // A known key id mapped to the wrong key: invalid, not unknown.
        Envelope.Verification wrong = env.verifyDetailed(Map.of(alice.keyId(), bob.publicKey()));
        assertEquals(List.of(alice.keyId()), wrong.invalid());
        assertFalse(wrong.isValid());
    }

    @Test
    void anyChangeToPayloadOrTypeBreaksEverySignature() {
        Envelope env = Envelope.sign(TYPE, body, alice);
        List<PublicKey> keys = List.of(alice.publicKey());
        assertFalse(new Envelope(TYPE + "x", body, env.signatures()).verify(keys));
        byte[] changed = body.clone();
        changed[3] ^= 1;
        assertFalse(new Envelope(TYPE, changed, env.signatures()).verify(keys));
        // Moving bytes between type and payload changes the PAE too.
        assertFalse(new Envelope(TYPE.substring(1), (TYPE.charAt(0) + new String(body, StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.UTF_8), env.signatures()).verify(keys));
    }

    @Test
    void coSigningAndEmptyKeyIds() {
        Envelope env = Envelope.sign(TYPE, body, alice).withSignature(bob);
        assertTrue(env.verifyDetailed(List.of(alice.publicKey(), bob.publicKey())).allVerified());
        Envelope anonymous = new Envelope(TYPE, body, List.of(new Envelope.Signature("", alice.sign(Envelope.pae(TYPE, body)))));
        assertEquals(List.of("alice"), anonymous.verifyDetailed(Map.of("bob", bob.publicKey(), "alice", alice.publicKey())).verified());
        assertEquals(List.of(""), anonymous.verifyDetailed(Map.of("bob", bob.publicKey())).unknown());
    }

    @Test
    void jsonIsTheDsseEnvelopeInCanonicalForm() {
        Envelope env = Envelope.sign(TYPE, body, alice);
        String sig = Base64.getEncoder().encodeToString(env.signatures().get(0).sig());
        String expected = "{\"payload\":\"" + Base64.getEncoder().encodeToString(body) + "\",\"payloadType\":\"" + TYPE
                + "\",\"signatures\":[{\"keyid\":\"" + alice.keyId() + "\",\"sig\":\"" + sig + "\"}]}";
        assertEquals(expected, new String(env.toJson(), StandardCharsets.UTF_8));
        assertTrue(CanonicalJson.isCanonical(env.toJson()));
        Envelope back = Envelope.fromJson(env.toJson());
        assertEquals(env, back);
        assertEquals(env.hashCode(), back.hashCode());
        assertTrue(back.verify(List.of(alice.publicKey())));
    }

    @Test
    void readsWhatOtherDsseProducersWrite() {
        Envelope env = Envelope.sign(TYPE, new byte[] {(byte) 0xfb, (byte) 0xff, 0x01}, alice);
        String sigUrl = Base64.getUrlEncoder().withoutPadding().encodeToString(env.signatures().get(0).sig());
        String json = "{\n  \"payloadType\": \"" + TYPE + "\",\n  \"payload\": \"-_8B\",\n  \"signatures\": [ { \"sig\": \""
                + sigUrl + "\", \"keyid\": \"" + alice.keyId() + "\" } ]\n}";
        Envelope back = Envelope.fromJson(json.getBytes(StandardCharsets.UTF_8));
        assertEquals(env, back);
        Envelope noKeyId = Envelope.fromJson(("{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"AA==\"}]}")
                .getBytes(StandardCharsets.UTF_8));
        assertEquals("", noKeyId.signatures().get(0).keyid());
    }

    @Test
    void malformedJsonIsAClearError() {
        String[] bad = {
            "not json",
            "[]",
            "{\"payloadType\":\"t\",\"signatures\":[]}",
            "{\"payload\":\"\",\"signatures\":[]}",
            "{\"payload\":\"\",\"payloadType\":\"t\"}",
            "{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":{}}",
            "{\"payload\":\"!!\",\"payloadType\":\"t\",\"signatures\":[]}",
            "{\"payload\":\"\",\"payloadType\":7,\"signatures\":[]}",
            "{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[],\"extra\":1}",
            "{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":\"k\"}]}",
            "{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":1,\"sig\":\"\"}]}",
            "{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"AA==\",\"cert\":\"x\"}]}",
            "{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[7]}",
            "{\"payload\":\"\",\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[]}",
        };
        for (String b : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Envelope.fromJson(b.getBytes(StandardCharsets.UTF_8)), b);
            assertTrue(e.getMessage().startsWith("malformed DSSE envelope: "), e.getMessage());
        }
    }

    @Test
    void isAnImmutableValue() {
        byte[] payload = body.clone();
        Envelope env = Envelope.sign(TYPE, payload, alice);
        payload[0] = 'X';
        env.payload()[0] = 'Y';
        env.signatures().get(0).sig()[0] ^= 1;
        assertArrayEquals(body, env.payload());
        assertTrue(env.verify(List.of(alice.publicKey())));
        assertThrows(UnsupportedOperationException.class, () -> env.signatures().clear());
        assertNotEquals(env, Envelope.sign(TYPE, payload, alice));
        assertTrue(env.toString().contains(TYPE));
    }
}
