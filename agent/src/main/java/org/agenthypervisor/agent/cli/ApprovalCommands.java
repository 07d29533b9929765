package org.agenthypervisor.agent.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code approvals list}, {@code approve ID} and {@code deny ID}: an operator answers the pending
 * approval requests of a running JVM (calls a rule marks {@code approval: required}) through the
 * hypervisor's MXBean ({@link RunningJvm}). Audited there.
 */
final class ApprovalCommands {
    private ApprovalCommands() {
    }

    @Command(name = "approvals", mixinStandardHelpOptions = true,
            description = "List the calls waiting for approval in a running JVM.",
            subcommands = {ApprovalCommands.ListPending.class})
    static final class Group extends CommandGroup {
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List the calls of a running JVM waiting for approval (rules with approval: required):",
                    "id, agent, method, SHA-256 of the canonical arguments and their start, the vouch chain, how long it",
                    "has waited. Answer with 'approve ID' or 'deny ID'.",
                    "Exit code 0: listed (also when none waits); 2: usage error, or the JVM cannot be reached."})
    static final class ListPending implements Callable<Integer> {
        @Option(names = "--pid", required = true, paramLabel = "PID", description = "The process id of the running JVM.")
        String pid;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Map<String, String> pending = RunningJvm.stringMap(RunningJvm.attributes(pid, "Approvals").get("Approvals"));
            if (pending.isEmpty()) {
                out.println("no call is waiting for approval in JVM " + pid);
                return HypervisorCommand.OK;
            }
            out.printf(Locale.ROOT, "%-6s %s%n", "ID", "REQUEST");
            pending.entrySet().stream()
                    .sorted((a, b) -> Long.compare(Long.parseLong(a.getKey()), Long.parseLong(b.getKey())))
                    .forEach(e -> out.printf(Locale.ROOT, "%-6s %s%n", e.getKey(), e.getValue()));
            return HypervisorCommand.OK;
        }
    }

    /** approve and deny: the same options, another answer. */
    abstract static class Answer implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID", description = "The request's id, as 'approvals list' shows it.")
        String id;

        @Option(names = "--reason", paramLabel = "TEXT", defaultValue = "",
                description = "Why (recorded in the audit log).")
        String reason;

        @Option(names = "--pid", required = true, paramLabel = "PID", description = "The process id of the running JVM.")
        String pid;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        abstract String operation();

        @Override
        public Integer call() {
            if (!id.matches("[0-9]{1,19}")) {
                throw new HypervisorCommand.UsageError("'" + id + "' is not a request id (a number, as 'approvals list'"
                        + " shows it)");
            }
            Object result = RunningJvm.invoke(pid, operation(), new Object[] {id, reason},
                    new String[] {String.class.getName(), String.class.getName()});
            spec.commandLine().getOut().println(result);
            return HypervisorCommand.OK;
        }
    }

    @Command(name = "approve", mixinStandardHelpOptions = true,
            description = {"Approve a call waiting for approval in a running JVM: it runs.",
                    "Audited as approval.approved. Exit code 0: approved; 2: usage error, no such pending request, or the",
                    "JVM cannot be reached."})
    static final class Approve extends Answer {
        @Override
        String operation() {
            return "approve";
        }
    }

    @Command(name = "deny", mixinStandardHelpOptions = true,
            description = {"Deny a call waiting for approval in a running JVM: it is refused and does not run.",
                    "Audited as approval.denied. Exit code 0: denied; 2: usage error, no such pending request, or the",
                    "JVM cannot be reached."})
    static final class Deny extends Answer {
        @Override
        String operation() {
            return "deny";
        }
    }
}
