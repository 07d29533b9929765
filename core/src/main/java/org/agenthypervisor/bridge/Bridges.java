package org.agenthypervisor.bridge;

import java.util.List;

/**
 * Binds the bridge classes to the hypervisor's implementations, once. Each bridge class keeps its
 * implementation in a {@code private static final} field that it reads from the implementations
 * handed over here, on the installing thread, while its static initialiser runs. A static final
 * field cannot be written through reflection or method handles even after {@code setAccessible},
 * so once {@link #install} returns nothing short of {@code sun.misc.Unsafe} re-points a bridge.
 *
 * <p>The hand-over slot is a thread-local of this thread, never a plain static: code of another
 * thread that sets a static (the bootstrap class path's unnamed module is open to everyone) and
 * races the installer would otherwise choose what the bridge calls.
 */
public final class Bridges {
    private static final ThreadLocal<Implementations> PENDING = new ThreadLocal<>();
    private static final List<String> BRIDGES = List.of(Gate.class.getName(), Propagation.class.getName(),
            HiddenClasses.class.getName(), CapabilityGate.class.getName(), Frameworks.class.getName(),
            LangChain4jHooks.class.getName(), SpringAiHooks.class.getName());

    private Bridges() {
    }

    /** What the bridge classes delegate to; every field non-null. */
    public record Implementations(Gate.Impl gate, Propagation.Impl propagation, HiddenClasses.Impl hiddenClasses,
                                  CapabilityGate.Impl capabilities, Frameworks.Impl frameworks,
                                  LangChain4jHooks.Impl langChain4j, SpringAiHooks.Impl springAi) {
        public Implementations {
            if (gate == null || propagation == null || hiddenClasses == null || capabilities == null
                    || frameworks == null || langChain4j == null || springAi == null) {
                throw new NullPointerException("every bridge needs an implementation");
            }
        }
    }

    /**
     * Binds every bridge class. The first call wins; any later call, and a call after some bridge
     * class was initialised by other code first, throws.
     *
     * @throws IllegalStateException when the bridges are bound already (to these or other implementations)
     */
    public static synchronized void install(Implementations implementations) {
        PENDING.set(implementations);
        try {
            for (String name : BRIDGES) {
                Class.forName(name, true, Bridges.class.getClassLoader());
            }
        } catch (ClassNotFoundException impossible) {
            throw new IllegalStateException(impossible);
        } finally {
            PENDING.remove();
        }
        if (Gate.IMPL != implementations.gate() || Propagation.IMPL != implementations.propagation()
                || HiddenClasses.IMPL != implementations.hiddenClasses() || CapabilityGate.IMPL != implementations.capabilities()
                || Frameworks.IMPL != implementations.frameworks() || LangChain4jHooks.IMPL != implementations.langChain4j()
                || SpringAiHooks.IMPL != implementations.springAi()) {
            throw new IllegalStateException("the hypervisor's bridge is already bound in this JVM");
        }
    }

    /** Whether the bridges are bound (to anything). */
    public static boolean installed() {
        return Gate.IMPL != null;
    }

    /** The implementations being installed on this thread, or null (a bridge initialised by other code). */
    static Implementations pending() {
        return PENDING.get();
    }
}
