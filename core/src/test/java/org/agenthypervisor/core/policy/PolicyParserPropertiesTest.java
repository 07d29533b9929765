package org.agenthypervisor.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;
import org.agenthypervisor.core.policy.PolicyException.Problem;

/**
 * Whatever the input, the parser returns a policy or throws a {@link PolicyException} whose every
 * problem names the file, a line and a column inside the text: never another exception, which would
 * crash the JVM before {@code main} without telling the user where to look.
 */
class PolicyParserPropertiesTest {
    private static final String SOURCE = "fuzz.yaml";
    /** Characters with a meaning in YAML, plus some ordinary ones. */
    private static final String YAML_CHARS = ":-[]{}#&*!|>'\"%@`,?~.\\$<>=+ \n\t\r0123456789abcdeflnorstuxyTFN_";

    @Property(tries = 1000)
    void arbitraryText(@ForAll @StringLength(max = 200) String text) {
        check(text);
    }

    @Property(tries = 2000)
    void yamlPunctuation(@ForAll("yamlish") String text) {
        check(text);
    }

    /** With {@link #validPolicyWithGarbage}, 10,000 mutated policies per run (issue 12's floor). */
    @Property(tries = 9500)
    void mutationsOfValidPolicies(@ForAll("mutated") String text) {
        check(text);
    }

    /** A valid policy prefixed or suffixed with anything still yields a policy or positioned problems. */
    @Property(tries = 500)
    void validPolicyWithGarbage(@ForAll("bases") String base, @ForAll("yamlish") String garbage, @ForAll boolean atEnd) {
        check(atEnd ? base + garbage : garbage + base);
    }

    @Provide
    Arbitrary<String> yamlish() {
        return Arbitraries.strings().withChars(YAML_CHARS.toCharArray()).ofMaxLength(120);
    }

    @Provide
    Arbitrary<String> bases() {
        return Arbitraries.of(baseTexts());
    }

    /** One to three single-character deletions, insertions or replacements of a valid policy. */
    @Provide
    Arbitrary<String> mutated() {
        Arbitrary<Character> chars = Arbitraries.oneOf(
                Arbitraries.of(YAML_CHARS.chars().mapToObj(c -> (char) c).toArray(Character[]::new)),
                Arbitraries.chars());
        Arbitrary<Mutation> mutation = Combinators.combine(
                Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, Integer.MAX_VALUE),
                chars).as(Mutation::new);
        return Combinators.combine(Arbitraries.of(baseTexts()), mutation.list().ofMinSize(1).ofMaxSize(3))
                .as((base, mutations) -> {
                    String text = base;
                    for (Mutation m : mutations) {
                        text = m.apply(text);
                    }
                    return text;
                });
    }

    record Mutation(int kind, int position, char c) {
        String apply(String text) {
            if (text.isEmpty()) {
                return String.valueOf(c);
            }
            int i = position % text.length();
            switch (kind) {
                case 0: return text.substring(0, i) + text.substring(i + 1);
                case 1: return text.substring(0, i) + c + text.substring(i);
                default: return text.substring(0, i) + c + text.substring(i + 1);
            }
        }
    }

    private static List<String> baseTexts() {
        try {
            return List.of(
                    Files.readString(PolicyTesting.repoRoot().resolve("policies/demo.yaml")),
                    Files.readString(PolicyTesting.repoRoot().resolve("policies/default.yaml")),
                    PolicyParserTest.EVERY_KEY);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void check(String text) {
        Policy policy;
        try {
            policy = PolicyParser.parse(text, SOURCE);
        } catch (PolicyException e) {
            List<Problem> problems = e.problems();
            assertFalse(problems.isEmpty());
            int maxLine = 2;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029') {
                    maxLine++;
                }
            }
            Problem previous = null;
            for (Problem p : problems) {
                assertEquals(SOURCE, p.file());
                assertTrue(p.line() >= 1 && p.line() <= maxLine, () -> "line out of the text: " + p);
                assertTrue(p.column() >= 1, () -> "column < 1: " + p);
                assertNotNull(p.keyPath());
                assertFalse(p.message().isBlank(), () -> "blank message: " + p);
                if (previous != null) {
                    Problem before = previous;
                    assertTrue(before.line() < p.line() || before.line() == p.line() && before.column() <= p.column(),
                            () -> "not in file order: " + before + " then " + p);
                }
                previous = p;
            }
            assertTrue(e.getMessage().contains(SOURCE + ":" + problems.get(0).line() + ":"));
            return;
        }
        assertNotNull(policy);
        assertEquals(SOURCE, policy.source());
        assertEquals(64, policy.sha256().length());
    }
}
