package org.agenthypervisor.core.encoding;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The hypervisor's own JSON reader against Jackson (which it replaced on the start path): on valid
 * JSON, mutated JSON and arbitrary bytes both read the same value or both refuse. The reader is
 * stricter in exactly one way: it reads UTF-8 only (Jackson also sniffs a byte-order mark and UTF-16
 * or UTF-32) and refuses UTF-8 that encodes a surrogate or is overlong.
 */
class JsonReaderDifferentialProperties {
    private static final JsonFactory JACKSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final byte[] SAMPLE = ("{\"a\":[1,-0,0.5,-1.25e-3,12345678901234567890,9223372036854775807,"
            + "-9223372036854775808,true,false,null],\"s\":\"x\\u00e9\\n\\\"\\/\u00e9\u20ac\uD83D\uDE00\","
            + " \"o\" : { \"e\" : [ ] , \"m\" : {} } }").getBytes(StandardCharsets.UTF_8);

    @Property(tries = 3000)
    void mutatedJson(@ForAll("mutated") byte[] json) {
        compare(json);
    }

    @Property(tries = 2000)
    void arbitraryBytes(@ForAll byte[] json) {
        compare(json);
    }

    @Property(tries = 1000)
    void jsonLikeText(@ForAll("jsonish") String text) {
        compare(text.getBytes(StandardCharsets.UTF_8));
    }

    @Example
    void samples() {
        compare(SAMPLE);
        for (String s : new String[] {"1", "-0", "0.0", "-0.0", "1E2", "1e-2", "1.5e+300", "123456789012345678",
            "1234567890123456789", "-1234567890123456789", "18446744073709551616", "\"\\ud800\"", "[[[]]]",
            "{\"\":0}", " \t\r\n1 \t\r\n", "truex", "true1", "nul", "[1,]", "[,1]", "{\"a\"}", "\"\\x\"", "\"\\u12\"",
            "01", "-", "1.", ".5", "1e", "1e+", "+1", "\"a\u007fb\""}) {
            compare(s.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Example
    void surrogatesAndOverlongFormsInUtf8AreRefused() {
        for (byte[] bad : new byte[][] {{'"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"'}, {'"', (byte) 0xc0, (byte) 0xaf, '"'},
            {'"', (byte) 0xe0, (byte) 0x80, (byte) 0xaf, '"'}, {'"', (byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '"'}}) {
            assertThrows(IllegalArgumentException.class, () -> JsonReader.read(bad), Arrays.toString(bad));
        }
    }

    private static void compare(byte[] json) {
        Object mine;
        IllegalArgumentException mineRefused = null;
        try {
            mine = JsonReader.read(json);
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().startsWith("malformed JSON: ") && e.getMessage().contains(" at line "), e.getMessage());
            mine = null;
            mineRefused = e;
        }
        Object theirs;
        boolean theirsRefused = false;
        try {
            theirs = jackson(json);
        } catch (Exception e) {
            theirs = null;
            theirsRefused = true;
        }
        String shown = new String(json, StandardCharsets.UTF_8) + " " + Arrays.toString(Arrays.copyOf(json, Math.min(24, json.length)));
        if (theirsRefused) {
            if (mineRefused == null) {
                fail("Jackson refuses what the reader accepts (" + mine + "): " + shown);
            }
            return;
        }
        if (mineRefused != null) {
            if (!encodingJacksonSniffs(json) && !hasSurrogateOrOverlongUtf8(json)) {
                fail("the reader refuses what Jackson reads as " + theirs + ": " + shown + ": " + mineRefused.getMessage());
            }
            return;
        }
        assertEquals(theirs, mine, shown);
    }

    private static boolean encodingJacksonSniffs(byte[] b) {
        if (b.length >= 3 && (b[0] & 0xff) == 0xef && (b[1] & 0xff) == 0xbb && (b[2] & 0xff) == 0xbf) {
            return true;
        }
        for (int i = 0; i < Math.min(4, b.length); i++) {
            if (b[i] == 0 || (b[i] & 0xff) == 0xfe || (b[i] & 0xff) == 0xff) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasSurrogateOrOverlongUtf8(byte[] b) {
        for (int i = 0; i + 1 < b.length; i++) {
            int x = b[i] & 0xff;
            int y = b[i + 1] & 0xff;
            if (x == 0xc0 || x == 0xc1 || (x == 0xed && y >= 0xa0) || (x == 0xe0 && y < 0xa0) || (x == 0xf0 && y < 0x90)
                    || (x == 0xf4 && y >= 0x90) || x >= 0xf5) {
                return true;
            }
        }
        return false;
    }

    /** The parse CanonicalJson used before it had its own reader. */
    private static Object jackson(byte[] json) throws Exception {
        try (JsonParser p = JACKSON.createParser(json)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new IllegalArgumentException("no value");
            }
            Object value = value(p, first, 0);
            if (p.nextToken() != null) {
                throw new IllegalArgumentException("more than one value");
            }
            return value;
        }
    }

    private static Object value(JsonParser p, JsonToken t, int depth) throws Exception {
        if (depth > CanonicalJson.MAX_DEPTH && (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY)) {
            throw new IllegalArgumentException("too deep");
        }
        switch (t) {
            case START_OBJECT: {
                Map<String, Object> map = new LinkedHashMap<>();
                JsonToken next;
                while ((next = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    map.put(key, value(p, p.nextToken(), depth + 1));
                }
                if (next != JsonToken.END_OBJECT) {
                    throw new IllegalArgumentException("expected end of object");
                }
                return map;
            }
            case START_ARRAY: {
                List<Object> list = new ArrayList<>();
                JsonToken next;
                while ((next = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (next == null) {
                        throw new IllegalArgumentException("unterminated array");
                    }
                    list.add(value(p, next, depth + 1));
                }
                return list;
            }
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getBigIntegerValue() : p.getLongValue();
            case VALUE_NUMBER_FLOAT: {
                double d = p.getDoubleValue();
                if (!Double.isFinite(d)) {
                    throw new IllegalArgumentException("out of range");
                }
                return d;
            }
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new IllegalArgumentException("unexpected " + t);
        }
    }

    @Provide
    Arbitrary<String> jsonish() {
        return Arbitraries.of("{", "}", "[", "]", ",", ":", "\"", "\\", "\"a\"", "1", "-", "0", ".", "e", "E", "+", "9",
                "true", "false", "null", " ", "\n", "\\u", "00e9", "d83d", "\u00e9", "\u0001", "x").list().ofMaxSize(20)
                .map(parts -> String.join("", parts));
    }

    @Provide
    Arbitrary<byte[]> mutated() {
        return ByteMutations.of(SAMPLE, 3);
    }
}
