package com.acme.saga;

import org.agenthypervisor.api.Compensate;
import org.agenthypervisor.api.Ring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A kernel-ring class whose compensation destroys data: what a forger would like recovery to call.
 * {@code drop} leaves a marker file in the working directory, so a test sees whether it ran even if
 * nothing is printed.
 */
@Ring(0)
public class Ledger {
    @Compensate("drop")
    public void open(String book) {
        Events.note("open " + book);
    }

    public void drop(String book) {
        try {
            Files.writeString(Path.of("DROPPED-" + book), "dropped");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Events.note("drop " + book);
    }
}
