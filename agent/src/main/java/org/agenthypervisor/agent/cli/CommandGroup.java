package org.agenthypervisor.agent.cli;

import org.agenthypervisor.core.policy.Policy;
import picocli.CommandLine;

/**
 * A command that only groups subcommands ({@code policy}, {@code audit}, {@code saga}...): run on
 * its own it is a usage error (exit 2) that lists the subcommands.
 */
abstract class CommandGroup implements Runnable {
    /** What {@code --data-dir} defaults to, as the policy's {@code dataDir} does. */
    static final String DEFAULT_DATA_DIR = Policy.DEFAULT_DATA_DIR;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand ("
                + String.join(", ", spec.subcommands().keySet().stream().filter(name -> !name.equals("help")).toList()) + ")");
    }
}
