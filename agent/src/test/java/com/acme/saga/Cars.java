package com.acme.saga;

import org.agenthypervisor.api.Compensate;
import org.agenthypervisor.api.Hypervisor;

/** A static step. */
public final class Cars {
    private Cars() {
    }

    @Compensate("returnCar")
    public static long rent(String model) {
        Events.note("rent " + model + " step=" + Hypervisor.currentStep());
        return 42L;
    }

    static void returnCar(String model) {
        Events.note("returnCar " + model + " step=" + Hypervisor.currentStep());
    }
}
