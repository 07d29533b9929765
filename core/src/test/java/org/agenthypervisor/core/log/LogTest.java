package org.agenthypervisor.core.log;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12: a line logged inside a class file transformer must not reach the logging backend until
 * the transform has let go (writing it there could start the application's logging framework inside
 * {@code transform()}).
 */
class LogTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @BeforeEach
    void capture() {
        Log.disableSlf4j();
        Log.setFallback(new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        Log.flushPending();
        Log.setFallback(System.err);
    }

    private String written() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aLineLoggedInsideATransformIsWrittenOnlyAfterItAndBeforeLaterLines() {
        Log log = Log.get("instrumentation");
        boolean outermost = Log.enterTransform();
        assertTrue(outermost);
        try {
            log.error("logged inside the transform");
            Log.flushPending(); // a no-op while inside
            assertEquals("", written(), "nothing may be written while the transform runs");
        } finally {
            Log.exitTransform(outermost);
        }
        log.warn("logged after it");
        String text = written();
        int inside = text.indexOf("ERROR org.agenthypervisor.instrumentation - logged inside the transform");
        int after = text.indexOf("logged after it");
        assertTrue(inside >= 0 && after > inside, text);
    }

    @Test
    void aNestedTransformDoesNotEndBuffering() {
        Log log = Log.get("instrumentation");
        boolean outer = Log.enterTransform();
        boolean inner = Log.enterTransform();
        assertFalse(inner, "a class loaded while transforming is transformed inside the outer transform");
        Log.exitTransform(inner);
        log.error("still inside the outer transform");
        Log.flushPending();
        assertEquals("", written());
        Log.exitTransform(outer);
        Log.flushPending();
        assertTrue(written().contains("still inside the outer transform"), written());
    }
}
