package org.agenthypervisor.core.crypto;

import java.util.Base64;

/** The PEM text form (RFC 7468) of one DER object, as OpenSSL writes it: 64-character base64 lines. */
final class Pem {
    private Pem() {}

    static String encode(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }

    /**
     * The DER inside a PEM text with exactly one {@code label} block and nothing but whitespace around
     * it.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    static byte[] decode(String label, String text) {
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        String t = text.strip();
        if (!t.startsWith(begin)) {
            int other = t.indexOf("-----BEGIN ");
            throw new IllegalArgumentException("expected PEM \"" + label + "\"" + (other < 0 ? ", found no PEM block"
                    : ", found " + t.substring(other, Math.min(t.length(), t.indexOf('\n', other) < 0 ? t.length()
                    : t.indexOf('\n', other))).strip()));
        }
        if (!t.endsWith(end)) {
            throw new IllegalArgumentException("PEM \"" + label + "\" block has no \"" + end + "\" line, or text after it");
        }
        String body = withoutWhitespace(t.substring(begin.length(), t.length() - end.length()));
        if (body.contains("-----")) {
            throw new IllegalArgumentException("more than one PEM block");
        }
        try {
            return Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("PEM \"" + label + "\" body is not base64: " + e.getMessage(), e);
        }
    }

    /** {@code text} without the characters of the regular expression {@code \s}, removed by hand (no pattern at start-up). */
    static String withoutWhitespace(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\u000B' && c != '\f' && c != '\r') {
                out.append(c);
            }
        }
        return out.toString();
    }
}
