package org.agenthypervisor.samples.refund.support;

import org.agenthypervisor.samples.refund.RefundCase;
import org.agenthypervisor.samples.refund.billing.BillingAgent;
import org.agenthypervisor.samples.refund.ledger.LedgerDatabase;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Talks to customers. In a real deployment a language model drives it; here its "tool calls" are
 * plain methods, including the one a prompt injection would make it call.
 */
public class SupportBot {
    private static final Pattern REQUEST = Pattern.compile("order (\\w+).*refund (\\d+)\\.(\\d{2})", Pattern.CASE_INSENSITIVE);

    private final BillingAgent billing;
    private final LedgerDatabase database;

    public SupportBot(BillingAgent billing, LedgerDatabase database) {
        this.billing = billing;
        this.database = database;
    }

    /** Understands a customer's message and asks billing for the refund. */
    public String handle(String customer, String message) {
        Matcher m = REQUEST.matcher(message);
        if (!m.find()) {
            return "could not understand: " + message;
        }
        RefundCase refund = new RefundCase("R-" + m.group(1), customer,
                Long.parseLong(m.group(2)) * 100 + Long.parseLong(m.group(3)), message);
        return billing.approve(refund);
    }

    /** What a prompt-injected model does: run the SQL the "customer" smuggled in. */
    public int followInjectedInstruction(String sql) {
        return database.execute(sql);
    }
}
