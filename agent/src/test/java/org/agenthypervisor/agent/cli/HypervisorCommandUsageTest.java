package org.agenthypervisor.agent.cli;

import org.agenthypervisor.agent.AgentMain;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * {@code java -jar agent-hypervisor.jar --help} prints a stored copy of the top-level usage without
 * starting the command line; the copy must say what the command line says. When a command or its
 * description changes, regenerate it: {@code java -jar agent/target/agent-hypervisor.jar help >
 * agent/src/main/resources/org/agenthypervisor/agent/usage.txt} after a build without the copy
 * (or paste this test's "actual").
 */
class HypervisorCommandUsageTest {

    @Test
    void theStoredTopLevelUsageIsWhatTheCommandLinePrints() throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = HypervisorCommand.execute(new String[] {"--help"}, new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, exit, err::toString);
        String stored;
        try (InputStream in = AgentMain.class.getResourceAsStream(AgentMain.USAGE)) {
            assertNotNull(in, "the stored usage is packaged beside AgentMain");
            stored = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals(out.toString(), stored, "usage.txt is stale: regenerate it (see this class's comment)");
    }
}
