package org.agenthypervisor.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Binds a class to an agent: while a method of this class (or of a class nested in it) runs, the
 * code runs <em>as</em> that agent. Calls from another agent into its public methods are hand-offs.
 *
 * <p>The id must match {@code [a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?}. The agent's ring and trust come
 * from the policy ({@code agents.<id>}); code cannot raise its own ring. The policy can bind classes
 * to agents without this annotation ({@code agents.<id>.classes}).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Agent {
    /** The agent id. */
    String value();
}
