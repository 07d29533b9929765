package org.agenthypervisor.it;

import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12's concurrency suite: agents of rings 3, 2 and 1 and the host take turns on 16 platform
 * threads and 10,000 virtual threads (JDK 21+) over one shared pool, {@code CompletableFuture}
 * chains and the common pool; every governed call counts whether the hypervisor took it for the
 * agent whose round started it. None may be taken for another agent, none refused (no call is
 * above its caller's ring). The short form makes 100,000 calls; {@code -Dreliability.calls=N} (or
 * {@code RELIABILITY_CALLS}) the long form, whose figures {@code docs/reliability.md} records.
 */
class ConcurrencyIT {
    private static final String POLICY = """
            version: 1
            agents:
              low:
                ring: 3
              mid:
                ring: 2
              high:
                ring: 1
            """;

    @Test
    void noGovernedCallIsCheckedAgainstAnotherAgentAcrossThreadsPoolsAndFutures() {
        String configured = System.getProperty("reliability.calls", System.getenv("RELIABILITY_CALLS"));
        long calls = configured == null || configured.isBlank() ? 100_000 : Long.parseLong(configured.trim());
        Path dir = ChildJvm.freshWorkDir("concurrency");
        ChildJvm.write(dir, "policy.yaml", POLICY);
        Result r = ChildJvm.withAgent("policy=policy.yaml").in(dir).timeout(3600)
                .run("com.acme.concurrency.ConcurrencyApp", Long.toString(calls));
        System.out.println("CONCURRENCY SUITE on Java " + ChildJvm.javaVersion() + ": " + r.lines("RESULT "));
        assertEquals(0, r.exitCode(), r::toString);
        long made = Long.parseLong(r.result("calls"));
        assertTrue(made >= calls * 9 / 10, () -> "too few calls: " + r);
        assertEquals("0", r.result("misattributed"), r::toString);
        assertEquals("0", r.result("refused"), r::toString);
        assertEquals(String.valueOf(ChildJvm.javaVersion() >= 21), r.result("virtual"), "virtual threads run where the JDK has them");
    }
}
