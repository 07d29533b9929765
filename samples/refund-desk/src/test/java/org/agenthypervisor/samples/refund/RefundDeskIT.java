package org.agenthypervisor.samples.refund;

import org.agenthypervisor.it.AuditRecords;
import org.agenthypervisor.it.ChildJvm;
import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's demo command, as a newcomer runs it: the demo jar under the agent and demo policy. */
class RefundDeskIT {
    static Result runDemo() {
        Path dir = ChildJvm.freshWorkDir("demo");
        Result r = ChildJvm.withAgent("policy=" + System.getProperty("it.policy")).in(dir)
                .jar(Path.of(System.getProperty("it.demoJar"))).runJar();
        assertEquals(0, r.exitCode(), r::toString);
        return r;
    }

    @Test
    void theDemoShowsAnAllowedRefundADenialAndItsAuditRecord() {
        Result r = runDemo();
        String out = r.stdout();
        assertTrue(out.contains("Effective rings: support-bot 3, billing 1, ledger 0."), out);
        assertTrue(out.contains("support-bot -> billing -> ledger: booked R-1001"), out);
        assertTrue(out.contains("DENIED before the method body ran:\n  agent 'support-bot' (effective ring 3, granted ring 3,"
                + " trust 1.00) may not call org.agenthypervisor.samples.refund.ledger.LedgerDatabase#execute(String)"), out);
        assertTrue(out.contains("ledger rows: [R-1001 ada 4200 cents BOOKED]\nThe denial"), "the DELETE never ran:\n" + out);
        List<Map<String, Object>> denials = AuditRecords.ofType(r.dataDir(), "ring.denied");
        assertEquals(1, denials.size());
        assertEquals("support-bot", denials.get(0).get("agent"));
        assertEquals("org.agenthypervisor.samples.refund.ledger.LedgerDatabase#execute(String)", denials.get(0).get("method"));
    }
}
