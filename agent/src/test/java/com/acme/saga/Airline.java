package com.acme.saga;

import org.agenthypervisor.api.Agent;
import org.agenthypervisor.api.Compensate;
import org.agenthypervisor.api.Hypervisor;

/** An agent; its compensation takes the step's result (the booking reference). */
@Agent("airline")
public class Airline {
    @Compensate("cancelSeat")
    public String reserveSeat(String flight, int passengers) {
        Events.note("reserveSeat " + flight + " " + passengers + " step=" + Hypervisor.currentStep()
                + " agent=" + Hypervisor.currentAgent());
        return "PNR-" + flight;
    }

    public void cancelSeat(String flight, int passengers, String pnr) {
        Events.note("cancelSeat " + flight + " " + passengers + " " + pnr + " step=" + Hypervisor.currentStep()
                + " agent=" + Hypervisor.currentAgent());
    }
}
