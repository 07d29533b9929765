package org.agenthypervisor.core.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The checks written by hand so that a start compiles no regular expression agree with the patterns
 * they replaced: {@link KeyDirectory#isValidId} with {@code [a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?}, and
 * {@link Pem#withoutWhitespace} with {@code replaceAll("[\\s]", "")}.
 */
class HandWrittenSyntaxProperties {
    private static final Pattern ID = Pattern.compile("[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?");

    @Provide
    Arbitrary<String> ids() {
        return Arbitraries.strings().withChars("az09._-A ü").ofMinLength(0).ofMaxLength(70)
                .edgeCases(config -> config.add("hypervisor").add("a").add("a-").add("-a").add("x".repeat(64)).add("x".repeat(65)));
    }

    @Property(tries = 3000)
    void keyIdsAreCheckedLikeThePattern(@ForAll("ids") String id) {
        assertEquals(ID.matcher(id).matches(), KeyDirectory.isValidId(id), id);
    }

    @Provide
    Arbitrary<String> pemBodies() {
        return Arbitraries.strings().withChars("AZaz09+/= \t\n\r\f\u000B\u00A0\u2028x").ofMaxLength(200);
    }

    @Property(tries = 2000)
    void whitespaceIsRemovedLikeTheRegularExpression(@ForAll("pemBodies") String body) {
        assertEquals(body.replaceAll("[\\s]", ""), Pem.withoutWhitespace(body));
    }

    @Property(tries = 10)
    void nullIsNoId(@ForAll boolean ignored) {
        assertEquals(false, KeyDirectory.isValidId(null));
    }
}
