package org.agenthypervisor.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The ring a caller needs to run this method: 0 kernel, 1 privileged, 2 standard, 3 user (sandbox).
 * Lower is more privileged. A caller whose effective ring is numerically greater than the value is
 * refused with {@link RingViolationException} before the method body runs.
 *
 * <p>On a type, the requirement applies to every method and constructor the type declares that
 * does not carry its own {@code @Ring}. Static methods and constructors are governed like any other
 * method.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.CONSTRUCTOR, ElementType.TYPE})
public @interface Ring {
    /** The required ring, 0 to 3. */
    int value();
}
