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

/** The shaded agent jar leaks nothing: every dependency is relocated under org.agenthypervisor. */
class PackagingIT {
    @Test
    void theAgentJarHoldsOnlyOrgAgenthypervisorAndMetaInf() throws IOException {
        List<String> leaks = new ArrayList<>();
        try (JarFile jar = new JarFile(ChildJvm.agentJar())) {
            for (String name : Collections.list(jar.entries()).stream().map(e -> e.getName()).toList()) {
                if (!name.endsWith("/") && !name.startsWith("org/agenthypervisor/") && !name.startsWith("META-INF/")) {
                    leaks.add(name);
                }
                if (name.startsWith("META-INF/versions/") && name.endsWith(".class")) {
                    leaks.add(name + " (multi-release class with an unrelocated path)");
                }
            }
        }
        assertEquals(List.of(), leaks);
    }

    @Test
    void theManifestMakesItAnAgentAndACommandLine() throws IOException {
        try (JarFile jar = new JarFile(ChildJvm.agentJar())) {
            Attributes main = jar.getManifest().getMainAttributes();
            assertEquals("org.agenthypervisor.agent.AgentMain", main.getValue("Premain-Class"));
            assertEquals("org.agenthypervisor.agent.AgentMain", main.getValue("Agent-Class"));
            assertEquals("org.agenthypervisor.agent.AgentMain", main.getValue("Main-Class"));
            assertEquals("true", main.getValue("Can-Retransform-Classes"));
            assertTrue(jar.getEntry("org/agenthypervisor/shaded/net/bytebuddy/ByteBuddy.class") != null);
            assertTrue(jar.getEntry("org/agenthypervisor/api/Ring.class") != null);
        }
    }
}
