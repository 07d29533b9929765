package org.agenthypervisor.samples.refund.billing;

import org.agenthypervisor.samples.refund.RefundCase;
import org.agenthypervisor.samples.refund.ledger.Ledger;

/** Decides refunds and asks the ledger to book the approved ones. */
public class BillingAgent {
    private static final long LIMIT_CENTS = 500_00;

    private final Ledger ledger;

    public BillingAgent(Ledger ledger) {
        this.ledger = ledger;
    }

    public String approve(RefundCase refund) {
        if (refund.amountCents() > LIMIT_CENTS) {
            return "rejected " + refund.caseId() + ": above the " + LIMIT_CENTS / 100 + " EUR limit";
        }
        return ledger.book(refund);
    }
}
