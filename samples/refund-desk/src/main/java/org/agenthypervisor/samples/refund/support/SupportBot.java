package org.agenthypervisor.samples.refund.support;

import org.agenthypervisor.api.Session;
import org.agenthypervisor.samples.refund.RefundCase;
import org.agenthypervisor.samples.refund.billing.BillingAgent;
import org.agenthypervisor.samples.refund.ledger.LedgerDatabase;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Talks to customers. In a real deployment a language model drives it; here its "tool calls" are
 * plain methods, including what a manipulated model would do: believe an inflated claim, try to
 * decide on its own, or run the SQL a customer smuggled in.
 */
public class SupportBot {
    private static final Pattern REQUEST = Pattern.compile("order (\\w+).*refund (\\d+)\\.(\\d{2})", Pattern.CASE_INSENSITIVE);

    private final BillingAgent billing;
    private final LedgerDatabase database;

    public SupportBot(BillingAgent billing, LedgerDatabase database) {
        this.billing = billing;
        this.database = database;
    }

    /**
     * Understands a customer's message, puts the case into the shared session and asks billing to
     * process it by id: the case itself is never copied from agent to agent.
     */
    public String handle(String customer, String message) {
        Matcher m = REQUEST.matcher(message);
        if (!m.find()) {
            return "could not understand: " + message;
        }
        RefundCase refund = new RefundCase("R-" + m.group(1), m.group(1), customer,
                Long.parseLong(m.group(2)) * 100 + Long.parseLong(m.group(3)));
        Session.current().state().put("refund.case", refund);
        return billing.process(refund.caseId());
    }

    /** Tries to write billing's decision itself (the key is ring-protected by the policy). */
    public void decideAlone(String decision) {
        Session.current().state().put("refund.decision", decision);
    }

    /** What a prompt-injected model does: run the SQL the "customer" smuggled in. */
    public int followInjectedInstruction(String sql) {
        return database.execute(sql);
    }
}
