package org.agenthypervisor.core.crypto;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
        Arbitrary<int[]> mutation = Combinators.combine(Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, Integer.MAX_VALUE), Arbitraries.integers().between(0, 255))
                .as((kind, at, value) -> new int[] {kind, at, value});
        return mutation.list().ofMinSize(1).ofMaxSize(3).map(list -> {
            byte[] out = SIGNED.clone();
            for (int[] m : list) {
                int at = m[1] % Math.max(1, out.length);
                switch (m[0]) {
                    case 0 -> {
                        if (out.length > 0) {
                            byte[] shorter = new byte[out.length - 1];
                            System.arraycopy(out, 0, shorter, 0, at);
                            System.arraycopy(out, at + 1, shorter, at, out.length - at - 1);
                            out = shorter;
                        }
                    }
                    case 1 -> {
                        byte[] longer = Arrays.copyOf(out, out.length + 1);
                        System.arraycopy(out, at, longer, at + 1, out.length - at);
                        longer[at] = (byte) m[2];
                        out = longer;
                    }
                    default -> {
                        if (out.length > 0) {
                            out[at] = (byte) m[2];
                        }
                    }
                }
            }
            return out;
        });
    }
}
