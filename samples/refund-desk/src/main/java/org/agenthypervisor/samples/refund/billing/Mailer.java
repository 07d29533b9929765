package org.agenthypervisor.samples.refund.billing;

import org.agenthypervisor.samples.refund.RefundCase;

/** Confirms refunds to customers; the last step of the refund saga, and the one that can fail. */
public class Mailer {
    private final Runnable beforeBounce;

    /** @param beforeBounce what to do just before a mail bounces (the demo shows the ledger then) */
    public Mailer(Runnable beforeBounce) {
        this.beforeBounce = beforeBounce;
    }

    public void confirm(RefundCase refund) {
        if (refund.customer().endsWith("@bounces.example")) {
            beforeBounce.run();
            throw new IllegalStateException("the confirmation to " + refund.customer() + " bounced");
        }
    }
}
