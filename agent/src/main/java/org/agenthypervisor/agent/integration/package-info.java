/**
 * Framework integrations behind one extension interface, as the OpenTelemetry agent's
 * {@code InstrumentationModule}: each {@link org.agenthypervisor.agent.integration.Integration} has a
 * name, a policy switch, where its framework's version is read, and a table of targets (class,
 * method, advice) matched by name. One transformer weaves them all, the JDK's executors included.
 * The next framework is a new sub-package, not an edit across the code.
 */
package org.agenthypervisor.agent.integration;
