package org.agenthypervisor.core.encoding;

import java.time.Instant;

/**
 * {@link Instant#toString()} and {@link Instant#parse} for the form the hypervisor writes in its
 * records and tree heads ({@code 2026-12-06T14:14:24.640Z}), without {@code java.time.format}: its
 * first use loads and initialises a few dozen classes, several milliseconds of every start (the
 * audit log reads the time of its last signed tree head when it opens). The results are exactly
 * the JDK's: anything outside the common form (years before 0 or after 9999, a leap second, an
 * offset other than {@code Z}, a malformed text) is handed to the JDK.
 */
public final class IsoInstant {
    private static final long SECONDS_PER_DAY = 86_400;

    private IsoInstant() {
    }

    /** The same text as {@code time.toString()}. */
    public static String format(Instant time) {
        long seconds = time.getEpochSecond();
        long days = Math.floorDiv(seconds, SECONDS_PER_DAY);
        int secondOfDay = (int) Math.floorMod(seconds, SECONDS_PER_DAY);
        // Days since 1970-01-01 to the civil date (the proleptic Gregorian calendar, as java.time).
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long dayOfEra = z - era * 146_097;
        long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        long mp = (5 * dayOfYear + 2) / 153;
        int day = (int) (dayOfYear - (153 * mp + 2) / 5 + 1);
        int month = (int) (mp < 10 ? mp + 3 : mp - 9);
        long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
        if (year < 0 || year > 9999) {
            return time.toString();
        }
        int nano = time.getNano();
        char[] out = new char[nano == 0 ? 20 : nano % 1_000_000 == 0 ? 24 : nano % 1000 == 0 ? 27 : 30];
        digits(out, 0, (int) year, 4);
        out[4] = '-';
        digits(out, 5, month, 2);
        out[7] = '-';
        digits(out, 8, day, 2);
        out[10] = 'T';
        digits(out, 11, secondOfDay / 3600, 2);
        out[13] = ':';
        digits(out, 14, secondOfDay / 60 % 60, 2);
        out[16] = ':';
        digits(out, 17, secondOfDay % 60, 2);
        if (nano != 0) {
            out[19] = '.';
            int fraction = out.length - 21;
            int value = fraction == 3 ? nano / 1_000_000 : fraction == 6 ? nano / 1000 : nano;
            digits(out, 20, value, fraction);
        }
        out[out.length - 1] = 'Z';
        return new String(out);
    }

    /** The same instant as {@code Instant.parse(text)}, with the same exception for a text it rejects. */
    public static Instant parse(CharSequence text) {
        int length = text.length();
        if (length < 20 || text.charAt(length - 1) != 'Z' || text.charAt(4) != '-' || text.charAt(7) != '-'
                || text.charAt(10) != 'T' || text.charAt(13) != ':' || text.charAt(16) != ':') {
            return Instant.parse(text);
        }
        int year = number(text, 0, 4);
        int month = number(text, 5, 2);
        int day = number(text, 8, 2);
        int hour = number(text, 11, 2);
        int minute = number(text, 14, 2);
        int second = number(text, 17, 2);
        int nano = 0;
        if (length > 20) {
            int fraction = length - 21;
            if (text.charAt(19) != '.' || fraction < 1 || fraction > 9) {
                return Instant.parse(text);
            }
            nano = number(text, 20, fraction);
            for (int i = fraction; i < 9 && nano >= 0; i++) {
                nano *= 10;
            }
        }
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour < 0 || hour > 23
                || minute < 0 || minute > 59 || second < 0 || second > 59 || nano < 0) {
            return Instant.parse(text); // the JDK's answer: its exception, or its reading of a leap second
        }
        // The civil date to days since 1970-01-01.
        long y = month <= 2 ? year - 1 : year;
        long era = Math.floorDiv(y, 400);
        long yearOfEra = y - era * 400;
        long dayOfYear = (153L * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        long dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        long days = era * 146_097 + dayOfEra - 719_468;
        return Instant.ofEpochSecond(days * SECONDS_PER_DAY + hour * 3600L + minute * 60L + second, nano);
    }

    private static int daysIn(int year, int month) {
        return switch (month) {
            case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    /** The decimal number of {@code count} ASCII digits at {@code from}, or -1 if one is not a digit. */
    private static int number(CharSequence text, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static void digits(char[] out, int at, int value, int count) {
        for (int i = at + count - 1; i >= at; i--) {
            out[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }
}
