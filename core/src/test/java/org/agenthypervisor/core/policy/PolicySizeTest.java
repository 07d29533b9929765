package org.agenthypervisor.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.agenthypervisor.core.policy.PolicyException.Problem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The policy size cap: checked before parsing, comments included; a long line under it still parses. */
class PolicySizeTest {
    @TempDir
    Path dir;

    /** {@code version: 1}, a mode, and one comment line padding the file to exactly {@code bytes} bytes. */
    static String withComment(int bytes) {
        String head = "version: 1\nmode: audit\n# ";
        return head + "x".repeat(bytes - head.length() - 1) + "\n";
    }

    @Test
    void aPolicyOverTheCapIsRefusedBeforeParsingNamingFileSizeAndLimit() throws IOException {
        Path file = dir.resolve("huge.yaml");
        // A one-line comment: what SnakeYAML's own code point limit did not count.
        Files.writeString(file, withComment(3 * PolicyParser.MAX_BYTES));
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyParser.parse(file));
        assertEquals(1, e.problems().size());
        Problem p = e.problems().get(0);
        assertEquals(file.toString(), p.file());
        assertTrue(p.message().contains("the policy is too large: " + 3 * PolicyParser.MAX_BYTES + " bytes, the limit is "
                + PolicyParser.MAX_BYTES + " bytes (1 MiB)"), p.message());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());

        Path oneOver = dir.resolve("one-over.yaml");
        Files.writeString(oneOver, withComment(PolicyParser.MAX_BYTES + 1));
        PolicyException over = assertThrows(PolicyException.class, () -> PolicyParser.parse(oneOver));
        assertTrue(over.getMessage().contains((PolicyParser.MAX_BYTES + 1) + " bytes"), over.getMessage());
    }

    @Test
    void aPolicyOfExactlyTheCapWithALongCommentLoads() throws Exception {
        Path file = dir.resolve("at-cap.yaml");
        String text = withComment(PolicyParser.MAX_BYTES);
        Files.writeString(file, text);
        assertEquals(PolicyParser.MAX_BYTES, Files.size(file));
        Policy p = PolicyParser.parse(file);
        assertEquals(Policy.Mode.AUDIT, p.mode());
        assertEquals(PolicyParser.sha256(text.getBytes(StandardCharsets.UTF_8)), p.sha256());
    }

    @Test
    void aLongScalarLineUnderTheCapLoads() throws Exception {
        String dataDir = "d".repeat(PolicyParser.MAX_BYTES - 100);
        Policy p = PolicyParser.parse("version: 1\ndataDir: " + dataDir + "\n", "long-line.yaml");
        assertEquals(dataDir, p.dataDir());
    }

    @Test
    void textOverTheCapIsRefusedToo() {
        PolicyException e = assertThrows(PolicyException.class,
                () -> PolicyParser.parse(withComment(PolicyParser.MAX_BYTES + 10), "text.yaml"));
        assertTrue(e.getMessage().contains("the policy is too large"), e.getMessage());
    }
}
