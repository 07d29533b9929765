package org.agenthypervisor.core.crypto;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12's bad input for {@code vouch verify}: a signed DSSE envelope with one to three bytes
 * deleted, inserted or replaced, and arbitrary bytes. Reading either yields an envelope or an
 * {@code IllegalArgumentException} that says "malformed DSSE envelope" and why, never another
 * exception; and an envelope that still verifies carries exactly the signed payload and type.
 */
class EnvelopeFuzzProperties {
    private static final String TYPE = "application/vnd.agent-hypervisor.handoff+json";
    private static final byte[] PAYLOAD = "{\"from\":\"planner\",\"to\":\"executor\",\"task\":\"refund 42\"}"
            .getBytes(StandardCharsets.UTF_8);
    private static final SigningKey SIGNER = Ed25519.signingKey(Ed25519Test.SEED_1);
    private static final byte[] SIGNED = Envelope.sign(TYPE, PAYLOAD, SIGNER).toJson();

    @Property(tries = 3000)
    void mutatedEnvelopesAreRefusedWithAReasonOrCarryTheSignedPayload(@ForAll("mutated") byte[] json) {
        check(json);
    }

    @Property(tries = 1000)
    void arbitraryBytesAreRefusedWithAReason(@ForAll byte[] json) {
        check(json);
    }

    private static void check(byte[] json) {
        Envelope envelope;
        try {
            envelope = Envelope.fromJson(json);
        } catch (IllegalArgumentException refused) {
            assertTrue(String.valueOf(refused.getMessage()).startsWith("malformed DSSE envelope"), refused::toString);
            return;
        }
        if (envelope.verify(List.of(SIGNER.publicKey()))) {
            assertEquals(TYPE, envelope.payloadType());
            assertArrayEquals(PAYLOAD, envelope.payload(), "a verifying envelope carries the signed payload");
        }
    }

    @Provide
    Arbitrary<byte[]> mutated() {
        return org.agenthypervisor.core.encoding.ByteMutations.of(SIGNED, 3);
    }
}
