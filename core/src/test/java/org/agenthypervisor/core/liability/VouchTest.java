package org.agenthypervisor.core.liability;

import org.agenthypervisor.core.crypto.Ed25519;
import org.agenthypervisor.core.crypto.Envelope;
import org.agenthypervisor.core.crypto.SigningKey;
import org.agenthypervisor.core.encoding.CanonicalJson;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VouchTest {
    static final Vouch V = new Vouch("0011223344556677-5", "billing", "ledger", "com.acme.Ledger#book(Refund)", "call",
            "ab".repeat(32), true, List.of(), List.of("0011223344556677-3"), null, 5, 1_700_000_000_123L);

    @Test
    void canonicalBytesAreStableSortedAndComplete() {
        String json = new String(V.toCanonicalJson(), StandardCharsets.UTF_8);
        assertEquals("{\"complete\":true,\"direction\":\"call\",\"id\":\"0011223344556677-5\",\"issuedAt\":1700000000123,"
                + "\"method\":\"com.acme.Ledger#book(Refund)\",\"parents\":[\"0011223344556677-3\"],\"payloadSha256\":\""
                + "ab".repeat(32) + "\",\"receiver\":\"ledger\",\"sender\":\"billing\",\"sequence\":5,\"session\":null,"
                + "\"unencodable\":[],\"version\":1}", json);
        assertTrue(CanonicalJson.isCanonical(V.toCanonicalJson()));
        assertEquals(V, Vouch.parse(V.toCanonicalJson()));
    }

    @Test
    void theAuditRecordRebuildsTheVouchByteForByte() {
        Map<String, Object> fields = new java.util.LinkedHashMap<>(V.auditFields("batched", null));
        fields.put("seq", 17L);
        fields.put("time", "2024-01-01T00:00:00Z");
        fields.put("type", "handoff");
        @SuppressWarnings("unchecked")
        Map<String, Object> stored = (Map<String, Object>) CanonicalJson.parse(CanonicalJson.write(fields));
        assertArrayEquals(V.toCanonicalJson(), Vouch.fromFields(stored).toCanonicalJson());
    }

    @Test
    void aSignedVouchVerifiesAsDsseAndFailsAfterAnyChange() {
        SigningKey key = Ed25519.generate();
        Envelope.Signature sig = V.sign(key);
        Envelope env = V.envelope(sig);
        assertEquals(Vouch.PAYLOAD_TYPE, env.payloadType());
        assertTrue(env.verify(List.of(key.publicKey())));
        byte[] json = env.toJson();
        Envelope back = Envelope.fromJson(json);
        assertTrue(back.verify(List.of(key.publicKey())));
        byte[] tampered = V.toCanonicalJson();
        tampered[tampered.length / 2] ^= 1;
        assertFalse(new Envelope(Vouch.PAYLOAD_TYPE, tampered, List.of(sig)).verify(List.of(key.publicKey())));
        assertFalse(new Envelope("application/json", V.toCanonicalJson(), List.of(sig)).verify(List.of(key.publicKey())),
                "the payload type is signed too");
        Map<String, Object> audit = V.auditFields("each", sig);
        assertEquals(key.keyId(), audit.get("keyid"));
        assertArrayEquals(sig.sig(), Base64.getDecoder().decode((String) audit.get("signature")));
    }

    @Test
    void parsingRejectsUnknownMembersAndWrongTypes() {
        String json = new String(V.toCanonicalJson(), StandardCharsets.UTF_8);
        assertThrows(IllegalArgumentException.class, () -> Vouch.parse(json.replace("{\"complete\"", "{\"extra\":1,\"complete\"")
                .getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class, () -> Vouch.parse(json.replace("\"sequence\":5", "\"sequence\":\"5\"")
                .getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class, () -> Vouch.parse(json.replace("\"version\":1", "\"version\":2")
                .getBytes(StandardCharsets.UTF_8)));
    }
}
