package org.agenthypervisor.core.encoding;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * The byte-level half of the canonical JSON rules, shared by {@link CanonicalJson} and
 * {@link PayloadEncoder} so both produce the same bytes for the same data. It writes tokens only;
 * callers order object members and place commas.
 *
 * <p>Not thread-safe; one instance per encoding.
 */
final class JsonWriter {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final double TWO_POW_53 = 9007199254740992.0;

    private byte[] buf;
    private int size;

    JsonWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    int size() {
        return size;
    }

    /** Drops everything written after {@code mark} (used to replace a value that failed half-way). */
    void truncate(int mark) {
        size = mark;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    /** The bytes written since {@code mark}, as a new array. */
    byte[] copyFrom(int mark) {
        return Arrays.copyOfRange(buf, mark, size);
    }

    private void ensure(int extra) {
        if (size + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + extra));
        }
    }

    void raw(char asciiChar) {
        ensure(1);
        buf[size++] = (byte) asciiChar;
    }

    void raw(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, size, bytes.length);
        size += bytes.length;
    }

    void raw(byte[] bytes, int offset, int length) {
        ensure(length);
        System.arraycopy(bytes, offset, buf, size, length);
        size += length;
    }

    void rawAscii(String ascii) {
        int n = ascii.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            buf[size++] = (byte) ascii.charAt(i);
        }
    }

    void nullValue() {
        rawAscii("null");
    }

    void bool(boolean b) {
        rawAscii(b ? "true" : "false");
    }

    void number(long v) {
        rawAscii(Long.toString(v));
    }

    void number(BigInteger v) {
        rawAscii(v.toString());
    }

    /** A finite double, see {@link #formatDouble(double)}. */
    void number(double v) {
        rawAscii(formatDouble(v));
    }

    void base64(byte[] bytes) {
        raw('"');
        raw(Base64.getEncoder().encode(bytes));
        raw('"');
    }

    /**
     * A JSON string: UTF-8; {@code "} and {@code \} escaped with a backslash; U+0008, U+0009, U+000A,
     * U+000C, U+000D as {@code \b \t \n \f \r}; the other characters below U+0020 and unpaired
     * surrogates as {@code \}{@code u} and four lowercase hex digits; everything else as itself.
     *
     * @return whether the string held an unpaired surrogate (Jackson's parser accepts the escape in
     *     values but not in object keys, so callers refuse such keys)
     */
    boolean string(String s) {
        boolean unpaired = false;
        int n = s.length();
        // Worst case 6 bytes per char (an escape); reserve optimistically, grow on demand.
        ensure(n + 2);
        buf[size++] = '"';
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (c >= 0x20 && c != '"' && c != '\\') {
                    ensure(1);
                    buf[size++] = (byte) c;
                } else {
                    escapeAscii(c);
                }
            } else if (c < 0x800) {
                ensure(2);
                buf[size++] = (byte) (0xc0 | (c >> 6));
                buf[size++] = (byte) (0x80 | (c & 0x3f));
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, s.charAt(++i));
                    ensure(4);
                    buf[size++] = (byte) (0xf0 | (cp >> 18));
                    buf[size++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
                    buf[size++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
                    buf[size++] = (byte) (0x80 | (cp & 0x3f));
                } else {
                    unicodeEscape(c); // an unpaired surrogate has no UTF-8 form
                    unpaired = true;
                }
            } else {
                ensure(3);
                buf[size++] = (byte) (0xe0 | (c >> 12));
                buf[size++] = (byte) (0x80 | ((c >> 6) & 0x3f));
                buf[size++] = (byte) (0x80 | (c & 0x3f));
            }
        }
        ensure(1);
        buf[size++] = '"';
        return unpaired;
    }

    private void escapeAscii(char c) {
        char shortForm;
        switch (c) {
            case '"': shortForm = '"'; break;
            case '\\': shortForm = '\\'; break;
            case '\b': shortForm = 'b'; break;
            case '\t': shortForm = 't'; break;
            case '\n': shortForm = 'n'; break;
            case '\f': shortForm = 'f'; break;
            case '\r': shortForm = 'r'; break;
            default: unicodeEscape(c); return;
        }
        ensure(2);
        buf[size++] = '\\';
        buf[size++] = (byte) shortForm;
    }

    private void unicodeEscape(char c) {
        ensure(6);
        buf[size++] = '\\';
        buf[size++] = 'u';
        buf[size++] = HEX[(c >> 12) & 0xf];
        buf[size++] = HEX[(c >> 8) & 0xf];
        buf[size++] = HEX[(c >> 4) & 0xf];
        buf[size++] = HEX[c & 0xf];
    }

    /**
     * The canonical text of a finite double: the shortest decimal that reads back as the same double
     * (the closest such decimal if several have that length), laid out as ECMAScript's
     * {@code Number.prototype.toString} does (and so RFC 8785): integers up to 1e21 without fraction or
     * exponent ({@code 1}, {@code 100000000000000000000}), then {@code 1e+21}; small magnitudes as
     * {@code 0.000001} down to 1e-6, then {@code 1e-7}; {@code -0.0} as {@code 0}.
     *
     * <p>The digits are found with exact {@link BigDecimal} arithmetic and correctly rounded parsing,
     * never with {@link Double#toString}, whose output differs between JDK 17 (not always shortest)
     * and JDK 19+ (shortest, but a different tie rule than ECMAScript): the result is the same on every
     * JDK. Integral values below 2^53 and values with at most 15 significant digits take fast paths
     * ({@link #fewDigits}); others cost several microseconds of exact arithmetic.
     *
     * @throws IllegalArgumentException for NaN and the infinities, which JSON cannot represent
     */
    static String formatDouble(double d) {
        if (!Double.isFinite(d)) {
            throw new IllegalArgumentException("JSON has no representation for " + d);
        }
        if (d == 0) {
            return "0";
        }
        if (d == Math.rint(d) && Math.abs(d) < TWO_POW_53) {
            return Long.toString((long) d);
        }
        String fast = fewDigits(d);
        return fast != null ? fast : formatDoubleExact(d);
    }

    /**
     * The fast path for most non-integral doubles (scores, weights, prices): when {@link Double#toString}
     * gives at most 15 significant digits for a normal double, those digits are the answer on every JDK.
     * They read back as d (Double.toString's contract), and no other decimal of at most 15 significant
     * digits can: two such decimals differ by at least 10^-15 of their magnitude, more than the width
     * of the interval that reads back as one normal double (one ulp, at most 2^-52 of it). So they are
     * the unique, hence shortest and closest, answer the exact search would find. Subnormals (whose ulp
     * is large relative to them) and longer outputs take the exact path.
     *
     * @return the canonical text, or null when the fast path does not apply
     */
    static String fewDigits(double d) {
        double a = Math.abs(d);
        if (a < Double.MIN_NORMAL) {
            return null;
        }
        String s = Double.toString(a); // "0.525", "123.45", "1.0E-5", "1.2345678E7"
        int e = s.indexOf('E');
        int mantissaEnd = e < 0 ? s.length() : e;
        int dot = s.indexOf('.');
        if (dot < 0 || dot > mantissaEnd) {
            return null;
        }
        int exponent = e < 0 ? 0 : Integer.parseInt(s, e + 1, s.length(), 10);
        StringBuilder all = new StringBuilder(mantissaEnd);
        all.append(s, 0, dot).append(s, dot + 1, mantissaEnd);
        int lead = 0;
        while (lead < all.length() - 1 && all.charAt(lead) == '0') {
            lead++;
        }
        int end = all.length();
        while (end > lead + 1 && all.charAt(end - 1) == '0') {
            end--;
        }
        if (end - lead > 15) {
            return null;
        }
        String digits = all.substring(lead, end);
        int n = dot + exponent - lead; // a = 0.digits × 10^n
        return layout(d < 0, digits, n);
    }

    /** {@link #formatDouble} by exact search only (the reference the fast path is tested against). */
    static String formatDoubleExact(double d) {
        BigDecimal shortest = shortestDecimal(d).stripTrailingZeros();
        String digits = shortest.unscaledValue().abs().toString();
        return layout(d < 0, digits, digits.length() - shortest.scale());
    }

    /** ECMAScript's layout of d = ±0.digits × 10^n (digits without leading or trailing zeros). */
    private static String layout(boolean negative, String digits, int n) {
        int k = digits.length();
        StringBuilder out = new StringBuilder(k + 8);
        if (negative) {
            out.append('-');
        }
        if (k <= n && n <= 21) {
            out.append(digits);
            for (int i = k; i < n; i++) {
                out.append('0');
            }
        } else if (0 < n && n <= 21) {
            out.append(digits, 0, n).append('.').append(digits, n, k);
        } else if (-6 < n && n <= 0) {
            out.append("0.");
            for (int i = n; i < 0; i++) {
                out.append('0');
            }
            out.append(digits);
        } else {
            out.append(digits.charAt(0));
            if (k > 1) {
                out.append('.').append(digits, 1, k);
            }
            out.append('e').append(n - 1 >= 0 ? '+' : '-').append(Math.abs(n - 1));
        }
        return out.toString();
    }

    private static BigDecimal shortestDecimal(double d) {
        BigDecimal exact = new BigDecimal(d);
        // A decimal of p digits that reads back as d exists for every p from the shortest length up
        // (append zeros), so search downwards from a length known to work. Double.toString's length
        // is only a hint (it is not always the shortest on JDK 17); it is checked, and the digits come
        // from exact arithmetic whatever the JDK.
        int p = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros().precision();
        BigDecimal best = p <= 17 ? closestReadingBack(exact, d, p) : null;
        if (best == null) {
            for (p = 1; p <= 17 && best == null; p++) {
                best = closestReadingBack(exact, d, p);
            }
            return best != null ? best : exact.round(new MathContext(17, RoundingMode.HALF_EVEN));
        }
        while (p > 1) {
            BigDecimal shorter = closestReadingBack(exact, d, p - 1);
            if (shorter == null) {
                break;
            }
            best = shorter;
            p--;
        }
        return best;
    }

    /**
     * The p-digit decimal closest to {@code exact} that reads back as {@code d}, or null if none does.
     * Only the two p-digit neighbours of {@code exact} can: the set of reals that read back as d is an
     * interval around it. The nearest one is tried first; the other may still read back when the
     * interval is asymmetric (at powers of two).
     */
    private static BigDecimal closestReadingBack(BigDecimal exact, double d, int p) {
        BigDecimal nearest = exact.round(new MathContext(p, RoundingMode.HALF_EVEN));
        if (nearest.doubleValue() == d) {
            return nearest;
        }
        BigDecimal down = exact.round(new MathContext(p, RoundingMode.DOWN));
        BigDecimal other = down.compareTo(nearest) == 0 ? exact.round(new MathContext(p, RoundingMode.UP)) : down;
        return other.doubleValue() == d ? other : null;
    }
}
