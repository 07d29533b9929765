package com.acme.operator;

import java.util.concurrent.atomic.AtomicInteger;

/** Pays money out; ApprovalsIT's policy makes each call wait for an approver. Counts the bodies that ran. */
public class Payouts {
    static final AtomicInteger RAN = new AtomicInteger();

    public String pay(String to, long cents) {
        RAN.incrementAndGet();
        return "paid " + to + " " + cents;
    }
}
