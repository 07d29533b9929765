package org.agenthypervisor.agent;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.net.JarURLConnection;
import java.net.URL;
import java.security.CodeSource;
import java.util.jar.JarFile;

/**
 * The one class the JVM loads from the system class path. It does as little as possible: honour
 * the kill switch, put the agent jar on the bootstrap class path (where only the api and the bridge
 * are visible as classes: the internals are stored under {@code org/agenthypervisor/internals/} and load in the agent's own
 * loader and module, see {@link Launcher}), then hop to the launcher through the bootstrap loader.
 * It calls only the launcher's public methods, and only after the append: the reference resolves at
 * its first execution, through the system class loader, which asks the bootstrap loader first (a class
 * of this package defined by the system loader cannot use a package-private member of one defined by
 * the bootstrap loader). Nothing here makes the verifier load the launcher before that.
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

    /**
     * The top-level usage, as the command line prints it ({@code HypervisorCommandUsageTest} keeps the two
     * equal): {@code --help} answers from it without loading the internals and the option parser, which
     * would cost a few hundred milliseconds.
     */
    public static final String USAGE = "usage.txt";

    /** {@code java -jar agent-hypervisor.jar ...}: the command line, in its own copy of the internals. */
    public static void main(String[] args) throws Throwable {
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help"))) {
            try (java.io.InputStream usage = AgentMain.class.getResourceAsStream(USAGE)) {
                if (usage != null) {
                    System.out.write(usage.readAllBytes());
                    System.out.flush();
                    return;
                }
            }
        }
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            System.out.println(version());
            return;
        }
        Launcher.commandLine(args, ownJar());
    }

    private static void start(String options, Instrumentation instrumentation, boolean attached) {
        if ("false".equalsIgnoreCase(System.getProperty("agenthypervisor.enabled", "true").trim())) {
            System.err.println("[agent-hypervisor] disabled by -Dagenthypervisor.enabled=false: nothing is governed");
            return;
        }
        try {
            File jar = ownJar();
            if (jar == null) {
                throw new IllegalStateException("cannot find the agent jar");
            }
            // Already on the bootstrap class path (-Xbootclasspath/a): nothing to append.
            if (AgentMain.class.getClassLoader() != null) {
                instrumentation.appendToBootstrapClassLoaderSearch(new JarFile(jar));
            }
            // A plain call, not Method.invoke (whose first use spins method-handle classes on JDK 18 and
            // later, ~10 ms): resolved only now, after the append, through the system loader, which asks the
            // bootstrap loader first. Launcher.start checks that it got the bootstrap loader's launcher.
            Launcher.start(options, instrumentation, attached, jar);
        } catch (Throwable cause) {
            // The installer has already explained a fatal problem (a bad policy, a failed self-check).
            if (cause instanceof IllegalStateException && "fatal".equals(cause.getMessage())) {
                System.exit(1);
            }
            System.err.println("[agent-hypervisor] FATAL: the agent could not start; the JVM stops (fail closed): " + cause);
            cause.printStackTrace();
            System.exit(1);
        }
    }

    /** What {@code --version} prints: the jar manifest's {@code Implementation-Version}. */
    public static String version() {
        String version = AgentMain.class.getPackage().getImplementationVersion();
        return "Agent Hypervisor for the JVM " + (version == null ? "(development build)" : version);
    }

    /**
     * The agent jar: this class's code source, or, when the bootstrap loader defined this class
     * ({@code -Xbootclasspath/a}, no code source), the jar its class file comes from.
     */
    private static File ownJar() throws Exception {
        CodeSource source = AgentMain.class.getProtectionDomain().getCodeSource();
        if (source != null && source.getLocation() != null) {
            return new File(source.getLocation().toURI());
        }
        URL self = ClassLoader.getSystemResource(AgentMain.class.getName().replace('.', '/') + ".class");
        if (self != null && "jar".equals(self.getProtocol())) {
            return new File(((JarURLConnection) self.openConnection()).getJarFileURL().toURI());
        }
        return null;
    }
}
