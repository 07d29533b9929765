/**
 * The JDK's executors as an integration: tasks carry the submitter's context (SPEC §1). Always on.
 */
package org.agenthypervisor.agent.integration.jdk;
