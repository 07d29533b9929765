package org.agenthypervisor.core.capabilities;

import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.Policy.CapabilityGrant;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The capabilities of every ring and every agent under one policy, compiled once per load or reload.
 *
 * <p>Built-in defaults (SPEC §2a, docs/capabilities.md): ring 0 and the host everything; ring 1
 * everything but {@code exit} and {@code native}; ring 2 reads under the working directory and nothing
 * else; ring 3 nothing. {@code rings.<n>.capabilities} replaces a ring's default key by key.
 * {@code agents.<id>.capabilities} adds to the defaults of the agent's granted ring ({@code false}
 * takes a capability away). An agent whose trust has fallen below its ring's floor runs with the
 * defaults of the ring it fell to, without its own grants: a demoted agent loses what was granted to it
 * by name until its trust recovers.
 */
public final class CapabilityTable {
    private final Grants[] rings;
    private final Map<String, Grants> agents;

    private CapabilityTable(Grants[] rings, Map<String, Grants> agents) {
        this.rings = rings;
        this.agents = agents;
    }

    /** The built-in defaults alone (before a policy is loaded, and for tests). */
    public static CapabilityTable defaults(Path workingDir) {
        return of(null, workingDir, workingDir);
    }

    /**
     * Compiles the capabilities of {@code policy} (null: the built-in defaults).
     *
     * @param workingDir what relative path globs are relative to
     * @param home       what {@code ~} stands for
     */
    public static CapabilityTable of(Policy policy, Path workingDir, Path home) {
        Policy.CapabilitiesSpec spec = policy == null ? Policy.CapabilitiesSpec.DEFAULTS : policy.capabilities();
        Grants[] rings = new Grants[4];
        rings[0] = Grants.ALL;
        for (int ring = 1; ring <= 3; ring++) {
            Grants.Builder b = builtIn(ring, workingDir, home);
            Map<String, CapabilityGrant> written = spec.rings().get(ring);
            if (written != null) {
                for (Map.Entry<String, CapabilityGrant> e : written.entrySet()) {
                    Capability c = Capability.byKey(e.getKey());
                    CapabilityGrant g = e.getValue();
                    String source = "rings." + ring + ".capabilities." + c.key();
                    b.set(c, Boolean.TRUE.equals(g.value()), compile(c, g, workingDir, home), source);
                }
            }
            rings[ring] = b.build();
        }
        Map<String, Grants> agents = new HashMap<>();
        if (policy != null) {
            for (Map.Entry<String, Map<String, CapabilityGrant>> a : spec.agents().entrySet()) {
                Policy.AgentSpec agent = policy.agents().get(a.getKey());
                int ring = agent == null ? 3 : agent.ring();
                if (ring == 0) {
                    continue; // everything already
                }
                Grants.Builder b = Grants.builder().copy(rings[ring]);
                for (Map.Entry<String, CapabilityGrant> e : a.getValue().entrySet()) {
                    Capability c = Capability.byKey(e.getKey());
                    CapabilityGrant g = e.getValue();
                    String source = "agents." + a.getKey() + ".capabilities." + c.key();
                    if (g.value() != null) {
                        b.set(c, g.value(), List.of(), source);
                    } else {
                        b.add(c, compile(c, g, workingDir, home), source);
                    }
                }
                agents.put(a.getKey(), b.build());
            }
        }
        return new CapabilityTable(rings, Map.copyOf(agents));
    }

    private static Grants.Builder builtIn(int ring, Path workingDir, Path home) {
        Grants.Builder b = Grants.builder();
        String source = "the built-in default of ring " + ring;
        if (ring == 1) {
            for (Capability c : Capability.values()) {
                if (c != Capability.EXIT && c != Capability.NATIVE) {
                    b.set(c, true, List.of(), source);
                }
            }
        } else if (ring == 2) {
            b.set(Capability.FILES_READ, false,
                    List.of(TargetPattern.compile(Capability.Kind.PATHS, "./**", workingDir, home)), source);
        }
        return b;
    }

    private static List<TargetPattern> compile(Capability c, CapabilityGrant g, Path workingDir, Path home) {
        List<TargetPattern> out = new ArrayList<>();
        for (String p : g.patterns()) {
            out.add(TargetPattern.compile(c.kind(), p, workingDir, home));
        }
        return out;
    }

    /**
     * What {@code principal} may do at {@code effectiveRing}: everything at ring 0; its own grants
     * while it holds its granted ring; otherwise the defaults of the ring it runs at.
     */
    public Grants grants(Principal principal, int effectiveRing) {
        if (effectiveRing <= 0 || principal.isHost()) {
            return Grants.ALL;
        }
        if (effectiveRing == principal.grantedRing()) {
            Grants own = agents.get(principal.id());
            if (own != null) {
                return own;
            }
        }
        return rings[Math.min(effectiveRing, 3)];
    }

    /** The defaults of {@code ring} (after the policy's {@code rings} section). */
    public Grants ring(int ring) {
        return rings[ring];
    }

    /** An agent's own grants at its granted ring, or null when the policy grants it nothing by name. */
    public Grants agent(String id) {
        return agents.get(id);
    }
}
