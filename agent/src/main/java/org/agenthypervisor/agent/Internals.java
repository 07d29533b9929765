package org.agenthypervisor.agent;

import java.lang.instrument.Instrumentation;

/**
 * How the launcher, outside the agent's module, starts the code inside it: the module exports
 * nothing, so the launcher finds the one implementation as a service of the module's layer. Each
 * implementation instance of a layer serves one call in that layer's lifetime (the first wins),
 * so reaching the layer later (every internal class's {@code getModule().getLayer()}) gives an
 * application no second start, and no command line inside the running hypervisor.
 */
public interface Internals {
    /** {@code premain}/{@code agentmain}: installs the hypervisor. */
    void install(String options, Instrumentation instrumentation, boolean attached, String jarPath);

    /** {@code java -jar agent-hypervisor.jar ...}: runs the command line (which exits the JVM). */
    void commandLine(String[] args);
}
