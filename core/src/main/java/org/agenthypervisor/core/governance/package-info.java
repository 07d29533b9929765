/**
 * Which methods of a class the hypervisor governs, and by what: annotations ({@code @Agent},
 * {@code @Ring}, {@code @Saga}, {@code @Compensate}) and policy rules. The agent's class transformer
 * and the {@code policy check} command both ask {@link org.agenthypervisor.core.governance.GovernancePlanner},
 * so what the command lists is exactly what gets instrumented.
 */
package org.agenthypervisor.core.governance;
