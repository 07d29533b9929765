/**
 * The gate every governed call passes: the static entry points the inlined advice calls, the
 * registry of instrumented call sites, and the immutable state they read (one volatile read per
 * call). The allowed path of a ring check allocates nothing, takes no lock and logs nothing.
 */
package org.agenthypervisor.core.gate;
