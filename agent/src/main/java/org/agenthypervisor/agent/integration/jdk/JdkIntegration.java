package org.agenthypervisor.agent.integration.jdk;

import org.agenthypervisor.agent.integration.Integration;
import org.agenthypervisor.core.policy.Policy;

import java.util.Set;

/**
 * What the JDK's own integrations share: always on (no policy switch: turning one off would open a
 * hole, not save a feature), no framework version to read, tested on the JDKs the agent supports.
 */
abstract class JdkIntegration implements Integration {
    @Override
    public final String policySwitch() {
        return null;
    }

    @Override
    public final boolean enabled(Policy policy) {
        return true;
    }

    @Override
    public final String versionResource() {
        return null;
    }

    @Override
    public final Set<String> testedVersions() {
        return Set.of("17", "21", "25");
    }
}
