package org.agenthypervisor.core.encoding;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The fast path of {@link JsonWriter#formatDouble} gives exactly what the exact search gives. */
class DoubleFastPathProperties {

    @Provide
    Arbitrary<Double> shortDecimals() {
        // Decimals of 1 to 15 digits at every scale: the fast path's domain (scores, weights, prices).
        return Arbitraries.longs().between(1, 999_999_999_999_999L)
                .flatMap(unscaled -> Arbitraries.integers().between(-320, 300)
                        .map(scale -> new BigDecimal(BigDecimal.valueOf(unscaled).unscaledValue(), scale).doubleValue()))
                .filter(d -> Double.isFinite(d) && d != 0);
    }

    @Property(tries = 5000)
    void shortDecimalsMatchTheExactSearch(@ForAll("shortDecimals") double d) {
        check(d);
        check(-d);
    }

    @Property(tries = 5000)
    void anyDoubleMatchesTheExactSearch(@ForAll double d) {
        if (Double.isFinite(d) && d != 0 && d != Math.rint(d)) {
            check(d);
        }
    }

    private static void check(double d) {
        String fast = JsonWriter.fewDigits(d);
        if (fast != null) {
            assertEquals(JsonWriter.formatDoubleExact(d), fast, "for " + d);
        }
        assertEquals(JsonWriter.formatDoubleExact(d), JsonWriter.formatDouble(d), "for " + d);
    }

    @Test
    void examples() {
        assertEquals("0.525", JsonWriter.fewDigits(0.525));
        assertEquals("0.05", JsonWriter.fewDigits(1.0 - 0.95 == 0.05 ? 0.05 : 0.05));
        assertEquals("1e-7", JsonWriter.fewDigits(1e-7));
        assertEquals("0.000001", JsonWriter.fewDigits(1e-6));
        assertEquals("-123.45", JsonWriter.fewDigits(-123.45));
        assertEquals("1.5e+300", JsonWriter.fewDigits(1.5e300));
        assertNull(JsonWriter.fewDigits(1.0 - 0.95), "17 digits: the exact path");
        assertNull(JsonWriter.fewDigits(Double.MIN_VALUE), "subnormal: the exact path");
        assertEquals("5e-324", JsonWriter.formatDouble(Double.MIN_VALUE));
    }
}
