package org.agenthypervisor.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method as a compensable saga step and names its compensation: a method of the same class
 * that takes the same parameters, or the same parameters followed by the step's return value. A
 * missing or mismatched compensation is reported when the class loads, never at rollback.
 *
 * <p>Each successful return of this method inside a saga is journaled as a step; if the saga fails,
 * the compensation runs on the same instance, with the privileges the step had.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Compensate {
    /** The name of the compensating method in the same class. */
    String value();

    /**
     * Whether it is safe to run the compensation for a step that was started but whose outcome is
     * unknown after a crash ("in doubt"). Say {@code true} only when the compensation tolerates a
     * step that never took effect; otherwise such a step is escalated for an operator.
     */
    boolean compensateInDoubt() default false;
}
