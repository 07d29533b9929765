/**
 * The shared store on PostgreSQL ({@code store: {postgres: ...}} in the policy): one database that
 * several JVMs of an application use for the state they must agree on: the trust ledger and the
 * audit log (one global order and Merkle tree, {@link org.agenthypervisor.core.store.postgres.SharedAuditLog},
 * read back by the CLI through {@link org.agenthypervisor.core.store.postgres.SharedAuditRows}). Plain JDBC with the PostgreSQL driver that the agent jar carries relocated; schema
 * migrations under an advisory lock; {@code LISTEN/NOTIFY} to hear other JVMs' appends.
 */
package org.agenthypervisor.core.store.postgres;
