package org.agenthypervisor.agent.install;

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
 * {@link GovernedClassTransformer#lambdaPrefix}, written by hand so that no start compiles a regular
 * expression, answers what the pattern it replaced answered: group 1 of {@code (.+\$\$Lambda\$)\d+}
 * when the whole name matches, else null.
 */
class LambdaPrefixProperties {
    private static final Pattern LAMBDA = Pattern.compile("(.+\\$\\$Lambda\\$)\\d+");

    private static String byPattern(String name) {
        Matcher m = LAMBDA.matcher(name);
        return m.matches() ? m.group(1) : null;
    }

    @Provide
    Arbitrary<String> names() {
        Arbitrary<String> pieces = Arbitraries.of("$$Lambda$", "$", "$$", "Lambda", "com/acme/Host", "x", "0", "42", "7",
                "a1", "\n", "\r", "\u0085", "\u2028", "/", "Lambda$", "$Lambda$", "\u0661");
        return pieces.list().ofMaxSize(7).map(list -> String.join("", list))
                .edgeCases(config -> config.add("com/acme/Host$$Lambda$123").add("$$Lambda$1").add("x$$Lambda$")
                        .add("x$$Lambda$$$Lambda$12").add("x$$Lambda$1x").add("a\nb$$Lambda$1").add(""));
    }

    @Property(tries = 4000)
    void agreesWithThePattern(@ForAll("names") String name) {
        assertEquals(byPattern(name), GovernedClassTransformer.lambdaPrefix(name), name);
    }

    @Property(tries = 500)
    void findsTheHostOfEveryNumberedLambda(@ForAll("hosts") String host, @ForAll("numbers") String number) {
        String name = host + "$$Lambda$" + number;
        assertEquals(byPattern(name), GovernedClassTransformer.lambdaPrefix(name), name);
    }

    @Provide
    Arbitrary<String> hosts() {
        return Arbitraries.strings().withChars("ab/$L9\n").ofMinLength(0).ofMaxLength(12);
    }

    @Provide
    Arbitrary<String> numbers() {
        return Combinators.combine(Arbitraries.strings().numeric().ofMinLength(0).ofMaxLength(6),
                Arbitraries.of("", "", "", "x", "$")).as((digits, tail) -> digits + tail);
    }
}
