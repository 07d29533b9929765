package org.agenthypervisor.samples.refund.billing;

import org.agenthypervisor.api.Saga;
import org.agenthypervisor.api.Session;
import org.agenthypervisor.api.SessionState;
import org.agenthypervisor.samples.refund.RefundCase;
import org.agenthypervisor.samples.refund.ledger.Ledger;

/**
 * Decides refunds. It reads the case from the shared session (the support bot hands over only the
 * case id), runs the refund as a saga (reserve, book, confirm) and writes its decision there.
 */
public class BillingAgent {
    private static final long LIMIT_CENTS = 500_00;

    private final Ledger ledger;
    private final Mailer mailer;

    public BillingAgent(Ledger ledger, Mailer mailer) {
        this.ledger = ledger;
        this.mailer = mailer;
    }

    @Saga("refund")
    public String process(String caseId) {
        SessionState state = Session.current().state();
        RefundCase refund = (RefundCase) state.get("refund.case");
        if (refund == null || !refund.caseId().equals(caseId)) {
            return "no case " + caseId + " in the session";
        }
        if (refund.amountCents() > LIMIT_CENTS) {
            state.put("refund.decision", "rejected: above the limit");
            return "rejected " + caseId + ": above the " + LIMIT_CENTS / 100 + " EUR limit";
        }
        ledger.reserve(refund);
        ledger.book(refund);
        mailer.confirm(refund);
        state.put("refund.decision", "approved " + refund.amount());
        return "refunded " + refund.amount() + " for " + caseId;
    }
}
