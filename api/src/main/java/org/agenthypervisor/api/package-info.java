/**
 * What applications compile against: the annotations that mark agents, rings, sagas and
 * compensations, the exceptions the hypervisor throws, and the {@link org.agenthypervisor.api.Hypervisor}
 * facade.
 *
 * <p>Everything here is inert without the agent: annotations are only metadata, and the facade
 * reports itself inactive. With the agent attached, these classes are served from the agent jar on
 * the bootstrap class path, so the application's own copy of this jar is shadowed by the very same
 * classes and exceptions thrown by the hypervisor can be caught by their type.
 */
package org.agenthypervisor.api;
