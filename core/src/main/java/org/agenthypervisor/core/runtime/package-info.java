/**
 * The running hypervisor: loading the policy from its sources, wiring principals, the gate, the
 * audit trail and the facade backend together, hot reload, shutdown, and the JMX view.
 */
package org.agenthypervisor.core.runtime;
