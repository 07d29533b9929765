package org.agenthypervisor.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.file.Files;
import java.nio.file.Path;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.PolicyParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent options' overrides change the mode and the data directory, and nothing else of the policy. */
class PolicyLoaderTest {
    @TempDir
    Path dir;

    private static final String POLICY = """
            version: 1
            mode: enforce
            agents:
              researcher:
                classes: com.acme.research.**
                ring: 2
                capabilities:
                  network.connect: ["models.example:443"]
            rings:
              2:
                capabilities:
                  env.read: ["MODEL_KEY"]
            observe:
              opentelemetry: off
            """;

    @Test
    void aDataDirOrModeOptionKeepsEveryOtherSection() throws Exception {
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, POLICY);
        Policy parsed = PolicyParser.parse(file);
        assertFalse(parsed.capabilities().agents().isEmpty(), "the fixture grants capabilities");

        RuntimeOptions options = new RuntimeOptions(file, "agent option policy=", dir.resolve("data").toString(),
                Policy.Mode.AUDIT, false, dir);
        Policy loaded = PolicyLoader.load(options);

        assertEquals(Policy.Mode.AUDIT, loaded.mode());
        assertEquals(dir.resolve("data").toString(), loaded.dataDir());
        assertEquals(parsed.withModeAndDataDir(Policy.Mode.AUDIT, dir.resolve("data").toString()), loaded);
        // Every other section, including any added to the record later, is the parsed one.
        for (java.lang.reflect.RecordComponent c : Policy.class.getRecordComponents()) {
            if (!c.getName().equals("mode") && !c.getName().equals("dataDir")) {
                assertEquals(c.getAccessor().invoke(parsed), c.getAccessor().invoke(loaded), c.getName());
            }
        }
        assertEquals(parsed.capabilities(), loaded.capabilities());
        assertEquals(parsed.observe(), loaded.observe());
        assertEquals(parsed.agents(), loaded.agents());
    }

    @Test
    void withoutOverridesThePolicyIsTheParsedOne() throws Exception {
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, POLICY);
        Policy parsed = PolicyParser.parse(file);
        Policy loaded = PolicyLoader.withOverrides(parsed, new RuntimeOptions(file, "agent option policy=", null, null, false, dir));
        assertSame(parsed, loaded);
    }
}
