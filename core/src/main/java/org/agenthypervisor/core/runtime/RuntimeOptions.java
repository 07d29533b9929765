package org.agenthypervisor.core.runtime;

import org.agenthypervisor.core.policy.Policy;

import java.nio.file.Path;

/**
 * How the runtime was asked to start.
 *
 * @param policyFile   the policy file, or null for the built-in default
 * @param policyOrigin where the file name came from, for messages
 * @param dataDir      overrides the policy's {@code dataDir}, or null
 * @param mode         overrides the policy's {@code mode}, or null
 * @param watch        whether to watch the policy file and reload it
 * @param workingDir   what relative paths are resolved against
 */
public record RuntimeOptions(Path policyFile, String policyOrigin, String dataDir, Policy.Mode mode, boolean watch,
                             Path workingDir) {

    /** Where the policy file comes from, highest precedence first (SPEC §0). */
    public static RuntimeOptions resolve(String agentOption, String dataDir, Policy.Mode mode, boolean watch) {
        Path workingDir = Path.of("").toAbsolutePath();
        if (agentOption != null && !agentOption.isBlank()) {
            return new RuntimeOptions(workingDir.resolve(agentOption), "agent option policy=", dataDir, mode, watch, workingDir);
        }
        String property = System.getProperty("agenthypervisor.policy");
        if (property != null && !property.isBlank()) {
            return new RuntimeOptions(workingDir.resolve(property), "system property agenthypervisor.policy", dataDir, mode,
                    watch, workingDir);
        }
        // Read only when needed: on JDK 25 the first getenv loads java.lang.ProcessImpl, which the
        // installer must then retransform (~5 ms) instead of weaving it if and when it loads (issue 11).
        String environment = System.getenv("AGENT_HYPERVISOR_POLICY");
        if (environment != null && !environment.isBlank()) {
            return new RuntimeOptions(workingDir.resolve(environment), "environment variable AGENT_HYPERVISOR_POLICY",
                    dataDir, mode, watch, workingDir);
        }
        return new RuntimeOptions(null, "built-in default", dataDir, mode, false, workingDir);
    }
}
