/** The ledger agent (ring 0 in the demo policy) and its database. */
package org.agenthypervisor.samples.refund.ledger;
