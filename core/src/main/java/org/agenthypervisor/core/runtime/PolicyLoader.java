package org.agenthypervisor.core.runtime;

import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.PolicyException;
import org.agenthypervisor.core.policy.PolicyParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;

/** Loads the policy the options name, applying the options' overrides. */
public final class PolicyLoader {
    private PolicyLoader() {
    }

    /**
     * @throws PolicyException when the file is invalid (the message names file, line, column, key)
     * @throws IOException     when it cannot be read (the message names the file and its origin)
     */
    public static Policy load(RuntimeOptions options) throws PolicyException, IOException {
        return load(options, null);
    }

    /** {@link #load(RuntimeOptions)} through a cache of the composed policy (null: none). */
    public static Policy load(RuntimeOptions options, org.agenthypervisor.core.policy.ComposedPolicyCache cache)
            throws PolicyException, IOException {
        Policy policy;
        if (options.policyFile() == null) {
            policy = PolicyParser.defaults();
        } else {
            if (!Files.isRegularFile(options.policyFile())) {
                throw new NoSuchFileException(options.policyFile().toString(), null,
                        "policy file not found (named by the " + options.policyOrigin() + ")");
            }
            policy = PolicyParser.parse(options.policyFile(), cache);
        }
        return withOverrides(policy, options);
    }

    static Policy withOverrides(Policy p, RuntimeOptions options) {
        Policy.Mode mode = options.mode() != null ? options.mode() : p.mode();
        String dataDir = options.dataDir() != null ? options.dataDir() : p.dataDir();
        if (mode == p.mode() && dataDir.equals(p.dataDir())) {
            return p;
        }
        return p.withModeAndDataDir(mode, dataDir);
    }
}
