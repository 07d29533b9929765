package org.agenthypervisor.core.capabilities;

import java.lang.StackWalker.Option;
import java.util.Set;

/** Whether the JDK call being checked was made by the hypervisor's own code. */
final class HypervisorFrames {
    private static final StackWalker WALKER = StackWalker.getInstance(Set.of(Option.RETAIN_CLASS_REFERENCE));
    private static final String OWN = "org.agenthypervisor.";
    /** Libraries the agent ships (Jackson, Bouncy Castle...) are callable by anyone: they do not count. */
    private static final String SHADED = "org.agenthypervisor.shaded.";
    private static final ClassLoader OWN_LOADER = HypervisorFrames.class.getClassLoader();
    /** The bootstrap-side entry the JDK's woven code calls; its frame is the gate's, not a caller's. */
    private static final Class<?> BRIDGE = org.agenthypervisor.bridge.CapabilityGate.class;

    private HypervisorFrames() {
    }

    /**
     * The first frame outside the JDK and outside this package decides: the hypervisor's if its class
     * is one of ours, defined by the loader that defined ours (the agent's own class loader, in which application code
     * cannot define classes, so a class it names {@code org.agenthypervisor.*} does not count).
     */
    static boolean calledByHypervisor() {
        return WALKER.walk(frames -> frames
                .map(StackWalker.StackFrame::getDeclaringClass)
                .filter(c -> c.getPackageName().equals(HypervisorFrames.class.getPackageName()) == false)
                .filter(c -> c != BRIDGE)
                .filter(c -> !isJdk(c))
                .findFirst()
                .map(c -> c.getName().startsWith(OWN) && !c.getName().startsWith(SHADED) && c.getClassLoader() == OWN_LOADER)
                .orElse(false));
    }

    private static boolean isJdk(Class<?> c) {
        String n = c.getName();
        ClassLoader l = c.getClassLoader();
        return (l == null || l == ClassLoader.getPlatformClassLoader()) && (n.startsWith("java.") || n.startsWith("jdk.") || n.startsWith("sun.")
                || n.startsWith("javax.") || n.startsWith("com.sun."));
    }
}
