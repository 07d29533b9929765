/** The customer-facing support bot (ring 3 in the demo policy). */
package org.agenthypervisor.samples.refund.support;
