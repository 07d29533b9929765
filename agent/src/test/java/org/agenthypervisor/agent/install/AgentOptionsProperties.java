package org.agenthypervisor.agent.install;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12's bad input for the agent's options ({@code -javaagent:jar=OPTIONS}): whatever the
 * string, parsing yields options or an {@code IllegalArgumentException} that names the option,
 * which the agent prints as one line before stopping the JVM; never another exception.
 */
class AgentOptionsProperties {
    private static final String[] PARTS = {"policy", "dataDir", "mode", "watch", "log", "weaveCache", "=", ",", " ",
        "enforce", "audit", "off", "true", "false", "auto", "debug", "x", "", "==", ",,", "\t", "\u00e9", "/tmp/p.yaml"};

    @Property(tries = 3000)
    void optionLikeStrings(@ForAll("optionish") String options) {
        check(options);
    }

    @Property(tries = 2000)
    void arbitraryStrings(@ForAll String options) {
        check(options);
    }

    private static void check(String options) {
        try {
            AgentOptions.parse(options);
        } catch (IllegalArgumentException refused) {
            String message = String.valueOf(refused.getMessage());
            assertTrue(message.contains("agent option"), () -> "a refusal names the option: " + message);
        }
    }

    @Provide
    Arbitrary<String> optionish() {
        return Arbitraries.of(PARTS).list().ofMaxSize(12).map(parts -> String.join("", parts));
    }
}
