package org.agenthypervisor.agent.advice;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the advice parameter that receives the instrumented method's site key: a random long the
 * gate gave the site, written into the bytecode as a constant when the class is transformed. The
 * gate's bridge refuses an entry whose key does not match, so code that calls the bridge itself with
 * another agent's site id cannot take on that agent.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface SiteKey {
}
