package org.agenthypervisor.core.saga;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes one journal record as canonical JSON ({@link org.agenthypervisor.core.encoding.CanonicalJson}'s
 * rules: members sorted by key, no whitespace, the same string escapes), with one addition the
 * general writer does not offer: a member whose value is already canonical JSON (the encoded
 * arguments and result of a step) is copied in as it is instead of being parsed and written again.
 * Canonical JSON nested in canonical JSON is canonical, so the record stays canonical; the unit
 * tests check every record type with {@code CanonicalJson.isCanonical}.
 *
 * <p>Built for the step path: no maps, no boxing, one byte array per record. Not thread-safe.
 */
final class JournalJson {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private String[] keys = new String[16];
    /** String, {@link #LONG} (the number is in {@link #longs}), Boolean, {@link Raw} or {@link Repeated}. */
    private Object[] values = new Object[16];
    private long[] longs = new long[16];
    private int size;

    /** A value that is already canonical JSON. */
    private record Raw(byte[] json) {
    }

    private static final Object LONG = new Object();

    /**
     * A record with the members every record has. Builders add the other members in key order where
     * they can: a member added in order costs one comparison.
     */
    static JournalJson record(String type, String saga, long time) {
        return new JournalJson().put("saga", saga).put("time", time).putRepeated("type", type);
    }

    JournalJson put(String key, String value) {
        return add(key, value, 0);
    }

    JournalJson put(String key, long value) {
        return add(key, LONG, value);
    }

    JournalJson put(String key, boolean value) {
        return add(key, value ? Boolean.TRUE : Boolean.FALSE, 0);
    }

    /**
     * Like {@link #put(String, String)} for a value that recurs as the same instance on every call
     * (names taken from the site binding): its encoding is cached by identity.
     */
    JournalJson putRepeated(String key, String value) {
        return add(key, value == null ? null : new Repeated(value), 0);
    }

    /** Adds {@code json}, which must be one canonical JSON value (or null for JSON null). */
    JournalJson putRaw(String key, byte[] json) {
        return add(key, json == null ? null : new Raw(json), 0);
    }

    private JournalJson add(String key, Object value, long number) {
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, size * 2);
            values = Arrays.copyOf(values, size * 2);
            longs = Arrays.copyOf(longs, size * 2);
        }
        // Insertion in key order: records have a dozen members, so this is cheaper than sorting later.
        int i = size;
        while (i > 0 && keys[i - 1].compareTo(key) > 0) {
            keys[i] = keys[i - 1];
            values[i] = values[i - 1];
            longs[i] = longs[i - 1];
            i--;
        }
        if (i > 0 && keys[i - 1].equals(key)) {
            throw new IllegalArgumentException("duplicate key \"" + key + "\" in a journal record");
        }
        keys[i] = key;
        values[i] = value;
        longs[i] = number;
        size++;
        return this;
    }

    byte[] toBytes() {
        int estimate = 2;
        for (int i = 0; i < size; i++) {
            Object v = values[i];
            estimate += keys[i].length() + 4 + (v instanceof String ? ((String) v).length() + 2
                    : v instanceof Raw ? ((Raw) v).json.length : v instanceof Repeated ? ((Repeated) v).s.length() + 2 : 20);
        }
        Buffer out = new Buffer(estimate);
        out.add((byte) '{');
        for (int i = 0; i < size; i++) {
            if (i > 0) {
                out.add((byte) ',');
            }
            out.bytes(cached(keys[i], KEY_CACHE, true));
            Object v = values[i];
            if (v == null) {
                out.ascii("null");
            } else if (v == LONG) {
                out.number(longs[i]);
            } else if (v instanceof String) {
                string(out, (String) v);
            } else if (v instanceof Repeated) {
                out.bytes(cached(((Repeated) v).s, VALUE_CACHE, false));
            } else if (v instanceof Boolean) {
                out.ascii(((Boolean) v) ? "true" : "false");
            } else {
                out.bytes(((Raw) v).json);
            }
        }
        out.add((byte) '}');
        return out.toArray();
    }

    /** A string value that recurs from call to call as the same instance (a method's name, an agent id). */
    private record Repeated(String s) {
    }

    /** One entry of a direct-mapped identity cache of encodings; immutable, so the racy cache is safe. */
    private record Cached(String s, byte[] json) {
    }

    private static final int CACHE_MASK = 1023;
    /** {@code "key":} of member names (constants). */
    private static final Cached[] KEY_CACHE = new Cached[CACHE_MASK + 1];
    /** {@code "value"} of {@link #putRepeated} values. */
    private static final Cached[] VALUE_CACHE = new Cached[CACHE_MASK + 1];

    /**
     * The encoding of a string that is usually the same instance as last time: looked up by identity,
     * so a hit costs an identity hash and a compare; a miss (or a collision) encodes it and takes the slot.
     */
    private static byte[] cached(String s, Cached[] cache, boolean key) {
        int slot = System.identityHashCode(s) & CACHE_MASK;
        Cached c = cache[slot];
        if (c != null && c.s == s) {
            return c.json;
        }
        Buffer b = new Buffer(s.length() + 3);
        string(b, s);
        if (key) {
            b.add((byte) ':');
        }
        byte[] json = b.toArray();
        cache[slot] = new Cached(s, json);
        return json;
    }

    /** A JSON string with CanonicalJson's escapes (RFC 8785's form; an unpaired surrogate as an escape). */
    @SuppressWarnings("deprecation")
    static void string(Buffer out, String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                escaped(out, s);
                return;
            }
        }
        // Printable ASCII with nothing to escape, the usual case: one bulk copy of the (low) bytes.
        out.ensure(n + 2);
        out.b[out.n++] = '"';
        s.getBytes(0, n, out.b, out.n);
        out.n += n;
        out.b[out.n++] = '"';
    }

    private static void escaped(Buffer out, String s) {
        out.add((byte) '"');
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x80) {
                if (c == '"' || c == '\\') {
                    out.add((byte) '\\');
                }
                out.add((byte) c);
            } else if (c < 0x20) {
                switch (c) {
                    case '\b' -> out.ascii("\\b");
                    case '\t' -> out.ascii("\\t");
                    case '\n' -> out.ascii("\\n");
                    case '\f' -> out.ascii("\\f");
                    case '\r' -> out.ascii("\\r");
                    default -> unicodeEscape(out, c);
                }
            } else if (c < 0x800) {
                out.add((byte) (0xc0 | (c >> 6)));
                out.add((byte) (0x80 | (c & 0x3f)));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out.add((byte) (0xf0 | (cp >> 18)));
                out.add((byte) (0x80 | ((cp >> 12) & 0x3f)));
                out.add((byte) (0x80 | ((cp >> 6) & 0x3f)));
                out.add((byte) (0x80 | (cp & 0x3f)));
            } else if (Character.isSurrogate(c)) {
                unicodeEscape(out, c);
            } else {
                out.add((byte) (0xe0 | (c >> 12)));
                out.add((byte) (0x80 | ((c >> 6) & 0x3f)));
                out.add((byte) (0x80 | (c & 0x3f)));
            }
        }
        out.add((byte) '"');
    }

    private static void unicodeEscape(Buffer out, char c) {
        out.ascii("\\u");
        out.add(HEX[(c >> 12) & 0xf]);
        out.add(HEX[(c >> 8) & 0xf]);
        out.add(HEX[(c >> 4) & 0xf]);
        out.add(HEX[c & 0xf]);
    }

    /** A growable byte array. */
    static final class Buffer {
        byte[] b;
        int n;

        Buffer(int capacity) {
            b = new byte[capacity];
        }

        void add(byte x) {
            if (n == b.length) {
                b = Arrays.copyOf(b, b.length * 2);
            }
            b[n++] = x;
        }

        void ascii(String s) {
            int len = s.length();
            ensure(len);
            for (int i = 0; i < len; i++) {
                b[n++] = (byte) s.charAt(i);
            }
        }

        void bytes(byte[] x) {
            ensure(x.length);
            System.arraycopy(x, 0, b, n, x.length);
            n += x.length;
        }

        /** A long in plain decimal, without building a string. */
        void number(long v) {
            if (v < 0) {
                if (v == Long.MIN_VALUE) {
                    ascii(Long.toString(v));
                    return;
                }
                add((byte) '-');
                v = -v;
            }
            int digits = 1;
            for (long p = 10; digits < 19 && v >= p; p *= 10) {
                digits++;
            }
            ensure(digits);
            for (int i = n + digits - 1; i >= n; i--) {
                b[i] = (byte) ('0' + (v % 10));
                v /= 10;
            }
            n += digits;
        }

        void ensure(int more) {
            if (n + more > b.length) {
                b = Arrays.copyOf(b, Math.max(b.length * 2, n + more));
            }
        }

        byte[] toArray() {
            return Arrays.copyOf(b, n);
        }
    }
}
