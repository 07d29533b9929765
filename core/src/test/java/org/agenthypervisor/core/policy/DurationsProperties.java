package org.agenthypervisor.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.math.BigInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** The long-arithmetic path of {@link Durations#parse} answers exactly as the BigDecimal one (the reference). */
class DurationsProperties {

    private static String reference(String text, String number, long unit) {
        BigDecimal millis = new BigDecimal(number).multiply(BigDecimal.valueOf(unit));
        BigInteger whole;
        try {
            whole = millis.toBigIntegerExact();
        } catch (ArithmeticException notWhole) {
            return "error: '" + text + "' is not a whole number of milliseconds";
        }
        if (whole.compareTo(BigInteger.valueOf(Durations.MAX_MILLIS)) > 0) {
            return "error: '" + text + "' is too long; a duration is at most 365 days (8760h)";
        }
        return Long.toString(whole.longValueExact());
    }

    @Property(tries = 3000)
    void agreesWithBigDecimal(@ForAll @LongRange(min = 0, max = 99_999_999_999_999L) long integer,
                              @ForAll @IntRange(min = 0, max = 15) int integerDigits,
                              @ForAll @IntRange(min = -1, max = 9) int fractionDigits,
                              @ForAll @LongRange(min = 0, max = 999_999_999L) long fraction,
                              @ForAll @IntRange(min = 0, max = 3) int unitIndex) {
        String[] units = {"ms", "s", "m", "h"};
        long[] millis = {1, 1_000, 60_000, 3_600_000};
        String digits = Long.toString(integer);
        digits = digits.substring(0, Math.max(1, Math.min(digits.length(), integerDigits)));
        String number = digits;
        if (fractionDigits >= 1) {
            String f = String.format("%09d", fraction).substring(0, fractionDigits);
            number += "." + f;
        }
        String text = number + units[unitIndex];
        String expected = reference(text, number, millis[unitIndex]);
        String actual;
        try {
            actual = Long.toString(Durations.parse(text));
        } catch (IllegalArgumentException e) {
            actual = "error: " + e.getMessage();
        }
        assertEquals(expected, actual, text);
    }
}
