package org.agenthypervisor.core.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * {@link SegmentFormat}'s hand-written file-name checks accept exactly what the regular expressions
 * they replaced matched: {@code <name>-<20 digits>.seg}, {@code <name>-<20 digits>.seg.tmp}, and a log
 * name {@code [A-Za-z0-9][A-Za-z0-9._-]{0,99}}; the index is the 20 digits, or -1 past a long.
 */
class SegmentNamesProperties {

    @Provide
    Arbitrary<String> names() {
        return Arbitraries.strings().withChars("aZ09._-ü/ ").ofMinLength(0).ofMaxLength(12)
                .injectDuplicates(0.1).edgeCases(config -> config.add("audit").add("heads"));
    }

    @Provide
    Arbitrary<String> fileNames() {
        Arbitrary<String> digits = Arbitraries.strings().withChars("0123456789x").ofMinLength(18).ofMaxLength(22);
        Arbitrary<String> suffix = Arbitraries.of(".seg", ".seg.tmp", ".segx", ".tmp", "", ".seg.tmp.seg");
        Arbitrary<String> name = Arbitraries.of("audit", "heads", "aud", "audit-1", "trust");
        Arbitrary<String> dash = Arbitraries.of("-", "_", "");
        return Combinators.combine(name, dash, digits, suffix).as((n, d, i, s) -> n + d + i + s);
    }

    @Property(tries = 2000)
    void segmentAndTempNamesMatchLikeTheRegularExpressions(@ForAll("fileNames") String fileName) {
        for (String name : new String[] {"audit", "heads", "aud"}) {
            Matcher segment = Pattern.compile(Pattern.quote(name) + "-(\\d{20})" + Pattern.quote(".seg")).matcher(fileName);
            boolean isSegment = segment.matches();
            assertEquals(isSegment, SegmentFormat.isSegmentFile(name, fileName), name + " / " + fileName);
            assertEquals(Pattern.compile(Pattern.quote(name) + "-\\d{20}" + Pattern.quote(".seg.tmp")).matcher(fileName).matches(),
                    SegmentFormat.isTempFile(name, fileName), name + " / " + fileName);
            if (isSegment) {
                long expected;
                try {
                    expected = Long.parseLong(segment.group(1));
                } catch (NumberFormatException tooLarge) {
                    expected = -1;
                }
                assertEquals(expected, SegmentFormat.segmentIndex(name, fileName), fileName);
            }
        }
    }

    @Property(tries = 2000)
    void logNamesAreCheckedLikeTheRegularExpression(@ForAll("names") String name) {
        assertEquals(Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}").matcher(name).matches(), SegmentFormat.isValidName(name), name);
    }

    @Property(tries = 50)
    void aHundredCharactersIsTheLongestName(@ForAll("names") String start) {
        String name = ("a" + start.replaceAll("[^A-Za-z0-9._-]", "") + "x".repeat(120)).substring(0, 101);
        assertEquals(false, SegmentFormat.isValidName(name));
        assertEquals(true, SegmentFormat.isValidName(name.substring(0, 100)));
        assertEquals(false, SegmentFormat.isValidName(null));
    }
}
