package org.agenthypervisor.core.policy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as policies write them: a number with a unit ({@code 50ms}, {@code 2s}, {@code 1.5s},
 * {@code 5m}, {@code 1h}) or a bare integer meaning milliseconds. Decimals are allowed as long as the
 * result is a whole number of milliseconds: {@code 1.5s} is 1500 ms, {@code 0.5ms} is an error rather
 * than a silent rounding. Units are lowercase and follow the number without a space, the way they are
 * printed back in messages.
 */
public final class Durations {
    /** The longest duration a policy may write: 365 days. Longer is a typo, and would overflow backoffs. */
    static final long MAX_MILLIS = 365L * 24 * 60 * 60 * 1000;

    static final String EXAMPLES = "50ms, 2s, 1.5s, 5m or 1h";

    private static final Pattern FORMAT = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)");
    private static final Pattern NUMBER_WITHOUT_UNIT = Pattern.compile("[+-]?[0-9]+(?:\\.[0-9]*)?|[+-]?\\.[0-9]+");
    private static final Pattern NEGATIVE = Pattern.compile("-\\s*[0-9.]+\\s*[a-zA-Z]*");
    private static final Pattern SPACED_OR_UPPER = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([a-zA-Z]+)");

    private Durations() {
    }

    /**
     * Parses a duration written with a unit.
     *
     * @return the duration in milliseconds, 0 to {@link #MAX_MILLIS}
     * @throws IllegalArgumentException with a message meant for the policy's author
     */
    public static long parse(String text) {
        Matcher m = FORMAT.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException(explain(text));
        }
        long fast = parseSmall(m.group(1), unitMillis(m.group(2)), text);
        if (fast >= 0) {
            return fast;
        }
        BigDecimal millis = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitMillis(m.group(2))));
        BigInteger whole;
        try {
            whole = millis.toBigIntegerExact();
        } catch (ArithmeticException notWhole) {
            throw new IllegalArgumentException("'" + text + "' is not a whole number of milliseconds");
        }
        return checkRange(whole, text);
    }

    /**
     * The common case in long arithmetic (at most 12 integer and 6 fraction digits: no overflow), or -1
     * to leave it to {@link BigDecimal}: its class initialisation alone took ~15 ms of a start whose
     * policy writes a duration. Same results and messages.
     */
    private static long parseSmall(String number, long unit, String text) {
        int dot = number.indexOf('.');
        String integer = dot < 0 ? number : number.substring(0, dot);
        String fraction = dot < 0 ? "" : number.substring(dot + 1);
        if (integer.length() > 12 || fraction.length() > 6) {
            return -1;
        }
        long whole = Long.parseLong(integer) * unit;
        if (!fraction.isEmpty()) {
            long scale = 1;
            for (int i = 0; i < fraction.length(); i++) {
                scale *= 10;
            }
            long part = Long.parseLong(fraction) * unit;
            if (part % scale != 0) {
                throw new IllegalArgumentException("'" + text + "' is not a whole number of milliseconds");
            }
            whole += part / scale;
        }
        if (whole > MAX_MILLIS) {
            throw new IllegalArgumentException("'" + text + "' is too long; a duration is at most 365 days (8760h)");
        }
        return whole;
    }

    /** A bare integer: milliseconds. */
    static long ofMillis(BigInteger millis, String text) {
        if (millis.signum() < 0) {
            throw new IllegalArgumentException("'" + text + "' is negative; a duration is 0 or more");
        }
        return checkRange(millis, text);
    }

    private static long checkRange(BigInteger millis, String text) {
        if (millis.compareTo(BigInteger.valueOf(MAX_MILLIS)) > 0) {
            throw new IllegalArgumentException("'" + text + "' is too long; a duration is at most 365 days (8760h)");
        }
        return millis.longValueExact();
    }

    private static long unitMillis(String unit) {
        switch (unit) {
            case "ms": return 1;
            case "s": return 1_000;
            case "m": return 60_000;
            case "h": return 3_600_000;
            default: throw new IllegalStateException(unit);
        }
    }

    private static String explain(String text) {
        String t = text.strip();
        if (NEGATIVE.matcher(t).matches()) {
            return "'" + text + "' is negative; a duration is 0 or more";
        }
        if (NUMBER_WITHOUT_UNIT.matcher(t).matches()) {
            String example = t.matches("[0-9]+") ? t + "ms" : FORMAT.matcher(t + "s").matches() ? t + "s" : EXAMPLES;
            return "'" + text + "' has no unit; write for example " + example + " (a bare integer, unquoted, means"
                    + " milliseconds)";
        }
        Matcher m = SPACED_OR_UPPER.matcher(t);
        if (m.matches()) {
            String unit = m.group(2).toLowerCase(java.util.Locale.ROOT);
            if (unit.equals("ms") || unit.equals("s") || unit.equals("m") || unit.equals("h")) {
                return "'" + text + "' is not a duration; write " + m.group(1) + unit + " (lowercase unit, no space)";
            }
            return "'" + text + "' has an unknown unit '" + m.group(2) + "'; the units are ms, s, m and h";
        }
        return "'" + text + "' is not a duration; write for example " + EXAMPLES;
    }

    /** The shortest exact way to write {@code millis}: 2000 → "2s", 50 → "50ms", 90000 → "90s". */
    public static String format(long millis) {
        if (millis != 0 && millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis != 0 && millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        if (millis != 0 && millis % 1_000 == 0) {
            return millis / 1_000 + "s";
        }
        return millis + "ms";
    }
}
