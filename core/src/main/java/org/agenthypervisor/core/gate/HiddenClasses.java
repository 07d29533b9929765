package org.agenthypervisor.core.gate;

/**
 * Hidden classes ({@code Lookup.defineHiddenClass}) never reach a class file transformer: the JVM
 * does not post its load hook for them. Without this, an agent could define a hidden copy of a
 * class carrying {@code @Ring(0)} and run its body for anyone. The advice the agent weaves into
 * {@code defineHiddenClass} passes the bytes through here, and the installed weaver governs them
 * as it would a class loaded by the lookup class's loader.
 */
public final class HiddenClasses {
    /** What weaves a class file for a loader; returns null when nothing changes. */
    public interface Weaving {
        byte[] weave(ClassLoader loader, byte[] bytes);
    }

    private static volatile Weaving weaving;

    private HiddenClasses() {
    }

    /** Installed once by the agent. */
    public static void install(Weaving w) {
        weaving = w;
    }

    /** The bytes to define: governed like any other class's, or unchanged. */
    public static byte[] weave(Class<?> lookupClass, byte[] bytes) {
        Weaving w = weaving;
        if (w == null || bytes == null || lookupClass == null) {
            return bytes;
        }
        byte[] woven = w.weave(lookupClass.getClassLoader(), bytes);
        return woven == null ? bytes : woven;
    }
}
