package org.agenthypervisor.bench.report;

import org.agenthypervisor.core.audit.AuditLog;
import org.agenthypervisor.core.audit.SessionDeltas;
import org.agenthypervisor.core.merkle.MerkleFrontier;
import org.agenthypervisor.core.policy.Policy;

import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes an audit log of about N records with the refund desk's mix, for measuring
 * {@code audit report --html} on it (bench/RESULTS.md, issue 14):
 *
 * <pre>java -cp bench/target/benchmarks.jar org.agenthypervisor.bench.report.ReportLogBuilder DIR 1000000
 * /usr/bin/time -v java -Xmx256m -jar agent/target/agent-hypervisor.jar audit report --data-dir DIR --html DIR/report.html</pre>
 *
 * Each round is one refund among 12 agents (4 desks of support bot, billing, ledger): a session
 * with two deltas, six hand-offs, a two-step saga (every 5th rolled back with two compensations),
 * two ring denials; every 3rd round a capability denial, every 7th a refused hand-off, every 50th a
 * slash, every 500th an operator's trust change. Written with the real writer ({@code durability: none}),
 * heads every 1000 records, so the log verifies.
 */
public final class ReportLogBuilder {
    private ReportLogBuilder() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long target = Long.parseLong(args[1]);
        long start = System.nanoTime();
        long written = 0;
        Policy.AuditSettings settings = new Policy.AuditSettings(Policy.Durability.NONE, 10, 1000, 3_600_000);
        try (AuditLog log = AuditLog.open(dir, settings)) {
            List<String> agents = List.of("support-bot-0", "billing-0", "ledger-0", "support-bot-1", "billing-1", "ledger-1",
                    "support-bot-2", "billing-2", "ledger-2", "support-bot-3", "billing-3", "ledger-3");
            log.record("policy.loaded", Map.of("agents", agents, "mode", "enforce"));
            written++;
            double[] trust = new double[agents.size()];
            java.util.Arrays.fill(trust, 1.0);
            for (long round = 0; written < target; round++) {
                int desk = (int) (round % 4);
                String bot = "support-bot-" + desk, billing = "billing-" + desk, ledger = "ledger-" + desk;
                String session = "sess-" + round, saga = "s" + round;
                written += rec(log, "session.opened", "session", session, "name", "refund R-" + round, "openedBy", "host");
                for (String a : List.of(bot, billing, ledger)) {
                    written += rec(log, "session.joined", "session", session, "agent", a, "trust", trust[agents.indexOf(a)]);
                }
                MerkleFrontier deltas = new MerkleFrontier();
                for (int k = 1; k <= 2; k++) {
                    Map<String, Object> delta = new LinkedHashMap<>();
                    delta.put("session", session);
                    delta.put("agent", k == 1 ? bot : billing);
                    delta.put("key", k == 1 ? "refund.case" : "refund.decision");
                    delta.put("oldDigest", null);
                    delta.put("newDigest", String.format("%064x", round * 2 + k));
                    delta.put("sequence", (long) k);
                    delta.put("version", 1L);
                    log.record("session.delta", delta);
                    written++;
                    deltas.appendRecord(SessionDeltas.deltaBytes(delta));
                }
                written += rec(log, "handoff", "sender", bot, "receiver", billing, "direction", "call", "id", "h" + round + "-1",
                        "method", "BillingAgent#process(String)", "session", session);
                written += rec(log, "saga.begin", "saga", saga, "name", "refund", "agent", billing, "method", "BillingAgent#process(String)");
                String[] steps = {"Ledger#reserve(RefundCase)", "Ledger#book(RefundCase)"};
                for (int k = 0; k < 2; k++) {
                    written += rec(log, "handoff", "sender", billing, "receiver", ledger, "direction", "call", "id",
                            "h" + round + "-" + (2 + 2 * k), "method", steps[k], "session", session);
                    written += rec(log, "saga.step.done", "saga", saga, "step", saga + "." + (k + 1), "agent", ledger, "method", steps[k]);
                    written += rec(log, "handoff", "sender", ledger, "receiver", billing, "direction", "return", "id",
                            "h" + round + "-" + (3 + 2 * k), "method", steps[k], "session", session);
                }
                if (round % 5 == 4) {
                    written += rec(log, "saga.rollback", "saga", saga, "steps", 2, "error", "the confirmation bounced");
                    written += rec(log, "saga.compensating", "saga", saga, "step", saga + ".2", "method", "Ledger#unbook(RefundCase)",
                            "inDoubt", false);
                    written += rec(log, "saga.compensated", "saga", saga, "step", saga + ".2", "attempts", 1);
                    written += rec(log, "saga.compensating", "saga", saga, "step", saga + ".1", "method", "Ledger#release(RefundCase)",
                            "inDoubt", false);
                    written += rec(log, "saga.compensated", "saga", saga, "step", saga + ".1", "attempts", 1);
                    written += rec(log, "saga.end", "saga", saga, "name", "refund", "outcome", "compensated", "compensated", 2);
                } else {
                    written += rec(log, "saga.end", "saga", saga, "name", "refund", "outcome", "completed");
                }
                written += rec(log, "handoff", "sender", billing, "receiver", bot, "direction", "return", "id", "h" + round + "-6",
                        "method", "BillingAgent#process(String)", "session", session);
                Map<String, Object> closed = new LinkedHashMap<>();
                closed.put("session", session);
                closed.put("name", "refund R-" + round);
                closed.put("deltas", 2L);
                closed.put("root", HexFormat.of().formatHex(deltas.root()));
                closed.put("participants", List.of(bot, billing, ledger));
                log.record("session.closed", closed);
                written++;
                for (int k = 0; k < 2; k++) {
                    written += rec(log, "ring.denied", "agent", bot, "effectiveRing", 3, "grantedRing", 3, "requiredRing", 0,
                            "method", "LedgerDatabase#execute(String)", "source", "policy rule #1", "trust", trust[agents.indexOf(bot)]);
                }
                if (round % 3 == 0) {
                    written += rec(log, "capability.denied", "agent", bot, "effectiveRing", 3, "capability", "network.connect",
                            "target", "paste.invalid:443", "reason", "network.connect is not granted at ring 3");
                }
                if (round % 7 == 0) {
                    written += rec(log, "handoff.refused", "sender", bot, "receiver", billing, "untrustedAgent", bot,
                            "trust", trust[agents.indexOf(bot)], "minTrust", 0.7, "policyKey", "agents.billing.minTrust",
                            "method", "BillingAgent#process(String)");
                }
                if (round % 50 == 0) {
                    int i = agents.indexOf(billing);
                    double before = trust[i];
                    trust[i] = Math.max(0, before - 0.05);
                    written += rec(log, "trust.slashed", "agent", billing, "before", before, "after", trust[i], "grantedRing", 1,
                            "effectiveRing", 1, "cause", "anomaly reported by " + ledger + " in round " + round);
                }
                if (round % 500 == 499) {
                    int i = agents.indexOf(billing);
                    written += rec(log, "trust.set", "agent", billing, "before", trust[i], "after", 1.0, "reason", "reviewed",
                            "by", "operator", "effectiveRing", 1);
                    trust[i] = 1.0;
                }
                if (round % 1000 == 0) {
                    log.flush();
                }
            }
        }
        System.out.printf("wrote %d records to %s in %.1f s%n", written, dir, (System.nanoTime() - start) / 1e9);
    }

    private static int rec(AuditLog log, String type, Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        log.record(type, m);
        return 1;
    }
}
