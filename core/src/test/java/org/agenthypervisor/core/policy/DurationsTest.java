package org.agenthypervisor.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DurationsTest {

    @ParameterizedTest(name = "{0} = {1} ms")
    @CsvSource({"0ms, 0", "50ms, 50", "2s, 2000", "1.5s, 1500", "0.001s, 1", "5m, 300000", "1.5m, 90000",
            "1h, 3600000", "8760h, 31536000000", "007s, 7000"})
    void parses(String text, long millis) {
        assertEquals(millis, Durations.parse(text));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "50          | '50' has no unit; write for example 50ms (a bare integer, unquoted, means milliseconds)",
            "1.5         | '1.5' has no unit; write for example 1.5s (a bare integer, unquoted, means milliseconds)",
            ".5          | '.5' has no unit; write for example 50ms, 2s, 1.5s, 5m or 1h (a bare integer, unquoted, means milliseconds)",
            "-5s         | '-5s' is negative; a duration is 0 or more",
            "5 s         | '5 s' is not a duration; write 5s (lowercase unit, no space)",
            "5S          | '5S' is not a duration; write 5s (lowercase unit, no space)",
            "5MS         | '5MS' is not a duration; write 5ms (lowercase unit, no space)",
            "5d          | '5d' has an unknown unit 'd'; the units are ms, s, m and h",
            "5 seconds   | '5 seconds' has an unknown unit 'seconds'; the units are ms, s, m and h",
            "0.5ms       | '0.5ms' is not a whole number of milliseconds",
            "8761h       | '8761h' is too long; a duration is at most 365 days (8760h)",
            "99999999999999999999h | '99999999999999999999h' is too long; a duration is at most 365 days (8760h)",
            "soon        | 'soon' is not a duration; write for example 50ms, 2s, 1.5s, 5m or 1h",
            "1s500ms     | '1s500ms' is not a duration; write for example 50ms, 2s, 1.5s, 5m or 1h",
    })
    void explainsWhatIsWrong(String text, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> Durations.parse(text)).getMessage());
    }

    @Test
    void bareMilliseconds() {
        assertEquals(250, Durations.ofMillis(BigInteger.valueOf(250), "250"));
        assertThrows(IllegalArgumentException.class, () -> Durations.ofMillis(BigInteger.valueOf(-1), "-1"));
        assertThrows(IllegalArgumentException.class, () -> Durations.ofMillis(BigInteger.TEN.pow(30), "1e30"));
    }

    @ParameterizedTest(name = "{0} ms = {1}")
    @CsvSource({"0, 0ms", "50, 50ms", "1500, 1500ms", "2000, 2s", "90000, 90s", "120000, 2m", "3600000, 1h"})
    void formatsTheShortestExactWay(long millis, String text) {
        assertEquals(text, Durations.format(millis));
        assertEquals(millis, Durations.parse(text));
    }
}
