package com.acme.operator;

import org.agenthypervisor.api.Compensate;

/** Compensable steps (a plain class: they run as their caller). */
public class Books {
    @Compensate("unreserve")
    public String reserve(String id) {
        OperatorApp.result("step", "reserve " + id);
        return "reserved " + id;
    }

    public void unreserve(String id) {
        OperatorApp.result("compensated", "reserve " + id);
    }

    @Compensate("unbook")
    public String book(String id) {
        OperatorApp.result("step", "book " + id);
        return "booked " + id;
    }

    public void unbook(String id) {
        OperatorApp.result("compensated", "book " + id);
    }
}
