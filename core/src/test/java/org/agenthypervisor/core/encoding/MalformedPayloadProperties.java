package org.agenthypervisor.core.encoding;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Issue 12's bad input for hand-off payloads: the parser every stored record and every hand-off
 * payload goes through either returns a value or throws {@link IllegalArgumentException} with a
 * message, never another exception (no stack overflow, no index error), whatever the bytes; and what it
 * accepts it writes back canonically and reads back the same.
 */
class MalformedPayloadProperties {
    private static final byte[] HANDOFF = ("{\"chain\":[{\"from\":\"planner\",\"to\":\"executor\",\"trust\":0.85}],"
            + "\"payload\":{\"amount\":42.5,\"items\":[1,2,3],\"note\":\"refund \\u00e9\\n\",\"ok\":true,\"x\":null}}")
            .getBytes(StandardCharsets.UTF_8);

    @Property(tries = 3000)
    void mutatedHandOffPayloads(@ForAll("mutated") byte[] json) {
        check(json);
    }

    @Property(tries = 2000)
    void arbitraryBytes(@ForAll byte[] json) {
        check(json);
    }

    @Property(tries = 200)
    void deepNesting(@ForAll("depth") int depth) {
        byte[] json = ("[".repeat(depth) + "]".repeat(depth)).getBytes(StandardCharsets.UTF_8);
        check(json);
    }

    private static void check(byte[] json) {
        Object value;
        try {
            value = CanonicalJson.parse(json);
        } catch (IllegalArgumentException refused) {
            assertNotNull(refused.getMessage(), "a refusal says why");
            return;
        }
        byte[] canonical = CanonicalJson.write(value);
        assertArrayEquals(canonical, CanonicalJson.write(CanonicalJson.parse(canonical)), "accepted input round-trips");
    }

    @Provide
    Arbitrary<Integer> depth() {
        return Arbitraries.integers().between(1, 100_000);
    }

    @Provide
    Arbitrary<byte[]> mutated() {
        Arbitrary<int[]> mutation = Combinators.combine(Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, Integer.MAX_VALUE), Arbitraries.integers().between(0, 255))
                .as((kind, at, value) -> new int[] {kind, at, value});
        return mutation.list().ofMinSize(1).ofMaxSize(4).map(list -> {
            byte[] out = HANDOFF.clone();
            for (int[] m : list) {
                int at = m[1] % Math.max(1, out.length);
                if (m[0] == 0 && out.length > 0) {
                    byte[] shorter = new byte[out.length - 1];
                    System.arraycopy(out, 0, shorter, 0, at);
                    System.arraycopy(out, at + 1, shorter, at, out.length - at - 1);
                    out = shorter;
                } else if (m[0] == 1) {
                    byte[] longer = Arrays.copyOf(out, out.length + 1);
                    System.arraycopy(out, at, longer, at + 1, out.length - at);
                    longer[at] = (byte) m[2];
                    out = longer;
                } else if (out.length > 0) {
                    out[at] = (byte) m[2];
                }
            }
            return out;
        });
    }
}
