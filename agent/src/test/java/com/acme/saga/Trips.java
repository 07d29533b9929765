package com.acme.saga;

import org.agenthypervisor.api.Hypervisor;
import org.agenthypervisor.api.Saga;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** The host's saga boundaries. */
public class Trips {
    final Airline airline = new Airline();
    final Hotel hotel = new Hotel();
    final Warehouse warehouse = new Warehouse();
    final Courier courier = new Courier();
    final Clerk clerk = new Clerk();

    /** Three steps, then a failure. */
    @Saga("trip")
    public void bookTrip() {
        airline.reserveSeat("LH400", 2);
        hotel.bookRoom("Ritz", new Stay("Ada", 3));
        Cars.rent("VW Golf");
        throw new IllegalStateException("payment declined");
    }

    @Saga("restock")
    public void restock() {
        warehouse.reserve("sku-1");
        throw new IllegalStateException("supplier gone");
    }

    @Saga("delivery")
    public void deliver() {
        hotel.bookRoom("Inn", new Stay("Bob", 1));
        courier.dispatch("parcel-9");
        throw new IllegalStateException("address unknown");
    }

    /** A nested saga fails and the outer one handles it: nothing is compensated. */
    @Saga("outer")
    public String handled() {
        airline.reserveSeat("AF1", 1);
        try {
            innerFailing();
        } catch (IllegalArgumentException handledHere) {
            Events.note("handled " + handledHere.getMessage());
        }
        return "ok";
    }

    @Saga("inner")
    public void innerFailing() {
        hotel.bookRoom("Hilton", new Stay("Cy", 2));
        throw new IllegalArgumentException("no vacancy");
    }

    /** Steps on a pool thread and in a CompletableFuture belong to the saga. */
    @Saga("parallel")
    public void parallel() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            pool.submit(() -> airline.reserveSeat("BA7", 1)).get();
            CompletableFuture.runAsync(() -> hotel.bookRoom("Savoy", new Stay("Di", 4))).get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdown();
        }
        throw new IllegalStateException("visa refused");
    }

    /** Two done steps, then the JVM dies. */
    @Saga("doomed")
    public void crash() {
        airline.reserveSeat("UA9", 3);
        hotel.bookRoom("Plaza", new Stay("Eve", 5));
        Events.note("halting");
        Runtime.getRuntime().halt(3);
    }

    /** A step on an instance recovery can only get from a factory, then the JVM dies. */
    @Saga("vault")
    public void crashWithSafe() {
        airline.reserveSeat("KL2", 1);
        new Safe("ops").lock("box-7");
        Runtime.getRuntime().halt(3);
    }

    @Saga("broken")
    public void broken() {
        new Broken().something("inside");
    }

    /** The clerk's step, then (while the saga runs) a reload demotes the clerk; then the saga fails. */
    @Saga("approval")
    public void approval() throws Exception {
        clerk.approve("r-1");
        Events.result("granted-before", Hypervisor.effectiveRing("clerk"));
        System.out.println("READY");
        System.out.flush();
        long deadline = System.currentTimeMillis() + 60_000;
        while (Hypervisor.effectiveRing("clerk") != 3 && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        Events.result("ring-after", Hypervisor.effectiveRing("clerk"));
        throw new IllegalStateException("approval withdrawn");
    }
}
