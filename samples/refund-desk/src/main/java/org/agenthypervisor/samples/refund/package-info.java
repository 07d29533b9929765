/**
 * The refund desk: a customer-facing support bot (ring 3), a billing agent that decides refunds
 * (ring 1) and the ledger that books them in an embedded H2 database (ring 0). None of this code
 * mentions rings: {@code policies/demo.yaml} binds the packages to agents and guards the database.
 */
package org.agenthypervisor.samples.refund;
