package org.agenthypervisor.agent.install;

import static org.junit.jupiter.api.Assertions.assertEquals;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * {@link CandidateFilter#isIgnoredBinaryName} (used on every loaded class at start, without making its
 * internal name) agrees with {@link CandidateFilter#isIgnored} on the internal name.
 */
class CandidateFilterNamesProperties {

    @Provide
    Arbitrary<String> binaryNames() {
        Arbitrary<String> prefix = Arbitraries.of("java.", "javax.", "jdk.", "sun.", "com.sun.", "com.sunny.", "javafx.",
                "org.agenthypervisor.api.", "org.agenthypervisor.apix.", "org.agenthypervisor.core.", "org.agenthypervisor.",
                "org.agenthypervisor.shaded.", "net.bytebuddy.", "net.bytebuddyx.", "org.graalvm.", "com.acme.", "", "j", "java");
        Arbitrary<String> rest = Arbitraries.strings().withChars("abcXY$_.").ofMaxLength(12);
        return Combinators.combine(prefix, rest).as((p, r) -> p + r);
    }

    @Property(tries = 3000)
    void agreesWithTheInternalNameCheck(@ForAll("binaryNames") String binaryName) {
        assertEquals(CandidateFilter.isIgnored(binaryName.replace('.', '/')), CandidateFilter.isIgnoredBinaryName(binaryName),
                binaryName);
    }
}
