package org.agenthypervisor.samples.refund;

/** A customer's refund request, as the support bot understood it. */
public record RefundCase(String caseId, String orderId, String customer, long amountCents) {
    public String amount() {
        return format(amountCents);
    }

    public static String format(long cents) {
        return String.format("%d.%02d EUR", cents / 100, cents % 100);
    }
}
