/**
 * The only hypervisor code on the bootstrap class path besides the api: the static entry points
 * that woven code calls (in application classes and in the JDK's own executors, threads, file
 * classes and hidden-class definition), each a one-line delegation to an implementation inside the
 * agent's isolated named module, which exports and opens none of its packages.
 *
 * <p>What this package may and may not hold, and why:
 * <ul>
 *   <li>No public method that sets a context, a trust score, a grant or the policy. Every class
 *   here is reachable by every class loader and, being in the bootstrap loader's unnamed module,
 *   is open to deep reflection ({@code setAccessible}, {@code privateLookupIn}) and even to
 *   {@code Lookup.defineClass} of new classes into these packages. So the entry points are the
 *   whole surface: anything a private member here could do, an agent can do too.</li>
 *   <li>No mutable state. Each bridge's implementation is a {@code private static final} field,
 *   bound once by {@link org.agenthypervisor.bridge.Bridges#install} while the class initialises
 *   (a final static cannot be written by reflection or method handles, only by
 *   {@code sun.misc.Unsafe}). The thread-local context cells, principals, trust, policy and
 *   grants all live in the named module, where no application code can reach them.</li>
 *   <li>No "no context" value an agent can produce. A thread without a context cell runs as the
 *   host, so removing a cell is as good as becoming the host. The cell itself is unreachable (a
 *   {@code ThreadLocal} held by the module; {@code Thread}'s map is in {@code java.base}, which
 *   is not open). The entry points that can remove or replace the calling thread's cell (a pool
 *   worker forgetting what it inherited, the pool's next task, a fork/join task's exit) verify
 *   that the JDK method they are woven into called them, and do nothing otherwise; the ones that
 *   only wrap, capture or add context cannot lower what the caller runs as. Tokens returned by
 *   the gate are opaque objects of the module; an agent can only hand back ones it received.</li>
 * </ul>
 *
 * <p>{@link org.agenthypervisor.bridge.ToolDenied} is a value class here because woven framework
 * code tests for it; creating one grants nothing.
 */
package org.agenthypervisor.bridge;
