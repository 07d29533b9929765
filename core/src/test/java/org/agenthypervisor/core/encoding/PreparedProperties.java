package org.agenthypervisor.core.encoding;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code prepare(m).with(...)} writes exactly what {@code write(m plus those members)} writes. */
class PreparedProperties {
    @Provide
    Arbitrary<Map<String, Object>> members() {
        Arbitrary<Object> values = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(12).map(v -> (Object) v),
                Arbitraries.longs().map(v -> (Object) v),
                Arbitraries.doubles().between(-1e6, 1e6).map(v -> (Object) v),
                Arbitraries.of(true, false).map(v -> (Object) v),
                Arbitraries.strings().ofMaxLength(5).list().ofMaxSize(3).map(v -> (Object) v));
        Arbitrary<String> keys = Arbitraries.strings().withCharRange('a', 'z').withChars('é', '"', '\\').ofMinLength(1).ofMaxLength(8)
                .filter(k -> !k.equals("seq") && !k.equals("time") && !k.equals("type"));
        return Arbitraries.maps(keys, values).ofMaxSize(20).map(m -> (Map<String, Object>) new LinkedHashMap<>(m));
    }

    @Property(tries = 500)
    void preparedMembersAndThreeMoreAreTheCanonicalObject(@ForAll("members") Map<String, Object> members,
                                                          @ForAll long seq, @ForAll("members") Map<String, Object> nested) {
        Map<String, Object> whole = new HashMap<>(members);
        whole.put("seq", seq);
        whole.put("time", "2026-11-25T00:00:00Z");
        whole.put("type", nested);
        assertArrayEquals(CanonicalJson.write(whole),
                CanonicalJson.prepare(members).with("type", nested, "seq", seq, "time", "2026-11-25T00:00:00Z"));
    }

    @Test
    void aKeyGivenTwiceIsAnError() {
        CanonicalJson.Prepared prepared = CanonicalJson.prepare(Map.of("seq", 1L, "a", List.of()));
        assertThrows(IllegalArgumentException.class, () -> prepared.with("seq", 2L, "time", "t", "type", "x"));
    }
}
