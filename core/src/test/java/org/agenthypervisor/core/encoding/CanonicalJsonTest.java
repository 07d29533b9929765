package org.agenthypervisor.core.encoding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class CanonicalJsonTest {

    private static String json(Object tree) {
        return CanonicalJson.writeString(tree);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Example
    void sortsKeysAndWritesNoWhitespace() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("b", 1);
        m.put("a", Arrays.asList(true, null, "x", 2.5));
        m.put("", Map.of());
        assertEquals("{\"\":{},\"a\":[true,null,\"x\",2.5],\"b\":1}", json(m));
    }

    @Example
    void keysAreOrderedByUtf16CodeUnitsAsInRfc8785() {
        // U+1F600 is the surrogate pair D83D DE00, which sorts before U+E000 by code unit (but after it
        // by code point).
        Map<String, Object> m = new HashMap<>();
        m.put("\uE000", 1);
        m.put("\uD83D\uDE00", 2);
        m.put("Z", 3);
        m.put("a", 4);
        assertEquals("{\"Z\":3,\"a\":4,\"\uD83D\uDE00\":2,\"\uE000\":1}", json(m));
    }

    @Example
    void stringEscapes() {
        assertEquals("\"\\\"\\\\/\"", json("\"\\/"));
        assertEquals("\"\\b\\t\\n\\f\\r\\u0000\\u001f\\u000b\"", json("\b\t\n\f\r\u0000\u001f\u000b"));
        // DEL, U+2028, non-ASCII and astral characters are written as themselves, in UTF-8.
        assertArrayEquals(utf8("\"\u007f\u2028é€\uD83D\uDE00\""), CanonicalJson.write("\u007f\u2028é€\uD83D\uDE00"));
        // Unpaired surrogates cannot be UTF-8: escaped.
        assertEquals("\"a\\ud800b\\udc00\"", json("a\uD800b\uDC00"));
        assertEquals("\"\\udbff\"", json("\uDBFF"));
        assertEquals("a\uD800b\uDC00", CanonicalJson.parse(CanonicalJson.write("a\uD800b\uDC00")));
        // Jackson's parser refuses them in keys, so the writer does too.
        assertThrows(IllegalArgumentException.class, () -> CanonicalJson.write(Map.of("x\uD800", 1)));
    }

    @Example
    void integers() {
        assertEquals("[0,-1,127,32767,2147483647,-9223372036854775808,123456789012345678901234567890]",
                json(List.of(0, (byte) -1, (byte) 127, (short) 32767, Integer.MAX_VALUE, Long.MIN_VALUE,
                        new BigInteger("123456789012345678901234567890"))));
    }

    @Example
    void doublesUseTheShortestRoundTripInEcmaScriptLayout() {
        Object[][] cases = {
            {0.1, "0.1"}, {1.0, "1"}, {-0.0, "0"}, {0.0, "0"}, {-2.5, "-2.5"}, {0.95, "0.95"},
            {1.0 / 3, "0.3333333333333333"}, {123.456, "123.456"}, {1e20, "100000000000000000000"},
            {1e21, "1e+21"}, {1.5e300, "1.5e+300"}, {0.000001, "0.000001"}, {1e-7, "1e-7"},
            {1.5e-7, "1.5e-7"}, {-1.25e-10, "-1.25e-10"}, {Double.MIN_VALUE, "5e-324"},
            {Double.MAX_VALUE, "1.7976931348623157e+308"}, {Math.pow(2, 60), "1152921504606847000"},
            {9007199254740993.0, "9007199254740992"}, {4.35, "4.35"}, {100.0, "100"},
            // JDK 17's Double.toString prints 2.82879384806159008E17 here (JDK-4511638); we never use it.
            {2.82879384806159E17, "282879384806159000"},
            {1.9400994884341945E25, "1.9400994884341945e+25"}, {5e-7, "5e-7"}, {0.5e-6, "5e-7"},
        };
        for (Object[] c : cases) {
            assertEquals(c[1], json(c[0]), "for " + c[0]);
        }
        assertEquals("0.10000000149011612", json(0.1f), "a float is its exact double value");
    }

    @Property(tries = 3000)
    void everyDoubleReadsBackAndIsNoLongerThanJdkToString(@ForAll double d) {
        if (!Double.isFinite(d)) {
            return;
        }
        String s = JsonWriter.formatDouble(d);
        assertEquals(d == 0 ? 0.0 : d, Double.parseDouble(s), s);
        String jdk = Double.toString(Math.abs(d));
        int ours = significantDigits(s);
        int theirs = significantDigits(jdk);
        assertTrue(ours <= theirs, s + " vs " + jdk);
        if (Runtime.version().feature() >= 19 && theirs >= 2) {
            // JDK 19+ prints the shortest form too (it may prefer 2 digits when 1 would do).
            assertEquals(theirs, ours, s + " vs " + jdk);
        }
    }

    private static int significantDigits(String s) {
        String mantissa = s.toLowerCase().split("e")[0].replace("-", "").replace(".", "");
        mantissa = mantissa.replaceFirst("^0+", "").replaceFirst("0+$", "");
        return Math.max(1, mantissa.length());
    }

    @Example
    void rejectsWhatJsonCannotSayAndWhatIsNotCanonicalData() {
        assertThrows(IllegalArgumentException.class, () -> CanonicalJson.write(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> CanonicalJson.write(Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> CanonicalJson.write(Float.NEGATIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> CanonicalJson.write(Set.of(1)));
        assertThrows(IllegalArgumentException.class, () -> CanonicalJson.write(new BigDecimal("1.5")));
        assertThrows(IllegalArgumentException.class, () -> CanonicalJson.write(Thread.State.NEW));
        assertThrows(IllegalArgumentException.class, () -> CanonicalJson.write(Map.of(1, "x")));
        Map<String, Object> nullKey = new HashMap<>();
        nullKey.put(null, 1);
        assertThrows(IllegalArgumentException.class, () -> CanonicalJson.write(nullKey));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CanonicalJson.write(Map.of("a", List.of(1, Map.of("b c", new Object())))));
        assertTrue(e.getMessage().contains("java.lang.Object"), e.getMessage());
        assertTrue(e.getMessage().contains("$.a[1]['b c']"), e.getMessage());
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
                () -> CanonicalJson.object().put("k", 1).put("k", 2).toBytes());
        assertTrue(dup.getMessage().contains("duplicate key \"k\""), dup.getMessage());
    }

    @Example
    void aCycleIsAnErrorNotAStackOverflow() {
        List<Object> loop = new ArrayList<>();
        loop.add(loop);
        assertThrows(IllegalArgumentException.class, () -> CanonicalJson.write(loop));
    }

    @Example
    void bytesAreStandardPaddedBase64() {
        assertEquals("[\"AQID\",\"\",\"+/8=\"]", json(List.of(new byte[] {1, 2, 3}, new byte[0], new byte[] {-5, -1})));
    }

    @Example
    void buildersWriteWhatTheEquivalentTreeWrites() {
        CanonicalJson.ObjectBuilder b = CanonicalJson.object()
                .put("seq", 42L).put("kind", "handoff").put("ok", true).put("sigma", 0.95)
                .put("nested", CanonicalJson.object().put("z", 1).put("y", CanonicalJson.array().add(1).add("two")))
                .putIfNotNull("absent", null).put("digest", new byte[] {9});
        Map<String, Object> tree = new TreeMap<>();
        tree.put("seq", 42L);
        tree.put("kind", "handoff");
        tree.put("ok", true);
        tree.put("sigma", 0.95);
        tree.put("nested", Map.of("z", 1, "y", List.of(1, "two")));
        tree.put("digest", new byte[] {9});
        assertArrayEquals(CanonicalJson.write(tree), b.toBytes());
        assertEquals("{\"digest\":\"CQ==\",\"kind\":\"handoff\",\"nested\":{\"y\":[1,\"two\"],\"z\":1},\"ok\":true,\"seq\":42,\"sigma\":0.95}",
                b.toString());
        // Still usable after writing.
        b.put("a", 0);
        assertTrue(b.toString().startsWith("{\"a\":0,"));
        assertEquals("[]", CanonicalJson.array().toString());
        assertEquals("{}", CanonicalJson.object().toString());
    }

    @Example
    void manyMembersAreSortedToo() {
        CanonicalJson.ObjectBuilder b = CanonicalJson.object();
        Map<String, Object> tree = new TreeMap<>();
        for (int i = 40; i > 0; i--) {
            b.put("k" + i, i);
            tree.put("k" + i, i);
        }
        assertArrayEquals(CanonicalJson.write(tree), b.toBytes());
    }

    @Example
    void parseReturnsPlainJavaValues() {
        Object v = CanonicalJson.parse(utf8("{\"a\":[1,12345678901234567890,1.5,\"s\",true,false,null],\"b\":{}}"));
        Map<?, ?> m = assertInstanceOf(Map.class, v);
        List<?> a = assertInstanceOf(List.class, m.get("a"));
        assertEquals(1L, a.get(0));
        assertEquals(new BigInteger("12345678901234567890"), a.get(1));
        assertEquals(1.5, a.get(2));
        assertEquals("s", a.get(3));
        assertEquals(Boolean.TRUE, a.get(4));
        assertEquals(Boolean.FALSE, a.get(5));
        assertNull(a.get(6));
        assertEquals(Map.of(), m.get("b"));
        assertNull(CanonicalJson.parse(utf8(" null ")));
    }

    @Example
    void parseRejectsMalformedInputWithItsPosition() {
        String[] bad = {"", "{", "[1,]", "{\"a\":1,\"a\":2}", "1 2", "{\"a\":1}x", "NaN", "[1e400]", "// c\n1",
            "'a'", "[01]", "\"\u0001\"", "{a:1}"};
        for (String b : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CanonicalJson.parse(utf8(b)),
                    "should reject " + b);
            assertTrue(e.getMessage().startsWith("malformed JSON"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> CanonicalJson.parse(new byte[] {'"', (byte) 0xff, '"'}));
    }

    @Example
    void isCanonical() {
        for (String ok : new String[] {"{}", "[]", "1", "-1", "0.5", "1e+21", "\"a\"", "{\"a\":[1,{\"b\":null}],\"c\":\"\\n\"}"}) {
            assertTrue(CanonicalJson.isCanonical(utf8(ok)), ok);
        }
        for (String no : new String[] {"{ }", "{\"b\":1,\"a\":2}", "1.0", "-0", "1E2", "\"\\u0041\"", "\"\\/\"",
            "[1, 2]", "1e21", "0.50", "\"\\u000A\"", "{\"a\":1,\"a\":1}", "", "x"}) {
            assertFalse(CanonicalJson.isCanonical(utf8(no)), no);
        }
    }

    // ---- properties over random trees ----

    @Property(tries = 500)
    void writtenTreesAreCanonicalAndSurviveAParseRoundTrip(@ForAll("trees") Object tree) {
        byte[] bytes = CanonicalJson.write(tree);
        assertTrue(CanonicalJson.isCanonical(bytes), new String(bytes, StandardCharsets.UTF_8));
        assertArrayEquals(bytes, CanonicalJson.write(CanonicalJson.parse(bytes)));
    }

    @Property(tries = 300)
    void keyOrderDoesNotDependOnInsertionOrder(@ForAll("maps") Map<String, Object> m) {
        Map<String, Object> reversed = new LinkedHashMap<>();
        List<String> keys = new ArrayList<>(m.keySet());
        java.util.Collections.reverse(keys);
        for (String k : keys) {
            reversed.put(k, m.get(k));
        }
        assertArrayEquals(CanonicalJson.write(m), CanonicalJson.write(reversed));
    }

    @Provide
    Arbitrary<Object> trees() {
        return tree(3);
    }

    @Provide
    Arbitrary<Map<String, Object>> maps() {
        return Arbitraries.maps(Arbitraries.strings().ofMaxLength(6), tree(1)).ofMaxSize(8);
    }

    private static Arbitrary<Object> tree(int depth) {
        Arbitrary<Object> leaf = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(12).map(s -> (Object) s),
                Arbitraries.strings().all().ofMaxLength(4).map(s -> (Object) s),
                Arbitraries.longs().map(l -> (Object) l),
                Arbitraries.integers().map(i -> (Object) i),
                Arbitraries.bigIntegers().between(BigInteger.TEN.pow(30).negate(), BigInteger.TEN.pow(30)).map(b -> (Object) b),
                Arbitraries.doubles().map(d -> (Object) d),
                Arbitraries.of(true, false).map(b -> (Object) b),
                Arbitraries.just(null),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(8).map(b -> (Object) b));
        if (depth == 0) {
            return leaf;
        }
        Arbitrary<Object> lists = tree(depth - 1).list().ofMaxSize(4).map(l -> (Object) l);
        Arbitrary<Object> objects = Arbitraries.maps(Arbitraries.strings().all().ofMaxLength(5)
                        .filter(k -> k.chars().noneMatch(c -> Character.isSurrogate((char) c))), tree(depth - 1))
                .ofMaxSize(4).map(m -> (Object) m);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, leaf), net.jqwik.api.Tuple.of(1, lists), net.jqwik.api.Tuple.of(1, objects));
    }
}
