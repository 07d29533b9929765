/**
 * Installation: reading the agent options, starting the runtime, the class transformer that
 * decides in a few microseconds that a class is not governed (most classes) and otherwise weaves
 * the advice in, the framework integrations (agent.integration), retransformation of classes loaded
 * earlier and after policy reloads, and the post-install self-check.
 */
package org.agenthypervisor.agent.install;
