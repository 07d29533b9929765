package com.acme.sagaunit;

import org.agenthypervisor.api.Compensate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** Compensable steps for the saga engine's unit tests (bodies run unwoven; the harness plays the advice). */
public class Bank {
    public static final List<String> LOG = Collections.synchronizedList(new ArrayList<>());
    /** What the compensations record as their step id (the test sets how to read it). */
    public static volatile Supplier<String> stepProbe = () -> "?";
    public static final AtomicInteger FLAKY_FAILURES = new AtomicInteger();

    public static void reset() {
        LOG.clear();
        FLAKY_FAILURES.set(0);
    }

    @Compensate("credit")
    public String debit(String account, long amount) {
        LOG.add("debit " + account + " " + amount);
        return "tx-" + account;
    }

    public void credit(String account, long amount) {
        LOG.add("credit " + account + " " + amount + " @" + stepProbe.get());
    }

    @Compensate("cancel")
    public String book(String what) {
        LOG.add("book " + what);
        return "booking-" + what;
    }

    public void cancel(String what, String booking) {
        LOG.add("cancel " + what + " " + booking);
    }

    @Compensate("unreserve")
    public void reserve(String item) {
        LOG.add("reserve " + item);
    }

    /** Fails while FLAKY_FAILURES is above 0. */
    public void unreserve(String item) {
        if (FLAKY_FAILURES.getAndDecrement() > 0) {
            LOG.add("unreserve failed " + item);
            throw new IllegalStateException("warehouse busy");
        }
        LOG.add("unreserve " + item);
    }

    @Compensate("unship")
    public void ship(String order) {
        LOG.add("ship " + order);
    }

    public void unship(String order) {
        LOG.add("unship failed " + order);
        throw new IllegalStateException("the truck left");
    }

    @Compensate(value = "release", compensateInDoubt = true)
    public void hold(String seat) {
        LOG.add("hold " + seat);
    }

    public void release(String seat) {
        LOG.add("release " + seat);
    }

    @Compensate("nothingLikeThis")
    public void broken(String x) {
        LOG.add("broken ran " + x);
    }
}
