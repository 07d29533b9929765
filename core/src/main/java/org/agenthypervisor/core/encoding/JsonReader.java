package org.agenthypervisor.core.encoding;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict RFC 8259 reader for {@link CanonicalJson#parse}: exactly one value, optional whitespace
 * around tokens, no comments, no duplicate keys, UTF-8 checked, nesting bounded by
 * {@link CanonicalJson#MAX_DEPTH}. Its own code rather than a library parser because every start reads
 * stored records (tree heads, the ledger, the journal) and a parser library costs the start tens of
 * milliseconds of class loading; the writer is ours for the same reason.
 *
 * <p>Values: {@code LinkedHashMap} (document order), {@code ArrayList}, {@code String}, {@code Long}
 * (integers that fit), {@code BigInteger} (larger ones), {@code Double} (numbers with a fraction or
 * an exponent; a number beyond the range of a double is an error), {@code Boolean}, {@code null}.
 * Errors are {@link IllegalArgumentException}s starting "malformed JSON:" and naming line and column.
 */
final class JsonReader {
    private final byte[] in;
    private int pos;

    private JsonReader(byte[] in) {
        this.in = in;
    }

    static Object read(byte[] json) {
        JsonReader r = new JsonReader(json);
        r.skipWhitespace();
        if (r.pos >= json.length) {
            throw r.error("no value");
        }
        Object value = r.value(0);
        r.skipWhitespace();
        if (r.pos < json.length) {
            throw r.error("more than one value, next");
        }
        return value;
    }

    private Object value(int depth) {
        if (pos >= in.length) {
            throw error("unexpected end of input");
        }
        byte b = in[pos];
        switch (b) {
            case '{':
                return object(depth);
            case '[':
                return array(depth);
            case '"':
                return string();
            case 't':
                literal("true");
                return Boolean.TRUE;
            case 'f':
                literal("false");
                return Boolean.FALSE;
            case 'n':
                literal("null");
                return null;
            default:
                if (b == '-' || (b >= '0' && b <= '9')) {
                    return number();
                }
                throw error("unexpected character " + describe(b));
        }
    }

    private Map<String, Object> object(int depth) {
        if (depth >= CanonicalJson.MAX_DEPTH + 1) {
            throw error("nesting deeper than " + CanonicalJson.MAX_DEPTH);
        }
        pos++; // '{'
        Map<String, Object> map = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return map;
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw error("expected a member name in double quotes");
            }
            int keyAt = pos;
            String key = string();
            skipWhitespace();
            if (peek() != ':') {
                throw error("expected ':' after a member name");
            }
            pos++;
            skipWhitespace();
            Object v = value(depth + 1);
            if (map.containsKey(key)) {
                pos = keyAt;
                throw error("duplicate member name \"" + key + "\"");
            }
            map.put(key, v);
            skipWhitespace();
            int c = peek();
            if (c == ',') {
                pos++;
            } else if (c == '}') {
                pos++;
                return map;
            } else {
                throw error("expected ',' or '}' in an object");
            }
        }
    }

    private List<Object> array(int depth) {
        if (depth >= CanonicalJson.MAX_DEPTH + 1) {
            throw error("nesting deeper than " + CanonicalJson.MAX_DEPTH);
        }
        pos++; // '['
        List<Object> list = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return list;
        }
        while (true) {
            skipWhitespace();
            list.add(value(depth + 1));
            skipWhitespace();
            int c = peek();
            if (c == ',') {
                pos++;
            } else if (c == ']') {
                pos++;
                return list;
            } else {
                throw error("expected ',' or ']' in an array");
            }
        }
    }

    private String string() {
        pos++; // opening quote
        int start = pos;
        // Fast path: printable ASCII without escapes.
        while (pos < in.length) {
            byte b = in[pos];
            if (b == '"') {
                String s = new String(in, start, pos - start, java.nio.charset.StandardCharsets.ISO_8859_1);
                pos++;
                return s;
            }
            if (b == '\\' || b < 0x20) {
                break; // b < 0x20 includes every non-ASCII byte (negative)
            }
            pos++;
        }
        StringBuilder sb = new StringBuilder(pos - start + 16);
        for (int i = start; i < pos; i++) {
            sb.append((char) in[i]);
        }
        while (true) {
            if (pos >= in.length) {
                throw error("unterminated string");
            }
            int b = in[pos] & 0xff;
            if (b == '"') {
                pos++;
                return sb.toString();
            }
            if (b == '\\') {
                escape(sb);
            } else if (b < 0x20) {
                throw error("unescaped control character " + describe((byte) b) + " in a string");
            } else if (b < 0x80) {
                sb.append((char) b);
                pos++;
            } else {
                utf8(sb, b);
            }
        }
    }

    private void escape(StringBuilder sb) {
        if (pos + 1 >= in.length) {
            throw error("unterminated escape");
        }
        byte e = in[pos + 1];
        switch (e) {
            case '"' -> sb.append('"');
            case '\\' -> sb.append('\\');
            case '/' -> sb.append('/');
            case 'b' -> sb.append('\b');
            case 'f' -> sb.append('\f');
            case 'n' -> sb.append('\n');
            case 'r' -> sb.append('\r');
            case 't' -> sb.append('\t');
            case 'u' -> {
                if (pos + 6 > in.length) {
                    throw error("incomplete \\u escape");
                }
                int v = 0;
                for (int i = pos + 2; i < pos + 6; i++) {
                    int d = Character.digit(in[i], 16);
                    if (d < 0 || in[i] < 0) {
                        throw error("bad hex digit in a \\u escape");
                    }
                    v = v * 16 + d;
                }
                sb.append((char) v);
                pos += 6;
                return;
            }
            default -> throw error("unknown escape \\" + describe(e));
        }
        pos += 2;
    }

    /** One UTF-8 sequence starting with lead byte {@code b} (>= 0x80): well-formed, shortest form, no surrogates. */
    private void utf8(StringBuilder sb, int b) {
        int need;
        int cp;
        int min;
        if (b >= 0xc2 && b <= 0xdf) {
            need = 1;
            cp = b & 0x1f;
            min = 0x80;
        } else if (b >= 0xe0 && b <= 0xef) {
            need = 2;
            cp = b & 0x0f;
            min = 0x800;
        } else if (b >= 0xf0 && b <= 0xf4) {
            need = 3;
            cp = b & 0x07;
            min = 0x10000;
        } else {
            throw error("invalid UTF-8 start byte 0x" + Integer.toHexString(b));
        }
        if (pos + need >= in.length) {
            throw error("truncated UTF-8 sequence");
        }
        for (int i = 1; i <= need; i++) {
            int c = in[pos + i] & 0xff;
            if ((c & 0xc0) != 0x80) {
                throw error("invalid UTF-8 continuation byte 0x" + Integer.toHexString(c));
            }
            cp = (cp << 6) | (c & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            throw error("invalid UTF-8 sequence (overlong, surrogate or out of range)");
        }
        sb.appendCodePoint(cp);
        pos += need + 1;
    }

    private Object number() {
        int start = pos;
        boolean integral = true;
        if (in[pos] == '-') {
            pos++;
        }
        if (pos >= in.length || !digit(in[pos])) {
            throw error("expected a digit in a number");
        }
        if (in[pos] == '0') {
            pos++;
            if (pos < in.length && digit(in[pos])) {
                throw error("leading zero in a number");
            }
        } else {
            while (pos < in.length && digit(in[pos])) {
                pos++;
            }
        }
        if (pos < in.length && in[pos] == '.') {
            integral = false;
            pos++;
            if (pos >= in.length || !digit(in[pos])) {
                throw error("expected a digit after the decimal point");
            }
            while (pos < in.length && digit(in[pos])) {
                pos++;
            }
        }
        if (pos < in.length && (in[pos] == 'e' || in[pos] == 'E')) {
            integral = false;
            pos++;
            if (pos < in.length && (in[pos] == '+' || in[pos] == '-')) {
                pos++;
            }
            if (pos >= in.length || !digit(in[pos])) {
                throw error("expected a digit in an exponent");
            }
            while (pos < in.length && digit(in[pos])) {
                pos++;
            }
        }
        String text = new String(in, start, pos - start, java.nio.charset.StandardCharsets.ISO_8859_1);
        if (integral) {
            int digits = text.length() - (text.charAt(0) == '-' ? 1 : 0);
            if (digits <= 18) {
                return Long.parseLong(text);
            }
            BigInteger big = new BigInteger(text);
            return big.bitLength() < 64 ? (Object) big.longValue() : big;
        }
        double d = Double.parseDouble(text);
        if (!Double.isFinite(d)) {
            int at = pos;
            pos = start;
            IllegalArgumentException e = error("number " + text + " is out of the range of a double");
            pos = at;
            throw e;
        }
        return d;
    }

    private static boolean digit(byte b) {
        return b >= '0' && b <= '9';
    }

    private void literal(String word) {
        int n = word.length();
        if (pos + n > in.length) {
            throw error("unexpected end of input in '" + word + "'");
        }
        for (int i = 0; i < n; i++) {
            if (in[pos + i] != word.charAt(i)) {
                throw error("unexpected character " + describe(in[pos + i]) + " (expected '" + word + "')");
            }
        }
        pos += n;
        // "truex" or "nullnull": the next byte must end the token.
        if (pos < in.length) {
            byte next = in[pos];
            if ((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') || digit(next) || next == '_') {
                throw error("unexpected character " + describe(next) + " after '" + word + "'");
            }
        }
    }

    private int peek() {
        return pos < in.length ? in[pos] : -1;
    }

    private void skipWhitespace() {
        while (pos < in.length) {
            byte b = in[pos];
            if (b == ' ' || b == '\n' || b == '\r' || b == '\t') {
                pos++;
            } else {
                return;
            }
        }
    }

    private static String describe(byte b) {
        int v = b & 0xff;
        return v >= 0x21 && v < 0x7f ? "'" + (char) v + "'" : "0x" + (v < 16 ? "0" : "") + Integer.toHexString(v);
    }

    /** An error at the current position, with its line and column (1-based, columns in bytes). */
    private IllegalArgumentException error(String what) {
        int line = 1;
        int lineStart = 0;
        int end = Math.min(pos, in.length);
        for (int i = 0; i < end; i++) {
            if (in[i] == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new IllegalArgumentException("malformed JSON: " + what + " at line " + line + ", column " + (end - lineStart + 1));
    }
}
