package org.agenthypervisor.agent.advice;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the advice parameter that receives the woven method's required ring as an int constant
 * when an annotation fixes it, or {@code Gate.LOOK_UP} when a reloadable policy rule sets it.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface RequiredRing {
}
