package org.agenthypervisor.agent.install;

import org.agenthypervisor.agent.Internals;

import java.lang.instrument.Instrumentation;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The module's one way in (the module exports nothing). The launcher initialises this class, whose
 * static initialiser hands an instance to the module's class loader, where the launcher takes it:
 * no reflective call. It is also a service of the module's layer, of type
 * {@code java.util.function.Supplier} (a type of {@code java.base}: a module may only use or provide
 * a service whose type it can read from a named module, and {@link Internals} is in the launcher's
 * unnamed module). One call per layer: the first wins and every later one throws, whoever finds
 * the layer or the instance.
 */
public final class Entry implements Internals, Supplier<Internals> {
    private static final AtomicBoolean USED = new AtomicBoolean();

    static {
        // The launcher initialises this class and takes the instance from its loader (Launcher.InternalsLoader):
        // no reflective call, which on JDK 18 and later spins method-handle classes at its first use.
        if (Entry.class.getClassLoader() instanceof java.util.function.Consumer<?> loader) {
            @SuppressWarnings("unchecked")
            java.util.function.Consumer<Object> handOff = (java.util.function.Consumer<Object>) loader;
            handOff.accept(new Entry());
        }
    }

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
