package org.agenthypervisor.samples.refund.ledger;

import org.agenthypervisor.samples.refund.RefundCase;

/** The ledger agent: books refunds billing approved. */
public class Ledger {
    private final LedgerDatabase database;

    public Ledger(LedgerDatabase database) {
        this.database = database;
    }

    public String book(RefundCase refund) {
        database.executeUpdate("INSERT INTO refunds VALUES (?, ?, ?, 'BOOKED')", refund.caseId(), refund.customer(),
                refund.amountCents());
        return "booked " + refund.caseId();
    }

    public LedgerDatabase database() {
        return database;
    }
}
