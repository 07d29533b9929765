package org.agenthypervisor.core.encoding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** {@link IsoInstant} says and reads exactly what {@link Instant#toString()} and {@link Instant#parse} do. */
class IsoInstantProperties {

    @Property(tries = 3000)
    void formatsAsTheJdkDoes(@ForAll @LongRange(min = -70_000_000_000L, max = 260_000_000_000L) long seconds,
                             @ForAll @IntRange(min = 0, max = 999_999_999) int nanos, @ForAll @IntRange(min = 0, max = 3) int precision) {
        int nano = switch (precision) {
            case 0 -> 0;
            case 1 -> nanos / 1_000_000 * 1_000_000;
            case 2 -> nanos / 1000 * 1000;
            default -> nanos;
        };
        Instant time = Instant.ofEpochSecond(seconds, nano);
        assertEquals(time.toString(), IsoInstant.format(time));
        assertEquals(time, IsoInstant.parse(time.toString()));
    }

    @Property(tries = 2000)
    void parsesEveryDateAndFractionAsTheJdkDoes(@ForAll @IntRange(min = 0, max = 9999) int year, @ForAll @IntRange(min = 0, max = 13) int month,
                                                @ForAll @IntRange(min = 0, max = 32) int day, @ForAll @IntRange(min = 0, max = 24) int hour,
                                                @ForAll @IntRange(min = 0, max = 60) int second, @ForAll @IntRange(min = 0, max = 10) int fractionDigits) {
        String text = String.format("%04d-%02d-%02dT%02d:59:%02d", year, month, day, hour, second)
                + (fractionDigits == 0 ? "" : "." + "123456789012".substring(0, fractionDigits)) + "Z";
        Instant expected;
        try {
            expected = Instant.parse(text);
        } catch (DateTimeParseException rejected) {
            assertThrows(DateTimeParseException.class, () -> IsoInstant.parse(text), text);
            return;
        }
        assertEquals(expected, IsoInstant.parse(text), text);
    }

    @Example
    void leavesTheUncommonFormsToTheJdk() {
        for (String text : new String[] {"+10000-01-01T00:00:00Z", "2026-12-31T23:59:60Z", "2026-06-30T12:00:00+01:00",
                "1970-01-01T00:00:00.Z", "2024-02-29T00:00:00Z"}) {
            Instant expected;
            try {
                expected = Instant.parse(text);
            } catch (DateTimeParseException rejected) {
                assertThrows(DateTimeParseException.class, () -> IsoInstant.parse(text), text);
                continue;
            }
            assertEquals(expected, IsoInstant.parse(text), text);
        }
        Instant far = Instant.parse("+12026-01-01T00:00:00Z");
        assertEquals(far.toString(), IsoInstant.format(far));
        Instant before = Instant.parse("-0001-12-31T23:59:59.5Z");
        assertEquals(before.toString(), IsoInstant.format(before));
    }
}
