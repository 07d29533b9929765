package org.agenthypervisor.core.encoding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class PayloadEncoderTest {

    // ---- application-like types ----

    enum Tier {
        GOLD, SILVER {
            @Override
            public String toString() {
                return "silver (with a body)";
            }
        }
    }

    record Money(String currency, long cents) {}

    record Line(String sku, int qty, long cents, double weight, float ratio) {}

    record Order(String id, List<Line> lines, Map<String, Line> byId, Map<Integer, String> labels, Tier tier,
            byte[] blob, boolean rush, Customer owner) {}

    record Rich(Set<String> tags, Optional<String> note, Optional<Money> price, Instant at, LocalDate day,
            Duration ttl, ZonedDateTime when, BigDecimal rate, BigInteger big, UUID uuid, URI uri, char initial,
            Map<Tier, List<Integer>> perTier, SortedSet<Long> sorted, OptionalInt maybe, double nan, Money[] history,
            ZoneId zone) {}

    /** A classic bean: getters, setters, an is-getter, a public field. */
    public static class Customer {
        private String name;
        private int age;
        private boolean vip;
        public String email;

        public Customer() {}

        Customer(String name, int age, boolean vip, String email) {
            this.name = name;
            this.age = age;
            this.vip = vip;
            this.email = email;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public int getAge() {
            return age;
        }

        public void setAge(int age) {
            this.age = age;
        }

        public boolean isVip() {
            return vip;
        }

        public void setVip(boolean vip) {
            this.vip = vip;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Customer && java.util.Objects.equals(name, ((Customer) o).name) && age == ((Customer) o).age
                    && vip == ((Customer) o).vip && java.util.Objects.equals(email, ((Customer) o).email);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(name, age, vip, email);
        }
    }

    public static class ThrowingGetter {
        public String getOk() {
            return "fine";
        }

        public String getBoom() {
            throw new IllegalStateException("lazy initialization failed");
        }
    }

    public static class Node {
        public String name;
        public Node next;

        Node(String name) {
            this.name = name;
        }
    }

    /** Looks like data (it has a getter) but is a resource. */
    public static class FakeConnection implements AutoCloseable {
        public String getUrl() {
            return "jdbc:fake";
        }

        @Override
        public void close() {}
    }

    public interface Shape {
        String getName();
    }

    static final class Stateless {}

    private static String json(Object v) {
        return PayloadEncoder.encode(v).jsonString();
    }

    // ---- plain trees and the reference encoders ----

    @Property(tries = 300)
    void plainTreesEncodeExactlyAsCanonicalJson(@ForAll("trees") Object tree) {
        PayloadEncoder.Encoded e = PayloadEncoder.encode(tree);
        assertTrue(e.complete());
        assertArrayEquals(CanonicalJson.write(tree), e.json());
    }

    @Provide
    Arbitrary<Object> trees() {
        return new CanonicalJsonTest().trees();
    }

    private static final ObjectMapper JACKSON = JsonMapper.builder().disable(MapperFeature.USE_ANNOTATIONS).build();

    /** Jackson databind's own view of the value (valueToTree), written canonically. */
    private static byte[] viaJackson(Object value) {
        return CanonicalJson.write(plain(JACKSON.valueToTree(value)));
    }

    private static Object plain(JsonNode n) {
        try {
            if (n.isObject()) {
                Map<String, Object> m = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> e : n.properties()) {
                    m.put(e.getKey(), plain(e.getValue()));
                }
                return m;
            }
            if (n.isArray()) {
                List<Object> l = new ArrayList<>();
                n.forEach(x -> l.add(plain(x)));
                return l;
            }
            if (n.isBinary()) {
                return n.binaryValue();
            }
            if (n.isIntegralNumber()) {
                return n.isBigInteger() ? n.bigIntegerValue() : (Object) n.longValue();
            }
            if (n.isFloatingPointNumber()) {
                return n.doubleValue();
            }
            if (n.isBoolean()) {
                return n.booleanValue();
            }
            if (n.isNull()) {
                return null;
            }
            return n.textValue();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Property(tries = 200)
    void recordsAndBeansEncodeAsJacksonDatabindSeesThem(@ForAll("orders") Order order) {
        PayloadEncoder.Encoded e = PayloadEncoder.encode(order);
        assertTrue(e.complete(), e.toString());
        assertArrayEquals(viaJackson(order), e.json(), e.jsonString());
    }

    @Property(tries = 200)
    void argumentsAreTheArrayOfTheSingleEncodings(@ForAll("orders") Order order, @ForAll("trees") Object tree) {
        Object[] args = {order, tree, null, Tier.SILVER};
        String expected = "[" + json(order) + "," + json(tree) + ",null," + json(Tier.SILVER) + "]";
        assertEquals(expected, PayloadEncoder.encodeArguments(args).jsonString());
    }

    @Property(tries = 200)
    void decodingGivesBackTheSameValue(@ForAll("orders") Order order) throws Exception {
        byte[] json = PayloadEncoder.encode(order).json();
        Order back = (Order) PayloadEncoder.decode(json, Order.class);
        assertArrayEquals(json, PayloadEncoder.encode(back).json());
        assertEquals(order.lines(), back.lines());
        assertEquals(order.byId(), back.byId());
        assertEquals(order.owner(), back.owner());
        assertArrayEquals(order.blob(), back.blob());
    }

    @Provide
    Arbitrary<Order> orders() {
        Arbitrary<String> text = Arbitraries.strings().ofMaxLength(8);
        Arbitrary<Line> line = Combinators.combine(text, Arbitraries.integers(), Arbitraries.longs(),
                Arbitraries.doubles(), Arbitraries.floats()).as(Line::new);
        Arbitrary<Customer> customer = Combinators.combine(text, Arbitraries.integers().between(0, 120),
                Arbitraries.of(true, false), text.injectNull(0.3)).as(Customer::new);
        return Combinators.combine(
                text,
                line.list().ofMaxSize(3),
                Arbitraries.maps(text, line).ofMaxSize(3),
                Arbitraries.maps(Arbitraries.integers(), text).ofMaxSize(3),
                Arbitraries.of(Tier.class),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(6),
                Arbitraries.of(true, false),
                customer.injectNull(0.2)).as(Order::new);
    }

    // ---- rules ----

    @Example
    void encodesTheUsualJavaValues() {
        Rich rich = rich();
        PayloadEncoder.Encoded e = PayloadEncoder.encode(rich);
        assertTrue(e.complete(), e.toString());
        assertEquals("{\"at\":\"2024-05-01T10:15:30Z\",\"big\":123456789012345678901234567890,\"day\":\"2024-05-01\","
                + "\"history\":[{\"cents\":5,\"currency\":\"EUR\"}],\"initial\":\"é\",\"maybe\":null,\"nan\":\"NaN\","
                + "\"note\":null,\"perTier\":{\"GOLD\":[1,2],\"SILVER\":[]},\"price\":{\"cents\":1999,\"currency\":\"EUR\"},"
                + "\"rate\":\"1.10\",\"sorted\":[100,20,3],\"tags\":[\"a\",\"b\",\"c\"],\"ttl\":\"PT1H30M\","
                + "\"uri\":\"https://example.com/a?b=c\",\"uuid\":\"123e4567-e89b-12d3-a456-426614174000\","
                + "\"when\":\"2024-05-01T12:15:30+02:00[Europe/Paris]\",\"zone\":\"Europe/Paris\"}", e.jsonString());
        assertTrue(CanonicalJson.isCanonical(e.json()));
    }

    static Rich rich() {
        Map<Tier, List<Integer>> perTier = new HashMap<>();
        perTier.put(Tier.SILVER, List.of());
        perTier.put(Tier.GOLD, List.of(1, 2));
        return new Rich(new HashSet<>(List.of("c", "a", "b")), Optional.empty(), Optional.of(new Money("EUR", 1999)),
                Instant.parse("2024-05-01T10:15:30Z"), LocalDate.of(2024, 5, 1), Duration.ofMinutes(90),
                ZonedDateTime.of(2024, 5, 1, 12, 15, 30, 0, ZoneId.of("Europe/Paris")), new BigDecimal("1.10"),
                new BigInteger("123456789012345678901234567890"), UUID.fromString("123e4567-e89b-12d3-a456-426614174000"),
                URI.create("https://example.com/a?b=c"), 'é', perTier, new TreeSet<>(List.of(100L, 3L, 20L)),
                OptionalInt.empty(), Double.NaN, new Money[] {new Money("EUR", 5)}, ZoneId.of("Europe/Paris"));
    }

    @Example
    void richValuesDecodeBack() {
        Rich rich = rich();
        byte[] json = PayloadEncoder.encode(rich).json();
        Rich back = (Rich) PayloadEncoder.decode(json, Rich.class);
        assertArrayEquals(json, PayloadEncoder.encode(back).json());
        assertEquals(rich.tags(), back.tags());
        assertEquals(rich.price(), back.price());
        assertEquals(rich.when(), back.when());
        assertEquals(rich.rate(), back.rate());
        assertEquals(rich.perTier(), back.perTier());
        assertTrue(Double.isNaN(back.nan()));
    }

    @Example
    void setsAndMapsDoNotDependOnTheirImplementationOrInsertionOrder() {
        List<String> items = List.of("delta", "alpha", "charlie", "bravo", "echo", "10", "9");
        assertEquals(json(new HashSet<>(items)), json(new TreeSet<>(items)));
        assertEquals(json(new HashSet<>(items)), json(new LinkedHashSet<>(items)));
        assertEquals(json(EnumSet.of(Tier.SILVER, Tier.GOLD)), json(new LinkedHashSet<>(List.of(Tier.SILVER, Tier.GOLD))));
        // Elements sort by their encoded bytes: 10 < 2 < 9 as text.
        assertEquals("[10,2,9]", json(new TreeSet<>(List.of(9, 10, 2))));
        Map<String, Integer> hash = new HashMap<>();
        Map<String, Integer> tree = new TreeMap<>();
        for (int i = 0; i < 50; i++) {
            hash.put("k" + i, i);
            tree.put("k" + i, i);
        }
        assertEquals(json(hash), json(tree));
        // Map keys are sorted as strings, whatever their type.
        assertEquals("{\"1\":\"a\",\"10\":\"c\",\"2\":\"b\"}", json(new TreeMap<>(Map.of(1, "a", 2, "b", 10, "c"))));
    }

    @Example
    void numbersFollowTheCanonicalRules() {
        assertEquals("[1,0.1,0.10000000149011612,\"Infinity\",\"-Infinity\",1e+21,\"0.10\",255,\"x\",true]",
                json(new Object[] {1.0, 0.1, 0.1f, Double.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e21,
                    new BigDecimal("0.10"), (short) 255, 'x', new java.util.concurrent.atomic.AtomicBoolean(true)}));
        assertEquals("[1,2,3]", json(new int[] {1, 2, 3}));
        assertEquals("\"abc\"", json(new char[] {'a', 'b', 'c'}));
        assertEquals("\"AQI=\"", json(new byte[] {1, 2}));
        assertEquals("[0.5,\"NaN\"]", json(new double[] {0.5, Double.NaN}));
        assertEquals("\"built\"", json(new StringBuilder("built")));
        assertEquals("built", PayloadEncoder.decode(PayloadEncoder.encode(new StringBuilder("built")).json(),
                StringBuilder.class).toString());
    }

    // ---- what cannot be encoded ----

    @Example
    void resourcesLambdasProxiesAndJdkInternalsAreMarkedNeverThrown() {
        Runnable lambda = () -> {};
        Shape proxy = (Shape) Proxy.newProxyInstance(Shape.class.getClassLoader(), new Class<?>[] {Shape.class},
                (p, m, a) -> {
                    throw new AssertionError("the handler must never run");
                });
        Object[] values = {Thread.currentThread(), lambda, proxy, new FakeConnection(), new Object(), new Stateless(),
            new ReentrantLock(), String.class, getClass().getClassLoader(), Map.entry("k", "v"), new java.util.zip.CRC32()};
        for (Object v : values) {
            PayloadEncoder.Encoded e = PayloadEncoder.encode(v);
            assertFalse(e.complete(), v.getClass().getName());
            assertEquals(List.of("$"), e.unencodablePaths());
            assertTrue(e.jsonString().startsWith("{\"$unencodable\":\""), e.jsonString());
        }
        String lambdaMarker = json(lambda);
        assertTrue(lambdaMarker.endsWith("$$Lambda\"}"), "no per-run suffix in " + lambdaMarker);
        assertEquals("{\"$unencodable\":\"java.lang.reflect.Proxy\"}", json(proxy));
        assertEquals("{\"$unencodable\":\"java.lang.Thread\"}", json(Thread.currentThread()));
    }

    @Example
    void aThrowingGetterLosesOnlyItsProperty() {
        PayloadEncoder.Encoded e = PayloadEncoder.encode(List.of(new ThrowingGetter()));
        assertEquals("[{\"boom\":{\"$unencodable\":\"java.lang.String\"},\"ok\":\"fine\"}]", e.jsonString());
        assertEquals(List.of("$[0].boom"), e.unencodablePaths());
    }

    @Example
    void cyclesAreCutWhereTheyCloseAndSharedValuesAreNot() {
        Node a = new Node("a");
        Node b = new Node("b");
        a.next = b;
        b.next = a;
        PayloadEncoder.Encoded e = PayloadEncoder.encode(a);
        String node = Node.class.getName();
        assertEquals("{\"name\":\"a\",\"next\":{\"name\":\"b\",\"next\":{\"$unencodable\":\"" + node + "\"}}}", e.jsonString());
        assertEquals(List.of("$.next.next"), e.unencodablePaths());

        List<Object> self = new ArrayList<>();
        self.add("x");
        self.add(self);
        assertEquals(List.of("$[1]"), PayloadEncoder.encode(self).unencodablePaths());

        Money shared = new Money("EUR", 1);
        assertTrue(PayloadEncoder.encode(List.of(shared, shared)).complete(), "a DAG is not a cycle");
    }

    @Example
    void tooDeepNestingIsCut() {
        List<Object> root = new ArrayList<>();
        List<Object> current = root;
        for (int i = 0; i < 300; i++) {
            List<Object> next = new ArrayList<>();
            current.add(next);
            current = next;
        }
        PayloadEncoder.Encoded e = PayloadEncoder.encode(root);
        assertFalse(e.complete());
        assertEquals(1, e.unencodablePaths().size());
        assertEquals(1 + 3 * Walker.MAX_DEPTH, e.unencodablePaths().get(0).length());
        assertTrue(CanonicalJson.isCanonical(e.json()));
    }

    @Example
    void mapsWithKeysThatHaveNoStringFormAreMarked() {
        Map<Object, String> recordKeys = new HashMap<>();
        recordKeys.put(new Money("EUR", 1), "x");
        Map<Object, String> clash = new HashMap<>();
        clash.put(1, "int");
        clash.put("1", "string");
        Map<String, String> nullKey = new HashMap<>();
        nullKey.put(null, "x");
        for (Map<?, ?> m : List.of(recordKeys, clash, nullKey, Map.of("bad\uD800", 1))) {
            PayloadEncoder.Encoded e = PayloadEncoder.encode(Map.of("m", m));
            assertEquals(List.of("$.m"), e.unencodablePaths(), e.toString());
            assertTrue(CanonicalJson.isCanonical(e.json()));
        }
    }

    @Example
    void pathsInsideSetsUseTheSortedPosition() {
        Set<Object> set = new LinkedHashSet<>();
        set.add(Thread.currentThread()); // {"$unencodable":... sorts after the strings (0x7b > 0x22)
        set.add("b");
        set.add("a");
        PayloadEncoder.Encoded e = PayloadEncoder.encodeArguments(new Object[] {"first", set});
        assertEquals("[\"first\",[\"a\",\"b\",{\"$unencodable\":\"java.lang.Thread\"}]]", e.jsonString());
        assertEquals(List.of("$[1][2]"), e.unencodablePaths());
        Set<Object> nested = new HashSet<>();
        nested.add(List.of(new ThrowingGetter()));
        nested.add(List.of(0));
        assertEquals(List.of("$[1][0].boom"), PayloadEncoder.encode(nested).unencodablePaths());
    }

    @Example
    void aCollectionThatFailsWhileIteratedBecomesOneMarker() {
        List<Object> failing = new AbstractList<>() {
            @Override
            public Object get(int index) {
                if (index == 2) {
                    throw new java.util.ConcurrentModificationException();
                }
                return index == 1 ? Thread.currentThread() : "ok";
            }

            @Override
            public int size() {
                return 3;
            }
        };
        PayloadEncoder.Encoded e = PayloadEncoder.encode(Map.of("list", failing, "z", 1));
        assertEquals("{\"list\":{\"$unencodable\":\"" + failing.getClass().getName() + "\"},\"z\":1}", e.jsonString());
        assertEquals(List.of("$.list"), e.unencodablePaths(), "the inner marker's path is dropped with the list");
    }

    @Example
    void argumentsReportEveryUnencodablePath() {
        PayloadEncoder.Encoded e = PayloadEncoder.encodeArguments(new Object[] {Thread.currentThread(), "x",
            Map.of("key with space", new Object())});
        assertEquals(List.of("$[0]", "$[2]['key with space']"), e.unencodablePaths());
        assertEquals("[]", PayloadEncoder.encodeArguments(null).jsonString());
        assertTrue(PayloadEncoder.encodeArguments(new Object[0]).complete());
    }

    @Example
    void encodedIsAValueWithItsDigest() throws Exception {
        PayloadEncoder.Encoded e = PayloadEncoder.encode(new Money("EUR", 10));
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(e.jsonString().getBytes(StandardCharsets.UTF_8)), e.sha256());
        e.json()[0] = 'X';
        assertEquals("{\"cents\":10,\"currency\":\"EUR\"}", e.jsonString());
        assertEquals(e, PayloadEncoder.encode(new Money("EUR", 10)));
        assertEquals(e.hashCode(), PayloadEncoder.encode(new Money("EUR", 10)).hashCode());
    }

    // ---- decoding ----

    static void target(List<Money> a, Map<Tier, Set<Integer>> b, int c, Optional<Instant> d, char e, long[] f,
            Customer g, Map<LocalDate, Duration> h, Object i) {}

    @Example
    void argumentsDecodeFromGenericParameterTypes() throws Exception {
        Method m = PayloadEncoderTest.class.getDeclaredMethod("target", List.class, Map.class, int.class, Optional.class,
                char.class, long[].class, Customer.class, Map.class, Object.class);
        Object[] args = {List.of(new Money("EUR", 1)), Map.of(Tier.GOLD, Set.of(3, 1)), 42,
            Optional.of(Instant.ofEpochSecond(5)), 'q', new long[] {7, 8}, new Customer("ann", 30, true, null),
            Map.of(LocalDate.of(2024, 1, 2), Duration.ofSeconds(3)), Map.of("free", List.of(1, "two"))};
        byte[] json = PayloadEncoder.encodeArguments(args).json();
        Object[] back = PayloadEncoder.decodeArguments(json, m.getGenericParameterTypes());
        assertEquals(args[0], back[0]);
        assertEquals(args[1], back[1]);
        assertEquals(42, back[2]);
        assertEquals(args[3], back[3]);
        assertEquals('q', back[4]);
        assertArrayEquals((long[]) args[5], (long[]) back[5]);
        assertEquals(args[6], back[6]);
        assertEquals(args[7], back[7]);
        assertEquals(Map.of("free", List.of(1, "two")), back[8], "an Object parameter gets plain JSON values");
        assertArrayEquals(json, PayloadEncoder.encodeArguments(back).json());
    }

    @Example
    void decodingFailuresAreClear() throws Exception {
        Type[] one = {Money.class};
        assertDecodeFails("not encodable", () -> PayloadEncoder.decodeArguments(
                PayloadEncoder.encodeArguments(new Object[] {Thread.currentThread()}).json(), one), "java.lang.Thread", "$[0]");
        assertDecodeFails("count", () -> PayloadEncoder.decodeArguments("[1,2]".getBytes(StandardCharsets.UTF_8), one),
                "2 values for 1 parameters");
        assertDecodeFails("not an array", () -> PayloadEncoder.decodeArguments("{}".getBytes(StandardCharsets.UTF_8), one),
                "array");
        assertDecodeFails("malformed", () -> PayloadEncoder.decode("{".getBytes(StandardCharsets.UTF_8), Money.class),
                "malformed JSON");
        assertDecodeFails("interface", () -> PayloadEncoder.decode("{\"name\":\"x\"}".getBytes(StandardCharsets.UTF_8),
                Shape.class), "the value", "Shape");
        assertDecodeFails("unknown property", () -> PayloadEncoder.decode(
                "{\"cents\":1,\"currency\":\"EUR\",\"extra\":0}".getBytes(StandardCharsets.UTF_8), Money.class), "extra");
        assertDecodeFails("null primitive", () -> PayloadEncoder.decode("null".getBytes(StandardCharsets.UTF_8), int.class), "int");
        assertDecodeFails("fraction into int", () -> PayloadEncoder.decode("1.5".getBytes(StandardCharsets.UTF_8), int.class), "int");
        assertDecodeFails("number for enum", () -> PayloadEncoder.decode("0".getBytes(StandardCharsets.UTF_8), Tier.class), "Tier");
        assertDecodeFails("bad time", () -> PayloadEncoder.decode("\"yesterday\"".getBytes(StandardCharsets.UTF_8), Instant.class),
                "Instant");
        assertDecodeFails("trailing", () -> PayloadEncoder.decode("1 2".getBytes(StandardCharsets.UTF_8), int.class), "more than one");
    }

    private static void assertDecodeFails(String what, org.junit.jupiter.api.function.Executable call, String... fragments) {
        PayloadDecodingException e = assertThrows(PayloadDecodingException.class, call, what);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), what + ": \"" + f + "\" not in: " + e.getMessage());
        }
    }

    @Example
    void singleValuesDecode() {
        assertEquals("héllo", PayloadEncoder.decode(PayloadEncoder.encode("héllo").json(), String.class));
        assertEquals(Tier.SILVER, PayloadEncoder.decode(PayloadEncoder.encode(Tier.SILVER).json(), Tier.class));
        assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) PayloadEncoder.decode(PayloadEncoder.encode(new byte[] {1, 2, 3}).json(), byte[].class));
        assertEquals(Optional.empty(), PayloadEncoder.decode("null".getBytes(StandardCharsets.UTF_8), Optional.class));
        assertEquals(Arrays.asList(1L, null), PayloadEncoder.decode("[1,null]".getBytes(StandardCharsets.UTF_8),
                new com.fasterxml.jackson.core.type.TypeReference<List<Long>>() {}.getType()));
        assertEquals(Double.NEGATIVE_INFINITY, PayloadEncoder.decode(PayloadEncoder.encode(Double.NEGATIVE_INFINITY).json(), double.class));
    }
}
