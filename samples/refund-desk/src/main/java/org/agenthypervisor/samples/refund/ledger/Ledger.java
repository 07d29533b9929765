package org.agenthypervisor.samples.refund.ledger;

import org.agenthypervisor.api.Compensate;
import org.agenthypervisor.api.Hypervisor;
import org.agenthypervisor.api.Ring;
import org.agenthypervisor.samples.refund.RefundCase;

/**
 * The ledger agent: books refunds billing approved, as two compensable saga steps, and checks
 * every refund against the order it refunds. It runs as the ledger (ring 0); its booking methods
 * need ring 1, which billing has while it is trusted.
 */
public class Ledger {
    private final LedgerDatabase database;

    public Ledger(LedgerDatabase database) {
        this.database = database;
    }

    /** Whether an order exists: any agent may ask, if the ledger trusts it (agents.ledger.minTrust). */
    public boolean orderExists(String orderId) {
        return database.orderAmountCents(orderId) >= 0;
    }

    /** Saga step 1: reserves the refund. Catches a refund that does not match its order. */
    @Ring(1)
    @Compensate("release")
    public String reserve(RefundCase refund) {
        long orderCents = database.orderAmountCents(refund.orderId());
        if (refund.amountCents() > orderCents) {
            // The payload is bad: whoever vouched for it on the way here is liable.
            Hypervisor.reportAnomaly("refund " + refund.caseId() + " claims " + refund.amount() + " for order "
                    + refund.orderId() + " worth " + RefundCase.format(orderCents), 0.35);
            throw new IllegalArgumentException("refund " + refund.caseId() + " exceeds its order: refused");
        }
        database.executeUpdate("INSERT INTO refunds VALUES (?, ?, ?, 'RESERVED')", refund.caseId(), refund.customer(),
                refund.amountCents());
        return "reserved " + refund.caseId();
    }

    /** Compensation of {@link #reserve}: the row goes away. */
    public void release(RefundCase refund) {
        database.executeUpdate("DELETE FROM refunds WHERE case_id = ?", refund.caseId());
    }

    /** Saga step 2: books the reserved refund. */
    @Ring(1)
    @Compensate("unbook")
    public String book(RefundCase refund) {
        database.executeUpdate("UPDATE refunds SET status = 'BOOKED' WHERE case_id = ?", refund.caseId());
        return "booked " + refund.caseId();
    }

    /** Compensation of {@link #book}: back to reserved (then {@link #release} removes it). */
    public void unbook(RefundCase refund) {
        database.executeUpdate("UPDATE refunds SET status = 'RESERVED' WHERE case_id = ?", refund.caseId());
    }

    public LedgerDatabase database() {
        return database;
    }
}
