package org.agenthypervisor.samples.refund;

/** A customer's refund request, as the support bot understood it. */
public record RefundCase(String caseId, String customer, long amountCents, String reason) {
    public String amount() {
        return String.format("%d.%02d EUR", amountCents / 100, amountCents % 100);
    }
}
