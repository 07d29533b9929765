package com.acme.reliability;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The side effects, one line each ({@code DO s3.1 run=R}, {@code UNDO s3.1 run=R}, {@code RERUN
 * s3.1 run=R}), appended with one {@code write} each: a {@code kill -9} loses none that returned
 * (the page cache keeps them), and an append of a short line is never torn.
 */
final class Effects {
    private static final Path FILE = Path.of("effects.log");
    private static final String RUN = System.getProperty("crash.run", "0");

    private Effects() {
    }

    static synchronized void append(String what, String step) {
        try (FileOutputStream out = new FileOutputStream(FILE.toFile(), true)) {
            out.write((what + " " + step + " run=" + RUN + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the file already records {@code UNDO step}: compensations are idempotent by step id. */
    static synchronized boolean undone(String step) {
        try {
            if (!Files.exists(FILE)) {
                return false;
            }
            String prefix = "UNDO " + step + " ";
            for (String line : Files.readAllLines(FILE, StandardCharsets.UTF_8)) {
                if (line.startsWith(prefix)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
