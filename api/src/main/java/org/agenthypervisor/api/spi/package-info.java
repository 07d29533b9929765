/**
 * The seam between the facade and the agent: the agent installs its implementation of
 * {@link org.agenthypervisor.api.spi.HypervisorBackend} once, before the application's {@code main}.
 * Applications never implement or call this package.
 */
package org.agenthypervisor.api.spi;
