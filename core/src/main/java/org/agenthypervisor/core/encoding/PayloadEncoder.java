package org.agenthypervisor.core.encoding;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import org.agenthypervisor.core.crypto.Sha256;

import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The canonical encoding of arbitrary Java values that cross agent boundaries (call arguments,
 * return values, session values): hashed into every hand-off's vouch and journaled with every saga
 * step so the step can be compensated after a crash.
 *
 * <h2>Encoding</h2>
 * The output is {@link CanonicalJson} (sorted members, no whitespace, the same number and string
 * rules, identical bytes on every JDK), so {@code encode(tree)} equals {@code CanonicalJson.write(tree)}
 * for plain trees of maps, lists, strings, integers, finite doubles, booleans and byte arrays.
 * Beyond that:
 * <ul>
 *   <li>records: their components; other application classes: their properties as Jackson databind
 *   finds them (public getters, {@code isX} for booleans, public fields), with annotations ignored so
 *   the encoding is the same whether or not Jackson is relocated; members sorted by name;</li>
 *   <li>enums by {@code name()}; {@code Character}, {@code char[]} as strings; {@code byte[]} as
 *   standard padded base64; other arrays and lists in order; <b>sets sorted by the bytes of their
 *   elements' encodings</b> (their iteration order is not part of their value);</li>
 *   <li>maps as objects whose keys are strings, enum names, integers, booleans, characters, doubles
 *   (canonical), {@code BigDecimal}, UUID, URI, Locale, Currency, {@code java.time} values or dates
 *   (epoch milliseconds), converted to their string forms, members sorted;</li>
 *   <li>{@code Optional*} and {@code AtomicReference} as their value or null; {@code BigDecimal} as
 *   the string of {@code toString()} (exact, scale kept); non-finite doubles as the strings
 *   {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}; {@code java.time} values, UUID, URI, URL,
 *   Locale, Currency as {@code toString()} (ISO-8601 for time); {@code Date} as epoch milliseconds;
 *   {@code File} as its path and {@code Path} as its URI.</li>
 * </ul>
 *
 * <h2>What cannot be encoded</h2>
 * Encoding never throws because of the value. Whatever is not data (threads,
 * connections, streams, lambdas, proxies, other JDK internals, classes without properties), a getter
 * that throws, a reference cycle, nesting deeper than 100 levels, a map key without a
 * faithful string form, or a collection that fails while iterated, is written as
 * <code>{"$unencodable":"&lt;class name&gt;"}</code> (a stable class name: a lambda's run-specific
 * suffix is cut off), and {@link Encoded#complete()} is false with the JSON path of each marker in
 * {@link Encoded#unencodablePaths()}. Such a value is still hashed deterministically, but cannot be
 * rebuilt. Calling getters is the price of encoding application objects; a getter with side effects
 * has them here too.
 *
 * <h2>Decoding</h2>
 * {@link #decode} and {@link #decodeArguments} rebuild values from the encoding and the declared
 * (generic) parameter types with Jackson: records through their canonical constructors, other
 * classes through a no-argument constructor and setters, plus enums, collections, maps, arrays,
 * {@code byte[]}, primitives, {@code Optional} and {@code java.time} values. Never Java
 * serialization. What cannot be rebuilt fails with a {@link PayloadDecodingException}. Note that a
 * parameter declared as an interface or {@code Object} gets whatever Jackson makes of plain JSON
 * (maps, lists, strings, numbers), since no type information is written.
 *
 * <p>Thread-safe; per-class plans are computed once and cached.
 */
public final class PayloadEncoder {
    /** The member name of the marker that replaces an unencodable value. */
    public static final String UNENCODABLE = "$unencodable";

    private static final ThreadLocal<MessageDigest> SHA256 = new ThreadLocal<>();

    private PayloadEncoder() {}

    /**
     * An encoding.
     *
     * @param json canonical JSON (the accessor returns a copy)
     * @param complete false if some part was replaced by an unencodable marker
     * @param unencodablePaths the JSON paths of the markers, in document order (sets: final positions)
     */
    public record Encoded(byte[] json, boolean complete, List<String> unencodablePaths) {
        public Encoded {
            json = json.clone();
            unencodablePaths = List.copyOf(unencodablePaths);
        }

        @Override
        public byte[] json() {
            return json.clone();
        }

        /** SHA-256 of the JSON bytes: the payload digest of a hand-off. */
        public byte[] sha256() {
            return digest().digest(json);
        }

        /** The JSON as text. */
        public String jsonString() {
            return new String(json, StandardCharsets.UTF_8);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Encoded && Arrays.equals(json, ((Encoded) o).json) && complete == ((Encoded) o).complete
                    && unencodablePaths.equals(((Encoded) o).unencodablePaths);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(json) * 31 + unencodablePaths.hashCode();
        }

        @Override
        public String toString() {
            return "Encoded[" + jsonString() + (complete ? "]" : ", unencodable at " + unencodablePaths + "]");
        }
    }

    /** Encodes one value (see the class comment). Never throws because of the value. */
    public static Encoded encode(Object value) {
        Walker w = new Walker();
        w.value(value);
        return result(w);
    }

    /** Encodes call arguments as a JSON array, the i-th at path {@code $[i]}; null means no arguments. */
    public static Encoded encodeArguments(Object[] args) {
        Walker w = new Walker();
        w.arguments(args);
        return result(w);
    }

    private static Encoded result(Walker w) {
        List<String> paths = w.unencodablePaths();
        return new Encoded(w.out.toByteArray(), paths.isEmpty(), paths);
    }

    /**
     * The string a map key becomes, or null if it has none that decoding can read back (then the map
     * is unencodable).
     */
    static String keyString(Object key) {
        if (key == null) {
            return null;
        }
        if (key instanceof String) {
            return (String) key;
        }
        Plan plan = Plan.of(key.getClass());
        switch (plan.kind) {
            case CHARACTER:
            case BOOLEAN:
            case BIG_INTEGER:
            case TO_STRING:
                return key.toString();
            case INTEGER:
                return Long.toString(((Number) key).longValue());
            case FLOATING: {
                double d = ((Number) key).doubleValue();
                return Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity")
                        : JsonWriter.formatDouble(d);
            }
            case ENUM:
                return ((Enum<?>) key).name();
            case DATE:
                return Long.toString(((java.util.Date) key).getTime());
            default:
                return null;
        }
    }

    // ---------------------------------------------------------------- decoding

    /**
     * Rebuilds a value of {@code type} (a {@link Class} or a generic {@link Type} such as a method's
     * {@code getGenericParameterTypes()[i]}) from its encoding.
     *
     * @throws PayloadDecodingException if it cannot
     */
    public static Object decode(byte[] json, Type type) {
        JsonNode tree = readTree(json);
        return decodeNode(tree, type, "$", "the value");
    }

    /**
     * Rebuilds call arguments from {@link #encodeArguments}'s encoding and the method's generic
     * parameter types.
     *
     * @throws PayloadDecodingException if the JSON is not an array of as many values as there are
     *     types, or an argument cannot be rebuilt
     */
    public static Object[] decodeArguments(byte[] json, Type[] parameterTypes) {
        JsonNode tree = readTree(json);
        if (!(tree instanceof ArrayNode)) {
            throw new PayloadDecodingException("encoded arguments must be a JSON array, got " + tree.getNodeType(), null);
        }
        if (tree.size() != parameterTypes.length) {
            throw new PayloadDecodingException("encoded arguments hold " + tree.size() + " values for "
                    + parameterTypes.length + " parameters", null);
        }
        Object[] args = new Object[parameterTypes.length];
        for (int i = 0; i < args.length; i++) {
            args[i] = decodeNode(tree.get(i), parameterTypes[i], "$[" + i + "]", "argument " + i);
        }
        return args;
    }

    private static JsonNode readTree(byte[] json) {
        try (JsonParser p = Decoding.MAPPER.createParser(json)) {
            JsonNode tree = Decoding.MAPPER.readTree(p);
            if (tree == null || tree.isMissingNode()) {
                throw new PayloadDecodingException("no JSON value to decode", null);
            }
            if (p.nextToken() != null) {
                throw new PayloadDecodingException("more than one JSON value to decode", null);
            }
            return tree;
        } catch (JsonProcessingException e) {
            throw new PayloadDecodingException("malformed JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new PayloadDecodingException("cannot read JSON: " + e.getMessage(), e);
        }
    }

    private static Object decodeNode(JsonNode node, Type type, String path, String what) {
        String marker = findMarker(node, path);
        if (marker != null) {
            throw new PayloadDecodingException(what + " cannot be rebuilt: it was not encodable (" + marker + ")", null);
        }
        JavaType javaType;
        try {
            javaType = Decoding.type(type);
        } catch (IllegalArgumentException e) {
            throw new PayloadDecodingException(what + ": unsupported type " + type.getTypeName() + ": " + e.getMessage(), e);
        }
        try {
            return Decoding.MAPPER.readerFor(javaType).readValue(node);
        } catch (IOException | RuntimeException e) {
            String why = e instanceof JsonProcessingException ? ((JsonProcessingException) e).getOriginalMessage() : e.toString();
            throw new PayloadDecodingException("cannot decode " + what + " as " + type.getTypeName() + ": " + why, e);
        }
    }

    /** The first unencodable marker in the tree: "class at path", or null. */
    private static String findMarker(JsonNode node, String path) {
        if (node.isObject()) {
            if (node.size() == 1 && node.get(UNENCODABLE) != null && node.get(UNENCODABLE).isTextual()) {
                return node.get(UNENCODABLE).asText() + " at " + path;
            }
            for (Map.Entry<String, JsonNode> f : node.properties()) {
                String found = findMarker(f.getValue(), CanonicalJson.memberPath(path, f.getKey()));
                if (found != null) {
                    return found;
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String found = findMarker(node.get(i), path + "[" + i + "]");
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /** This thread's digest, the JDK's once {@link Sha256} moves to it. */
    private static MessageDigest digest() {
        MessageDigest kept = SHA256.get();
        MessageDigest current = kept == null ? Sha256.newDigest() : Sha256.current(kept);
        if (current != kept) {
            SHA256.set(current);
        }
        return current;
    }
}
