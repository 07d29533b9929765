package org.agenthypervisor.core.runtime;

import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.policy.PolicyParser;
import org.agenthypervisor.bridge.HypervisorMXBean;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The MXBean {@code org.agenthypervisor:type=Hypervisor}. Registered from a background thread, and
 * {@link #REGISTRATION_DELAY_MILLIS} after the agent's start unless the JVM was started with remote
 * JMX on: starting the platform MBean server costs about 11 MiB and a few hundred milliseconds of
 * CPU, which a JVM that ends within seconds (a batch job, a serverless call, a test) should not pay
 * and which a long-running one pays once its start is over. When the application, a JMX agent or an
 * operator's attach creates the server sooner, the MXBean is registered then (see
 * {@link org.agenthypervisor.bridge.Management}). Clients poll for the name.
 */
public final class JmxView implements HypervisorMXBean {
    public static final String NAME = "org.agenthypervisor:type=Hypervisor";
    private static final Log LOG = Log.get("runtime");

    private final HypervisorRuntime runtime;

    private JmxView(HypervisorRuntime runtime) {
        this.runtime = runtime;
    }

    /**
     * How long after the agent's start the MXBean is registered (system property
     * {@code agenthypervisor.jmx.delayMillis} to change it) unless the platform server exists sooner.
     */
    public static final long REGISTRATION_DELAY_MILLIS = 2_000;

    public static void registerLater(HypervisorRuntime runtime) {
        boolean remote = System.getProperty("com.sun.management.jmxremote") != null
                || System.getProperty("com.sun.management.jmxremote.port") != null;
        Thread thread = new Thread(new Registration(remote, runtime), "agent-hypervisor-jmx");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * The registering thread's work. A class, not a lambda: each lambda costs ~0.5 ms to link at
     * start-up (issue 11).
     */
    private static final class Registration implements Runnable {
        private final boolean remote;
        private final HypervisorRuntime runtime;

        Registration(boolean remote, HypervisorRuntime runtime) {
            this.remote = remote;
            this.runtime = runtime;
        }

        @Override
        public void run() {
            try {
                if (!remote) {
                    // At once if something else creates the platform MBean server meanwhile: then nothing is saved.
                    org.agenthypervisor.bridge.Management.awaitPlatformServer(
                            Long.getLong("agenthypervisor.jmx.delayMillis", REGISTRATION_DELAY_MILLIS),
                            java.util.concurrent.TimeUnit.MILLISECONDS);
                }
                ManagementFactory.getPlatformMBeanServer().registerMBean(new JmxView(runtime), new ObjectName(NAME));
            } catch (InterruptedException stopped) {
                Thread.currentThread().interrupt();
            } catch (Throwable failure) {
                LOG.warn("cannot register the JMX MXBean " + NAME + ": " + failure);
            }
        }
    }

    @Override
    public String getMode() {
        return runtime.policy().mode().name().toLowerCase();
    }

    @Override
    public String getPolicySource() {
        return runtime.policy().source();
    }

    @Override
    public String getPolicySha256() {
        return runtime.policy().sha256();
    }

    @Override
    public String getPolicy() {
        Path file = runtime.options().policyFile();
        if (file == null) {
            return "# built-in default policy\nversion: 1\n";
        }
        try {
            // Capped like the parser: a huge file must not be read whole into a JMX reply either.
            return new String(PolicyParser.read(file), StandardCharsets.UTF_8);
        } catch (Exception unreadable) {
            return "# cannot read " + file + ": " + unreadable;
        }
    }

    @Override
    public Map<String, Double> getTrustScores() {
        return runtime.trustScores();
    }

    @Override
    public Map<String, Integer> getEffectiveRings() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Principal p : runtime.principals().agents()) {
            out.put(p.id(), p.effectiveRing());
        }
        return out;
    }

    @Override
    public Map<String, Long> getCounters() {
        Map<String, Long> counters = new java.util.LinkedHashMap<>(runtime.counters().snapshot());
        counters.put("rateLimited", runtime.rateLimits().refusedTotal()); // refusals by rate limits (issue 15)
        if (runtime.audit() instanceof org.agenthypervisor.core.audit.AuditLog log) {
            // What monitoring should alert on: audit records lost, and whether the log cannot write now.
            counters.put("auditRecordsLost", log.lostRecordsTotal());
            counters.put("auditLogFailing", log.failed() ? 1L : 0L);
        } else if (runtime.audit() instanceof org.agenthypervisor.core.store.postgres.SharedAuditLog shared) {
            counters.put("auditRecordsLost", shared.lostRecordsTotal());
            counters.put("auditLogFailing", shared.failed() ? 1L : 0L);
        }
        return counters;
    }

    @Override
    public String getDataDirectory() {
        return runtime.dataDir().toString();
    }

    @Override
    public String setTrust(String agent, double value, String reason) {
        refuseAgents("setTrust");
        double before = runtime.liability().setTrust(agent, value, reason, "jmx");
        return "agent '" + agent + "': " + before + " -> " + runtime.principals().agent(agent).trust();
    }

    @Override
    public String quarantine(String agent, long millis, String reason) {
        refuseAgents("quarantine");
        return runtime.quarantines().quarantine(agent, millis, reason, "jmx");
    }

    @Override
    public String release(String agent, String reason) {
        refuseAgents("release");
        return runtime.quarantines().release(agent, reason, "jmx");
    }

    @Override
    public String kill(String agent, String reason) {
        refuseAgents("kill");
        return runtime.quarantines().kill(agent, reason, "jmx");
    }

    @Override
    public Map<String, String> getQuarantines() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Principal p : runtime.principals().agents()) {
            String state = runtime.quarantines().describe(p);
            if (state != null) {
                out.put(p.id(), state);
            }
        }
        return out;
    }

    @Override
    public String elevate(String agent, int ring, long ttlMillis, String reason, String only) {
        refuseAgents("elevate");
        return runtime.elevations().elevate(agent, ring, ttlMillis, reason, only, "jmx");
    }

    @Override
    public String revokeElevation(String agent, String reason) {
        refuseAgents("revokeElevation");
        return runtime.elevations().revoke(agent, reason, "jmx");
    }

    @Override
    public Map<String, String> getElevations() {
        return runtime.elevations().describeAll();
    }

    @Override
    public Map<String, String> getApprovals() {
        return runtime.approvals().pending();
    }

    @Override
    public String approve(String id, String reason) {
        refuseAgents("approve");
        return runtime.approvals().decide(id, true, reason, "jmx");
    }

    @Override
    public String deny(String id, String reason) {
        refuseAgents("deny");
        return runtime.approvals().decide(id, false, reason, "jmx");
    }

    @Override
    public String reloadPolicy() {
        refuseAgents("reloadPolicy");
        String before = runtime.policy().sha256();
        if (runtime.reloadFromFile()) {
            return "reloaded " + runtime.policy().sha256();
        }
        return before.equals(runtime.policy().sha256()) ? "unchanged or rejected (see the log and the audit record)"
                : "reloaded " + runtime.policy().sha256();
    }

    /**
     * Operator changes come from outside the governed code: the host, or a remote JMX connector's
     * thread (which carries no agent context). Governed code reaching the platform MBean server
     * in-process runs in its own context and is refused, audited.
     */
    private void refuseAgents(String operation) {
        org.agenthypervisor.core.context.Context caller = runtime.currentContext();
        if (caller.isHost()) {
            return;
        }
        java.util.Map<String, Object> fields = new java.util.LinkedHashMap<>();
        fields.put("agent", caller.principal().id());
        fields.put("operation", operation);
        runtime.audit().recordBestEffort("jmx.refused", fields);
        LOG.warn("REFUSED agent '" + caller.principal().id() + "' called the hypervisor's MXBean operation " + operation
                + " in-process");
        throw new SecurityException("agent '" + caller.principal().id() + "' may not call the hypervisor's MXBean operation "
                + operation + ": operator changes come from the host or a remote JMX connection");
    }
}
