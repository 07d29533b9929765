package com.acme.sharedsaga;

import org.agenthypervisor.api.Compensate;
import org.agenthypervisor.api.Hypervisor;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Static steps (recovery in another JVM needs no instance). Each appends {@code DO <step> <pid>} or
 * {@code UNDO <step> <pid>} to the shared effects file ({@code -Dsharedsaga.effects}, else
 * {@code effects.log} in the working directory: the command line's offline recovery) with one
 * {@code write}: a short line appended so is never torn, and a {@code kill -9} loses none that returned.
 */
public final class Legs {
    private Legs() {
    }

    @Compensate("undo")
    public static String leg(int k) {
        String step = Hypervisor.currentStep();
        effect("DO", step);
        return step;
    }

    static void undo(int k) {
        effect("UNDO", Hypervisor.currentStep());
    }

    /** A leg that does its effect and then hangs inside its body: killed there, it is in doubt. */
    @Compensate("undoStuck")
    public static String stuck(int k) throws InterruptedException {
        String step = Hypervisor.currentStep();
        effect("DO", step);
        SagaReplicaApp.say("HUNG " + step);
        new java.util.concurrent.CountDownLatch(1).await(); // killed here
        return step;
    }

    static void undoStuck(int k) {
        effect("UNDO", Hypervisor.currentStep());
    }

    static synchronized void effect(String what, String step) {
        String line = what + " " + step + " " + ProcessHandle.current().pid() + "\n";
        try (FileOutputStream out = new FileOutputStream(System.getProperty("sharedsaga.effects", "effects.log"), true)) {
            out.write(line.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
