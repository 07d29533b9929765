package org.agenthypervisor.agent.install;

import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.policy.Policy;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The options after {@code -javaagent:agent-hypervisor.jar=}: comma-separated {@code key=value}.
 *
 * <ul>
 *   <li>{@code policy=FILE} the policy (wins over {@code -Dagenthypervisor.policy} and
 *   {@code AGENT_HYPERVISOR_POLICY})</li>
 *   <li>{@code dataDir=DIR} overrides the policy's {@code dataDir}</li>
 *   <li>{@code mode=enforce|audit|off} overrides the policy's {@code mode}</li>
 *   <li>{@code watch=auto|true|false} hot reload of the policy file (default auto: on in audit and
 *   off mode; in enforce mode only when this JVM cannot write the file, see
 *   {@code HypervisorRuntime#startWatching})</li>
 *   <li>{@code log=error|warn|info|debug} threshold of the agent's own standard-error output</li>
 *   <li>{@code weaveCache=true|false} keep woven classes in {@code <dataDir>/cache/woven} so that later
 *   starts need not weave them again (default true)</li>
 * </ul>
 */
record AgentOptions(String policy, String dataDir, Policy.Mode mode, Boolean watch, Log.Level log, boolean weaveCache) {
    private static final String KNOWN = "policy, dataDir, mode, watch, log, weaveCache";

    static AgentOptions parse(String options) {
        Map<String, String> values = new LinkedHashMap<>();
        if (options != null && !options.isBlank()) {
            for (String part : options.split(",")) {
                int eq = part.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("agent option '" + part + "' is not key=value; known keys: "
                            + KNOWN);
                }
                String key = part.substring(0, eq).trim();
                if (values.put(key, part.substring(eq + 1).trim()) != null) {
                    throw new IllegalArgumentException("agent option '" + key + "' is given twice");
                }
            }
        }
        for (String key : values.keySet()) {
            if (!key.equals("policy") && !key.equals("dataDir") && !key.equals("mode") && !key.equals("watch")
                    && !key.equals("log") && !key.equals("weaveCache")) {
                throw new IllegalArgumentException("unknown agent option '" + key + "'; known keys: " + KNOWN);
            }
        }
        Policy.Mode mode = null;
        if (values.containsKey("mode")) {
            try {
                mode = Policy.Mode.valueOf(values.get("mode").toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException("agent option mode=" + values.get("mode") + " is not one of enforce, audit, off");
            }
        }
        Boolean watch = null; // auto
        if (values.containsKey("watch")) {
            String w = values.get("watch");
            if (!w.equals("true") && !w.equals("false") && !w.equals("auto")) {
                throw new IllegalArgumentException("agent option watch=" + w + " is not auto, true or false");
            }
            watch = w.equals("auto") ? null : Boolean.valueOf(w);
        }
        Log.Level log = Log.Level.INFO;
        if (values.containsKey("log")) {
            try {
                log = Log.Level.valueOf(values.get("log").toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException("agent option log=" + values.get("log") + " is not one of error, warn, info, debug");
            }
        }
        String cache = values.getOrDefault("weaveCache", "true");
        if (!cache.equals("true") && !cache.equals("false")) {
            throw new IllegalArgumentException("agent option weaveCache=" + cache + " is not true or false");
        }
        return new AgentOptions(values.get("policy"), values.get("dataDir"), mode, watch, log, cache.equals("true"));
    }
}
