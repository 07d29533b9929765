/**
 * The shared store on PostgreSQL ({@code store: {postgres: ...}} in the policy): one database that
 * several JVMs of an application use for the state they must agree on, starting with the trust
 * ledger. Plain JDBC with the PostgreSQL driver that the agent jar carries relocated; schema
 * migrations under an advisory lock; {@code LISTEN/NOTIFY} to hear other JVMs' appends.
 */
package org.agenthypervisor.core.store.postgres;
