/**
 * Start-up cost of the agent, measured on whole JVMs rather than with JMH: a hello-world main and
 * the refund desk, each with and without {@code -javaagent}, the kill switch, and the command
 * line's {@code --help}, every run a fresh process timed from start to exit. See
 * {@link org.agenthypervisor.bench.startup.StartupBenchmark} for the command and
 * {@code bench/startup.sh} for a run on the JDKs of this machine.
 */
package org.agenthypervisor.bench.startup;
