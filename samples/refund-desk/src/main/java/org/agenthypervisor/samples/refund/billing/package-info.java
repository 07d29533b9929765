/** The billing agent (ring 1 in the demo policy): decides refunds. */
package org.agenthypervisor.samples.refund.billing;
