package org.agenthypervisor.agent.cli;

import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.policy.Durations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/**
 * {@code quarantine}, {@code release} and {@code kill}: an operator stops or frees one agent in a
 * running JVM; {@code elevate} grants it a more privileged ring for a time ({@code --revoke} ends
 * that). Through the hypervisor's MXBean ({@link RunningJvm}); audited there.
 */
final class OperatorCommands {
    private OperatorCommands() {
    }

    static void checkAgent(String agent) {
        if (!KeyDirectory.isValidId(agent) || agent.equals("host") || KeyDirectory.isReservedId(agent)) {
            throw new HypervisorCommand.UsageError("'" + agent + "' is not an agent id: ids match"
                    + " [a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])? (the host cannot be quarantined)");
        }
    }

    static void checkReason(String reason) {
        if (reason.isBlank()) {
            throw new HypervisorCommand.UsageError("--reason must not be empty: it goes into the audit log");
        }
    }

    @Command(name = "quarantine", mixinStandardHelpOptions = true,
            description = {"Quarantine an agent in a running JVM for a time.",
                    "Its governed calls and the hand-offs to it are refused (AgentQuarantinedException) until the time",
                    "is up or 'release'. Audited as quarantine.set.",
                    "Exit code 0: quarantined; 2: usage error, or the JVM cannot be reached or refused it."})
    static final class Quarantine implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "AGENT", description = "The agent id.")
        String agent;

        @Option(names = "--for", required = true, paramLabel = "DURATION", description = "How long, e.g. 10m, 1h, 30s.")
        String duration;

        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why (recorded in the audit log).")
        String reason;

        @Option(names = "--pid", required = true, paramLabel = "PID", description = "The process id of the running JVM.")
        String pid;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            checkAgent(agent);
            checkReason(reason);
            long millis;
            try {
                millis = Durations.parse(duration);
            } catch (IllegalArgumentException bad) {
                throw new HypervisorCommand.UsageError("--for: " + bad.getMessage());
            }
            if (millis <= 0) {
                throw new HypervisorCommand.UsageError("--for must be longer than 0");
            }
            Object result = RunningJvm.invoke(pid, "quarantine", new Object[] {agent, millis, reason},
                    new String[] {String.class.getName(), long.class.getName(), String.class.getName()});
            spec.commandLine().getOut().println(result);
            return HypervisorCommand.OK;
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true,
            description = {"Release a quarantined or killed agent, in a running JVM or a data directory.",
                    "--pid: in the running JVM; --data-dir: in the quarantines a stopped JVM saved there.",
                    "Audited as quarantine.released.",
                    "Exit code 0: released (or was not quarantined); 2: usage error, or the JVM cannot be reached."})
    static final class Release implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "AGENT", description = "The agent id.")
        String agent;

        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why (recorded in the audit log).")
        String reason;

        @Option(names = "--pid", paramLabel = "PID", description = "The process id of the running JVM.")
        String pid;

        @Option(names = "--data-dir", paramLabel = "DIR", description = {"Instead of --pid: release the agent in the"
                + " quarantines saved in DIR, when no JVM runs on it",
                "(e.g. the application cannot start with the agent killed)."})
        java.nio.file.Path dataDir;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            checkAgent(agent);
            checkReason(reason);
            if ((pid == null) == (dataDir == null)) {
                throw new HypervisorCommand.UsageError("give either --pid (a running JVM) or --data-dir (its saved"
                        + " quarantines, while no JVM runs on it)");
            }
            if (dataDir != null) {
                return releaseSaved();
            }
            Object result = RunningJvm.invoke(pid, "release", new Object[] {agent, reason},
                    new String[] {String.class.getName(), String.class.getName()});
            spec.commandLine().getOut().println(result);
            return HypervisorCommand.OK;
        }
    
        private Integer releaseSaved() {
            java.nio.file.Path dir = TrustCommand.existingDataDir(dataDir);
            String was;
            try {
                if (org.agenthypervisor.core.liability.TrustLedger.inUse(dir)) {
                    throw new HypervisorCommand.UsageError("a JVM is using " + dir.toAbsolutePath() + "; release the agent"
                            + " there with --pid");
                }
                was = org.agenthypervisor.core.quarantine.Quarantines.releaseSaved(dir, agent);
            } catch (java.io.IOException failure) {
                throw new HypervisorCommand.UsageError(failure.getMessage());
            }
            if (was == null) {
                spec.commandLine().getOut().println("agent '" + agent + "' has no saved quarantine in " + dir);
                return HypervisorCommand.OK;
            }
            java.util.Map<String, Object> fields = new java.util.LinkedHashMap<>();
            fields.put("agent", agent);
            fields.put("reason", reason);
            fields.put("by", "cli");
            fields.put("was", was);
            TrustCommand.recordOffline(dir, "quarantine.released", fields, spec.commandLine().getErr(),
                    "the agent is released in " + dir);
            spec.commandLine().getOut().println("agent '" + agent + "' released in " + dir + " by cli: " + reason + " (was "
                    + was + "); it takes effect when the application next starts");
            return HypervisorCommand.OK;
        }
    }

    @Command(name = "kill", mixinStandardHelpOptions = true,
            description = {"Kill one agent in a running JVM: quarantined until released.",
                    "A saga it runs is compensated at its next step (which is refused). Audited as agent.killed.",
                    "Exit code 0: killed; 2: usage error, or the JVM cannot be reached or refused it."})
    static final class Kill implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "AGENT", description = "The agent id.")
        String agent;

        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why (recorded in the audit log).")
        String reason;

        @Option(names = "--pid", required = true, paramLabel = "PID", description = "The process id of the running JVM.")
        String pid;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            checkAgent(agent);
            checkReason(reason);
            Object result = RunningJvm.invoke(pid, "kill", new Object[] {agent, reason},
                    new String[] {String.class.getName(), String.class.getName()});
            spec.commandLine().getOut().println(result);
            return HypervisorCommand.OK;
        }
    }

    @Command(name = "elevate", mixinStandardHelpOptions = true,
            description = {"Grant an agent in a running JVM a more privileged ring for a time (sudo with a TTL).",
                    "Trust floors still apply; the policy's elevation section bounds ring and TTL. Audited.",
                    "Exit code 0: granted or revoked; 2: usage error, or the JVM cannot be reached or refused it."})
    static final class Elevate implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "AGENT", description = "The agent id.")
        String agent;

        @Option(names = "--ring", paramLabel = "N", description = "The ring to grant (0 to 2); required unless --revoke.")
        Integer ring;

        @Option(names = "--revoke", description = "End the agent's elevation now (audited as elevation.revoked).")
        boolean revoke;

        @Option(names = "--ttl", paramLabel = "DURATION",
                description = "How long, e.g. 10m, 30s (default: the policy's elevation.defaultTtl, 5m).")
        String ttl;

        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why (recorded in the audit log).")
        String reason;

        @Option(names = "--only", paramLabel = "PATTERN",
                description = "Comma-separated method patterns (com.acme.Vault#open*) and tool-name globs (refunds.*) the"
                        + " grant covers; default: every call.")
        String only;

        @Option(names = "--pid", required = true, paramLabel = "PID", description = "The process id of the running JVM.")
        String pid;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            checkAgent(agent);
            checkReason(reason);
            if (revoke) {
                if (ring != null || ttl != null || only != null) {
                    throw new HypervisorCommand.UsageError("--revoke takes only AGENT, --reason and --pid");
                }
                Object result = RunningJvm.invoke(pid, "revokeElevation", new Object[] {agent, reason},
                        new String[] {String.class.getName(), String.class.getName()});
                spec.commandLine().getOut().println(result);
                return HypervisorCommand.OK;
            }
            if (ring == null) {
                throw new HypervisorCommand.UsageError("--ring is required (or --revoke)");
            }
            if (ring < 0 || ring > 2) {
                throw new HypervisorCommand.UsageError("--ring must be 0, 1 or 2 (ring 3 is the least privileged), was "
                        + ring);
            }
            long millis = 0;
            if (ttl != null) {
                try {
                    millis = Durations.parse(ttl);
                } catch (IllegalArgumentException bad) {
                    throw new HypervisorCommand.UsageError("--ttl: " + bad.getMessage());
                }
                if (millis <= 0) {
                    throw new HypervisorCommand.UsageError("--ttl must be longer than 0");
                }
            }
            Object result = RunningJvm.invoke(pid, "elevate", new Object[] {agent, ring.intValue(), millis, reason,
                            only == null ? "" : only},
                    new String[] {String.class.getName(), int.class.getName(), long.class.getName(),
                            String.class.getName(), String.class.getName()});
            spec.commandLine().getOut().println(result);
            return HypervisorCommand.OK;
        }
    }
}
