package org.agenthypervisor.it;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shaded agent jar leaks nothing: every dependency is relocated under org.agenthypervisor, and
 * only the api, the bridge and the launcher are class files at its root.
 */
class PackagingIT {
    @Test
    void theAgentJarHoldsOnlyOrgAgenthypervisorAndMetaInf() throws IOException {
        List<String> leaks = new ArrayList<>();
        try (JarFile jar = new JarFile(ChildJvm.agentJar())) {
            for (String name : Collections.list(jar.entries()).stream().map(e -> e.getName()).toList()) {
                // Every entry is under the project's path or META-INF; the internals' own entries,
                // stored under org/agenthypervisor/internals/, are relocated libraries too.
                String internals = "org/agenthypervisor/internals/";
                String inside = name.startsWith(internals) ? name.substring(internals.length()) : name;
                if (!name.endsWith("/") && (!ownOrMeta(name) || !ownOrMeta(inside))) {
                    leaks.add(name);
                }
                if (name.startsWith("META-INF/versions/") && name.endsWith(".class")) {
                    leaks.add(name + " (multi-release class with an unrelocated path)");
                }
            }
        }
        assertEquals(List.of(), leaks);
    }

    private static boolean ownOrMeta(String path) {
        return path.startsWith("org/agenthypervisor/") || path.startsWith("META-INF/");
    }

    @Test
    void theManifestMakesItAnAgentAndACommandLine() throws IOException {
        try (JarFile jar = new JarFile(ChildJvm.agentJar())) {
            Attributes main = jar.getManifest().getMainAttributes();
            assertEquals("org.agenthypervisor.agent.AgentMain", main.getValue("Premain-Class"));
            assertEquals("org.agenthypervisor.agent.AgentMain", main.getValue("Agent-Class"));
            assertEquals("org.agenthypervisor.agent.AgentMain", main.getValue("Main-Class"));
            assertEquals("true", main.getValue("Can-Retransform-Classes"));
            assertTrue(jar.getEntry("org/agenthypervisor/internals/org/agenthypervisor/shaded/net/bytebuddy/ByteBuddy.classdata") != null);
            assertTrue(jar.getEntry("org/agenthypervisor/api/Ring.class") != null);
        }
    }

    /**
     * Issue 9: the jar is on the bootstrap class path (and, under -javaagent, the application's), so
     * its only class files are the api, the bridge woven code calls, and the launcher; everything
     * else is under org/agenthypervisor/internals/ as .classdata, which only the agent's own loader reads.
     */
    @Test
    void onlyTheApiTheBridgeAndTheLauncherAreClassFilesAnyLoaderCanFind() throws IOException {
        List<String> visible = new ArrayList<>();
        try (JarFile jar = new JarFile(ChildJvm.agentJar())) {
            for (String name : Collections.list(jar.entries()).stream().map(e -> e.getName()).toList()) {
                if (name.endsWith(".class") && !name.startsWith("org/agenthypervisor/api/")
                        && !name.startsWith("org/agenthypervisor/bridge/")
                        && !(name.startsWith("org/agenthypervisor/agent/") && name.indexOf('/', "org/agenthypervisor/agent/".length()) < 0)) {
                    visible.add(name);
                }
                if (name.startsWith("META-INF/services/")) {
                    visible.add(name + " (a service an application's ServiceLoader would try to load)");
                }
            }
            assertEquals(List.of(), visible);
            assertTrue(jar.getEntry("org/agenthypervisor/internals/org/agenthypervisor/core/context/ContextCell.classdata") != null);
            assertTrue(jar.getEntry("org/agenthypervisor/internals/org/agenthypervisor/agent/install/Installer.classdata") != null);
            assertTrue(jar.getEntry("org/agenthypervisor/bridge/Gate.class") != null);
        }
    }
}
