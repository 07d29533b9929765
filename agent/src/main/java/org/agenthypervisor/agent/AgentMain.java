package org.agenthypervisor.agent;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.security.CodeSource;
import java.util.jar.JarFile;

/**
 * The one class the JVM loads from the system class path. It does as little as possible: honour
 * the kill switch, put the agent jar on the bootstrap class path (so the application's class
 * loaders, and the JDK's own executors, all see the same gate, api classes and exceptions), then hop
 * to the installer through the bootstrap loader. It references no other agent class directly: the
 * verifier could otherwise load them through the system class loader before the hop.
 */
public final class AgentMain {
    private AgentMain() {
    }

    public static void premain(String options, Instrumentation instrumentation) {
        start(options, instrumentation, false);
    }

    public static void agentmain(String options, Instrumentation instrumentation) {
        start(options, instrumentation, true);
    }

    /** {@code java -jar agent-hypervisor.jar ...}: the command line. */
    public static void main(String[] args) throws Exception {
        Class<?> cli = Class.forName("org.agenthypervisor.agent.cli.HypervisorCommand");
        cli.getMethod("main", String[].class).invoke(null, (Object) args);
    }

    private static void start(String options, Instrumentation instrumentation, boolean attached) {
        if ("false".equalsIgnoreCase(System.getProperty("agenthypervisor.enabled", "true").trim())) {
            System.err.println("[agent-hypervisor] disabled by -Dagenthypervisor.enabled=false: nothing is governed");
            return;
        }
        try {
            File jar = ownJar();
            // Already on the bootstrap class path (-Xbootclasspath/a): nothing to append.
            if (AgentMain.class.getClassLoader() != null && jar != null) {
                instrumentation.appendToBootstrapClassLoaderSearch(new JarFile(jar));
            }
            Class<?> installer = Class.forName("org.agenthypervisor.agent.install.Installer", true, null);
            Method install = installer.getMethod("install", String.class, Instrumentation.class, boolean.class, String.class);
            install.invoke(null, options, instrumentation, attached, jar == null ? null : jar.getPath());
        } catch (Throwable failure) {
            Throwable cause = failure instanceof java.lang.reflect.InvocationTargetException ? failure.getCause() : failure;
            // The installer has already explained a fatal problem (a bad policy, a failed self-check).
            if (cause instanceof IllegalStateException && "fatal".equals(cause.getMessage())) {
                System.exit(1);
            }
            System.err.println("[agent-hypervisor] FATAL: the agent could not start; the JVM stops (fail closed): " + cause);
            cause.printStackTrace();
            System.exit(1);
        }
    }

    /** The agent jar, or null when loaded by the bootstrap loader (which has no code source). */
    private static File ownJar() throws URISyntaxException {
        CodeSource source = AgentMain.class.getProtectionDomain().getCodeSource();
        return source == null || source.getLocation() == null ? null : new File(source.getLocation().toURI());
    }
}
