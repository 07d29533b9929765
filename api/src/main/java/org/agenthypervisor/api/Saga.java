package org.agenthypervisor.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method as a saga boundary. Entering it with no saga active opens a saga; a nested
 * {@code @Saga} joins the outer one. When an exception leaves the outermost saga method, the
 * {@link Compensate compensable} steps that completed inside it are compensated in reverse order,
 * then the exception propagates.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Saga {
    /** A name for the saga in the journal and the command line; defaults to {@code Class#method}. */
    String value() default "";
}
