package org.agenthypervisor.core.encoding;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.charset.StandardCharsets;

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
        return ByteMutations.of(HANDOFF, 4);
    }
}
