/**
 * What an agent may do through the JDK itself (files, and in time network, processes, exit, native
 * code): the checks the advice woven into the JDK's entry points calls, and the rules they apply.
 * Today one rule is enforced for every agent whatever its ring: the hypervisor's own state (its data
 * directory, with the signing keys, the saga journal, the trust ledger and the audit log, and the
 * policy file) is out of reach of governed code.
 */
package org.agenthypervisor.core.capabilities;
