package org.agenthypervisor.agent.install;

import org.agenthypervisor.agent.Internals;

import java.lang.instrument.Instrumentation;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The module's one way in, found by the launcher as a service of the module's layer (the module
 * exports nothing). The service type is {@code java.util.function.Supplier}, a type of
 * {@code java.base}: a module may only use or provide a service whose type it can read from a named
 * module, and {@link Internals} is in the launcher's unnamed module. One call per layer: the first
 * wins and every later one throws, whoever finds the layer.
 */
public final class Entry implements Internals, Supplier<Internals> {
    private static final AtomicBoolean USED = new AtomicBoolean();

    private static void once() {
        if (!USED.compareAndSet(false, true)) {
            throw new IllegalStateException("this copy of the agent's internals has started already");
        }
    }

    @Override
    public Internals get() {
        return this;
    }

    @Override
    public void install(String options, Instrumentation instrumentation, boolean attached, String jarPath) {
        once();
        Installer.install(options, instrumentation, attached, jarPath);
    }

    @Override
    public void commandLine(String[] args) {
        once();
        org.agenthypervisor.agent.cli.HypervisorCommand.main(args);
    }
}
