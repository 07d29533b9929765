package org.agenthypervisor.agent.cli;

import org.agenthypervisor.core.log.Log;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** {@code java -jar agent-hypervisor.jar <command>}. */
@Command(name = "agent-hypervisor", mixinStandardHelpOptions = true, versionProvider = HypervisorCommand.Version.class,
        description = "Agent Hypervisor for the JVM: check policies, verify the audit log, inspect sagas, trust and keys.")
public final class HypervisorCommand implements Runnable {
    /**
     * The subcommands, in the order the usage lists them. Only those the arguments name are built
     * in full (picocli reads every option of a command tree by reflection, a few hundred
     * milliseconds for all of them); the others are listed by name and description only.
     */
    private static final java.util.List<Class<?>> SUBCOMMANDS = java.util.List.of(PolicyCommand.class, AuditCommand.class,
            SagaCommand.class, TrustCommand.class, KeysCommand.class, VouchCommand.class,
            OperatorCommands.Quarantine.class, OperatorCommands.Release.class, OperatorCommands.Kill.class,
            OperatorCommands.Elevate.class, ApprovalCommands.Group.class, ApprovalCommands.Approve.class,
            ApprovalCommands.Deny.class, StoreCommand.class,
            CommandLine.HelpCommand.class);

    /** Exit code: everything is fine. */
    public static final int OK = 0;
    /** Exit code: a check or a verification failed. */
    public static final int FAILED = 1;
    /** Exit code: wrong usage or a configuration error. */
    public static final int USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs a command line and returns its exit code (for tests). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        Log.disableSlf4j();
        CommandLine cli = new CommandLine(new HypervisorCommand());
        java.util.Set<String> named = new java.util.HashSet<>(java.util.Arrays.asList(args));
        for (Class<?> type : SUBCOMMANDS) {
            Command command = type.getAnnotation(Command.class);
            boolean full = named.contains(command.name()) || type == CommandLine.HelpCommand.class;
            for (String alias : command.aliases()) {
                full |= named.contains(alias);
            }
            if (full) {
                cli.addSubcommand(command.name(), new CommandLine(type));
            } else {
                CommandLine.Model.CommandSpec listed = CommandLine.Model.CommandSpec.create().name(command.name());
                listed.usageMessage().description(command.description());
                cli.addSubcommand(command.name(), new CommandLine(listed));
            }
        }
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((failure, commandLine, parseResult) -> {
            if (failure instanceof UsageError) {
                commandLine.getErr().println("error: " + failure.getMessage());
                return USAGE;
            }
            commandLine.getErr().println("error: " + failure);
            failure.printStackTrace(commandLine.getErr());
            return USAGE;
        });
        return cli.execute(args);
    }

    /** A configuration or usage problem detected by a command: exit code 2 with a one-line message. */
    static final class UsageError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageError(String message) {
            super(message);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            // The launcher's package, defined from the jar with its manifest (the internals' loader defines none).
            return new String[] {org.agenthypervisor.agent.AgentMain.version()};
        }
    }
}
