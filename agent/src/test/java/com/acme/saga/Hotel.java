package com.acme.saga;

import org.agenthypervisor.api.Compensate;
import org.agenthypervisor.api.Hypervisor;

/** A plain class (runs as its caller) with a record argument. */
public class Hotel {
    @Compensate("cancelRoom")
    public void bookRoom(String hotel, Stay stay) {
        Events.note("bookRoom " + hotel + " " + stay + " step=" + Hypervisor.currentStep());
    }

    public void cancelRoom(String hotel, Stay stay) {
        Events.note("cancelRoom " + hotel + " " + stay + " step=" + Hypervisor.currentStep());
    }
}
