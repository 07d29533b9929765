package org.agenthypervisor.core.encoding;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Canonical JSON for the hypervisor's own records (audit records, vouches, journal records): one
 * value, one byte sequence, so records can be hashed and signed and re-verified by anyone.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>No whitespace anywhere.</li>
 *   <li>Object members sorted by key with {@link String#compareTo} (UTF-16 code units, the order of
 *   RFC 8785); duplicate keys are an error.</li>
 *   <li>Strings in UTF-8. Escaped: {@code "} and {@code \} with a backslash; U+0008, U+0009, U+000A,
 *   U+000C, U+000D as {@code \b \t \n \f \r}; the rest of U+0000..U+001F as {@code \}{@code u00xx}
 *   (lowercase hex). Everything else, including U+007F and non-ASCII, is written as itself. An
 *   unpaired surrogate (a Java string can hold one; UTF-8 cannot) is written as a lowercase
 *   {@code \}{@code uxxxx} escape in a value and is an error in a key. This is RFC 8785's string
 *   form, which rejects unpaired surrogates.</li>
 *   <li>Integers ({@code Byte Short Integer Long BigInteger}) in plain decimal.</li>
 *   <li>{@code Double} and {@code Float} (taken as its exact double value): the shortest decimal that
 *   reads back as the same double, in ECMAScript/RFC 8785 layout ({@code 0.5}, {@code 1e+21},
 *   {@code 1e-7}); an integral double is written like an integer ({@code 1.0} → {@code 1}). The same
 *   text on every JDK: the digits come from exact {@code BigDecimal} arithmetic, never from
 *   {@code Double.toString}, which is not always shortest on JDK 17 and follows a different tie rule
 *   than ECMAScript on JDK 19+. NaN and the infinities are rejected.</li>
 *   <li>{@code byte[]} as a string in standard base64 with padding (RFC 4648 §4).</li>
 *   <li>{@code Boolean}, {@code null}; {@code Map<String, ?>} as an object; {@code List} and
 *   {@code Object[]} as arrays, in order. Anything else (including {@code BigDecimal}, sets, enums) is
 *   an error naming its path: callers convert explicitly, so nothing is encoded by accident.</li>
 * </ul>
 *
 * <p>For known fields, {@link #object()} avoids building a map:
 * {@code CanonicalJson.object().put("b", "x").put("a", 1).toBytes()} gives {@code {"a":1,"b":"x"}}.
 *
 * <p>{@link #parse} reads any JSON text (strictly: one value, no duplicate keys, no comments);
 * {@link #isCanonical} says whether bytes are exactly the canonical encoding of what they parse to.
 */
public final class CanonicalJson {
    /** Deeper nesting than this is an error (a cycle in a tree of maps would otherwise overflow the stack). */
    static final int MAX_DEPTH = 500;

    private CanonicalJson() {}

    /** The canonical encoding of {@code tree}; see the class comment for the accepted types. */
    public static byte[] write(Object tree) {
        JsonWriter out = new JsonWriter(128);
        writeValue(out, tree, 0);
        return out.toByteArray();
    }

    /** {@link #write(Object)} as a string. */
    public static String writeString(Object tree) {
        return new String(write(tree), StandardCharsets.UTF_8);
    }

    /** A builder for one JSON object whose members are sorted when it is written. */
    public static ObjectBuilder object() {
        return new ObjectBuilder();
    }

    /** A builder for one JSON array. */
    public static ArrayBuilder array() {
        return new ArrayBuilder();
    }

    /**
     * Encodes an object's members now, sorted by key, to be completed later with a few more members:
     * {@code prepare(m).with(k1, v1, k2, v2, k3, v3)} writes exactly what {@code write} writes for
     * {@code m} plus those three. It lets many producer threads do the encoding and leaves a single
     * writer thread only what it alone knows (the audit log's {@code seq} and {@code time}).
     *
     * @throws IllegalArgumentException as {@link #write} does, naming the member that cannot be written
     */
    public static Prepared prepare(Map<String, ?> members) {
        int n = members.size();
        String[] keys = new String[n];
        Object[] values = new Object[n];
        int i = 0;
        for (Map.Entry<String, ?> e : members.entrySet()) {
            if (e.getKey() == null) {
                throw new WriteException("object keys must not be null");
            }
            keys[i] = e.getKey();
            values[i] = e.getValue();
            i++;
        }
        sortByKey(keys, values, n);
        JsonWriter out = new JsonWriter(32 + n * 32);
        int[] offsets = new int[n + 1];
        for (int m = 0; m < n; m++) {
            offsets[m] = out.size();
            if (out.string(keys[m])) {
                throw new WriteException("object key \"" + keys[m] + "\" has an unpaired surrogate,"
                        + " which JSON parsers reject in keys");
            }
            out.raw(':');
            try {
                writeValue(out, values[m], 1);
            } catch (WriteException x) {
                throw x.under(memberPath("", keys[m]));
            }
        }
        offsets[n] = out.size();
        return new Prepared(keys, out.toByteArray(), offsets);
    }

    /** An object's members, encoded and sorted by {@link #prepare}, waiting for their last members. */
    public static final class Prepared {
        private final String[] keys;
        private final byte[] body;
        private final int[] offsets;

        private Prepared(String[] keys, byte[] body, int[] offsets) {
            this.keys = keys;
            this.body = body;
            this.offsets = offsets;
        }

        /**
         * The whole object: these members and three more, in canonical order.
         *
         * @throws IllegalArgumentException if a key is already a member, or a value cannot be written
         */
        public byte[] with(String key1, Object value1, String key2, Object value2, String key3, Object value3) {
            String[] extraKeys = {key1, key2, key3};
            Object[] extraValues = {value1, value2, value3};
            sortByKey(extraKeys, extraValues, 3);
            JsonWriter extra = new JsonWriter(96);
            int[] extraOffsets = new int[4];
            for (int i = 0; i < 3; i++) {
                extraOffsets[i] = extra.size();
                extra.string(extraKeys[i]);
                extra.raw(':');
                writeValue(extra, extraValues[i], 1);
            }
            extraOffsets[3] = extra.size();
            byte[] extraBytes = extra.toByteArray();
            JsonWriter out = new JsonWriter(body.length + extraBytes.length + keys.length + 8);
            out.raw('{');
            int i = 0;
            int j = 0;
            boolean first = true;
            while (i < keys.length || j < 3) {
                if (!first) {
                    out.raw(',');
                }
                first = false;
                int order = i == keys.length ? 1 : j == 3 ? -1 : keys[i].compareTo(extraKeys[j]);
                if (order == 0) {
                    throw new WriteException("duplicate key \"" + keys[i] + "\"");
                }
                if (order < 0) {
                    out.raw(body, offsets[i], offsets[i + 1] - offsets[i]);
                    i++;
                } else {
                    out.raw(extraBytes, extraOffsets[j], extraOffsets[j + 1] - extraOffsets[j]);
                    j++;
                }
            }
            out.raw('}');
            return out.toByteArray();
        }
    }

    static void writeValue(JsonWriter out, Object v, int depth) {
        if (depth > MAX_DEPTH) {
            throw new WriteException("nesting deeper than " + MAX_DEPTH + " (a cycle?)");
        }
        if (v == null) {
            out.nullValue();
        } else if (v instanceof String) {
            out.string((String) v);
        } else if (v instanceof Boolean) {
            out.bool((Boolean) v);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            out.number(((Number) v).longValue());
        } else if (v instanceof BigInteger) {
            out.number((BigInteger) v);
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (!Double.isFinite(d)) {
                throw new WriteException("cannot write " + d + ": JSON has no NaN or infinity");
            }
            out.number(d);
        } else if (v instanceof byte[]) {
            out.base64((byte[]) v);
        } else if (v instanceof Map) {
            writeMap(out, (Map<?, ?>) v, depth);
        } else if (v instanceof List) {
            List<?> list = (List<?>) v;
            out.raw('[');
            int i = 0;
            for (Object e : list) {
                if (i > 0) {
                    out.raw(',');
                }
                try {
                    writeValue(out, e, depth + 1);
                } catch (WriteException x) {
                    throw x.under("[" + i + "]");
                }
                i++;
            }
            out.raw(']');
        } else if (v instanceof Object[]) {
            writeValue(out, Arrays.asList((Object[]) v), depth);
        } else if (v instanceof ObjectBuilder) {
            ((ObjectBuilder) v).writeTo(out, depth);
        } else if (v instanceof ArrayBuilder) {
            writeValue(out, ((ArrayBuilder) v).values, depth);
        } else {
            throw new WriteException("cannot write a " + v.getClass().getName()
                    + ": canonical JSON takes Map<String, ?>, List, Object[], String, Boolean, Byte, Short,"
                    + " Integer, Long, BigInteger, Float, Double, byte[] and null");
        }
    }

    private static void writeMap(JsonWriter out, Map<?, ?> map, int depth) {
        int n = map.size();
        String[] keys = new String[n];
        Object[] values = new Object[n];
        int i = 0;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String)) {
                throw new WriteException("object keys must be strings, got "
                        + (e.getKey() == null ? "null" : "a " + e.getKey().getClass().getName()));
            }
            keys[i] = (String) e.getKey();
            values[i] = e.getValue();
            i++;
        }
        writeMembers(out, keys, values, i, depth);
    }

    /** Writes {@code n} members sorted by key; the arrays are reordered in place. */
    static void writeMembers(JsonWriter out, String[] keys, Object[] values, int n, int depth) {
        sortByKey(keys, values, n);
        out.raw('{');
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                out.raw(',');
            }
            if (out.string(keys[i])) {
                throw new WriteException("object key \"" + keys[i] + "\" has an unpaired surrogate,"
                        + " which JSON parsers reject in keys");
            }
            out.raw(':');
            try {
                writeValue(out, values[i], depth + 1);
            } catch (WriteException x) {
                throw x.under(memberPath("", keys[i]));
            }
        }
        out.raw('}');
    }

    /** Insertion sort for the usual handful of members, else an index sort; duplicates are an error. */
    private static void sortByKey(String[] keys, Object[] values, int n) {
        if (n <= 16) {
            for (int i = 1; i < n; i++) {
                String k = keys[i];
                Object v = values[i];
                int j = i - 1;
                while (j >= 0 && keys[j].compareTo(k) > 0) {
                    keys[j + 1] = keys[j];
                    values[j + 1] = values[j];
                    j--;
                }
                keys[j + 1] = k;
                values[j + 1] = v;
            }
        } else {
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> keys[a].compareTo(keys[b]));
            String[] k2 = new String[n];
            Object[] v2 = new Object[n];
            for (int i = 0; i < n; i++) {
                k2[i] = keys[order[i]];
                v2[i] = values[order[i]];
            }
            System.arraycopy(k2, 0, keys, 0, n);
            System.arraycopy(v2, 0, values, 0, n);
        }
        for (int i = 1; i < n; i++) {
            if (keys[i].equals(keys[i - 1])) {
                throw new WriteException("duplicate key \"" + keys[i] + "\"");
            }
        }
    }

    static String memberPath(String parent, String key) {
        boolean simple = !key.isEmpty() && Character.isJavaIdentifierStart(key.charAt(0));
        for (int i = 1; simple && i < key.length(); i++) {
            simple = Character.isJavaIdentifierPart(key.charAt(i));
        }
        return simple ? parent + "." + key
                : parent + "['" + key.replace("\\", "\\\\").replace("'", "\\'") + "']";
    }

    /**
     * A write error that collects the JSON path of the offending value while it propagates, so the
     * path costs nothing unless something fails.
     */
    private static final class WriteException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final String reason;
        private final StringBuilder path = new StringBuilder();

        WriteException(String reason) {
            super(reason);
            this.reason = reason;
        }

        WriteException under(String segment) {
            path.insert(0, segment);
            return this;
        }

        @Override
        public String getMessage() {
            return reason + " (at $" + path + ")";
        }
    }

    // ---------------------------------------------------------------- parsing

    /**
     * Parses one JSON value into {@code Map<String, Object>} (a {@link LinkedHashMap} in document
     * order), {@code List<Object>}, {@code String}, {@code Long} (integers that fit),
     * {@code BigInteger} (larger integers), {@code Double} (numbers with a fraction or exponent),
     * {@code Boolean} and {@code null}.
     *
     * @throws IllegalArgumentException if {@code json} is not exactly one well-formed JSON value in
     *     UTF-8, has a duplicate key, a number too large for a double, or nesting deeper than the
     *     writer accepts; the message says where
     */
    public static Object parse(byte[] json) {
        return JsonReader.read(json);
    }

    /**
     * Whether {@code json} is exactly the canonical encoding of the value it parses to. {@code false}
     * (never an exception) for malformed input.
     */
    public static boolean isCanonical(byte[] json) {
        try {
            return Arrays.equals(json, write(parse(json)));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- builders

    /**
     * Collects the members of one object and sorts them when written, so callers add fields in any
     * order without building a map. Not thread-safe. Values are any type {@link #write} accepts,
     * including other builders; a duplicate key is reported when the object is written.
     */
    public static final class ObjectBuilder {
        private String[] keys = new String[8];
        private Object[] values = new Object[8];
        private int size;

        private ObjectBuilder() {}

        public ObjectBuilder put(String key, Object value) {
            if (key == null) {
                throw new IllegalArgumentException("object keys must not be null");
            }
            if (size == keys.length) {
                keys = Arrays.copyOf(keys, size * 2);
                values = Arrays.copyOf(values, size * 2);
            }
            keys[size] = key;
            values[size] = value;
            size++;
            return this;
        }

        public ObjectBuilder put(String key, long value) {
            return put(key, (Object) value);
        }

        public ObjectBuilder put(String key, boolean value) {
            return put(key, (Object) value);
        }

        public ObjectBuilder put(String key, double value) {
            return put(key, (Object) value);
        }

        /** Adds the member only if {@code value} is not null (for optional fields). */
        public ObjectBuilder putIfNotNull(String key, Object value) {
            return value == null ? this : put(key, value);
        }

        /** The canonical bytes of the object built so far. */
        public byte[] toBytes() {
            JsonWriter out = new JsonWriter(32 + size * 24);
            writeTo(out, 0);
            return out.toByteArray();
        }

        void writeTo(JsonWriter out, int depth) {
            // Sort copies so the builder stays usable (and its insertion order intact) after writing.
            writeMembers(out, Arrays.copyOf(keys, size), Arrays.copyOf(values, size), size, depth);
        }

        /** The canonical JSON text. */
        @Override
        public String toString() {
            return new String(toBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Collects the elements of one array, in order. Not thread-safe. */
    public static final class ArrayBuilder {
        private final List<Object> values = new ArrayList<>();

        private ArrayBuilder() {}

        public ArrayBuilder add(Object value) {
            values.add(value);
            return this;
        }

        public ArrayBuilder add(long value) {
            return add((Object) value);
        }

        public ArrayBuilder add(boolean value) {
            return add((Object) value);
        }

        public ArrayBuilder add(double value) {
            return add((Object) value);
        }

        public byte[] toBytes() {
            return write(values);
        }

        @Override
        public String toString() {
            return new String(toBytes(), StandardCharsets.UTF_8);
        }
    }
}
