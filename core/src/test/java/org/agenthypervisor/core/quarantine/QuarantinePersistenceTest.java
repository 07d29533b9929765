package org.agenthypervisor.core.quarantine;

import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.context.Principal.Quarantine;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.policy.PolicyParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Quarantines survive a restart through the data directory; an unreadable file stops the start. */
class QuarantinePersistenceTest {
    static final String POLICY = """
            version: 1
            agents:
              bot: {ring: 2}
              clerk: {ring: 2}
              spare: {ring: 3}
            """;

    @TempDir
    Path dir;
    final AtomicLong clock = new AtomicLong(1_000_000);
    final List<String> audited = new ArrayList<>();

    /** A fresh JVM's view: new principals from the policy, quarantines from the directory. */
    Quarantines start(Principals principals) throws IOException {
        Quarantines q = new Quarantines(principals, new AuditTrail() {
            @Override
            public void record(String type, Map<String, Object> fields) {
                audited.add(type + " " + fields.get("agent"));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        }, clock::get, dir);
        q.restore();
        return q;
    }

    static Principals principals() {
        try {
            return new Principals(PolicyParser.parse(POLICY, "test"));
        } catch (org.agenthypervisor.core.policy.PolicyException bad) {
            throw new AssertionError(bad);
        }
    }

    @Test
    void aKillAndAQuarantineInForceAreBackAfterARestartAndAnExpiredOneIsNot() throws IOException {
        Quarantines first = start(principals());
        first.kill("bot", "it deleted the refunds table", "jmx");
        first.quarantine("clerk", 60_000, "too many refunds", "breach");
        first.quarantine("spare", 1_000, "a short one", "jmx");

        clock.addAndGet(5_000); // spare's quarantine is over, clerk's is not
        Principals again = principals();
        start(again);
        Quarantine bot = again.agent("bot").quarantine();
        assertTrue(bot != null && bot.killed() && bot.reason().equals("it deleted the refunds table"), String.valueOf(bot));
        Quarantine clerk = again.agent("clerk").quarantine();
        assertEquals(1_000_000 + 60_000, clerk.untilMillis());
        assertEquals("breach", clerk.by());
        assertNull(again.agent("spare").quarantine());
        assertTrue(audited.contains("quarantine.restored bot") && audited.contains("quarantine.restored clerk"), audited::toString);
        assertTrue(again.agent("bot").effectiveRing() > 3, "a restored quarantine sets the quarantined ring");
        String saved = Files.readString(dir.resolve(QuarantineFile.FILE));
        assertTrue(!saved.contains("spare"), "the expired entry is dropped from the file: " + saved);
    }

    @Test
    void aReleaseIsSavedToo() throws IOException {
        Quarantines first = start(principals());
        first.kill("bot", "rogue", "jmx");
        first.release("bot", "fixed", "jmx");
        Principals again = principals();
        start(again);
        assertNull(again.agent("bot").quarantine());
    }

    @Test
    void anUnreadableFileStopsTheStartAndIsLeftAsItIs() throws IOException {
        start(principals()).kill("bot", "rogue", "jmx");
        Path file = dir.resolve(QuarantineFile.FILE);
        byte[] damaged = Files.readString(file).replace("\"killed\":true", "\"killed\":tru").getBytes(StandardCharsets.UTF_8);
        Files.write(file, damaged);
        IOException e = assertThrows(IOException.class, () -> start(principals()));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("delete it to release them all"),
                e::getMessage);
        assertEquals(new String(damaged, StandardCharsets.UTF_8), Files.readString(file), "never rewritten");

        Files.writeString(file, "{\"quarantines\":[],\"version\":2}");
        assertThrows(IOException.class, () -> start(principals()), "an unknown version is not guessed at");
        Files.writeString(file, "{\"quarantines\":[{\"agent\":\"bot\",\"by\":\"jmx\",\"killed\":false,\"reason\":\"x\","
                + "\"since\":1,\"until\":null}],\"version\":1}");
        assertThrows(IOException.class, () -> start(principals()), "no end and not a kill");
        Files.writeString(file, "{\"quarantines\":[{\"agent\":\"../bot\",\"by\":\"jmx\",\"killed\":true,\"reason\":\"x\","
                + "\"since\":1,\"until\":null}],\"version\":1}");
        assertThrows(IOException.class, () -> start(principals()), "not an agent id");
    }
}
