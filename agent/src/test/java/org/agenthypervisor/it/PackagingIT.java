package org.agenthypervisor.it;

import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shaded agent jar leaks nothing: every dependency is relocated under org.agenthypervisor, and
 * only the api, the bridge and the launcher are class files at its root.
 */
class PackagingIT {
    private static final String INTERNALS = "org/agenthypervisor/internals/";

    /**
     * The internals' classes ({@code x/y/Z}) as the launcher finds them: from the index of the blocks
     * the build packs them into (agent/src/build/PackInternals.java), each block checked to be there.
     */
    static Set<String> packedClasses(JarFile jar) throws IOException {
        JarEntry index = jar.getJarEntry(INTERNALS + "META-INF/agent-hypervisor/classes");
        assertNotNull(index, "the index of the packed classes");
        JarEntry namesEntry = jar.getJarEntry(INTERNALS + "META-INF/agent-hypervisor/names");
        assertNotNull(namesEntry, "the names of the packed classes");
        List<String> names;
        try (java.io.InputStream in = jar.getInputStream(namesEntry)) {
            names = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().toList();
        }
        Set<String> out = new TreeSet<>();
        try (DataInputStream in = new DataInputStream(jar.getInputStream(index))) {
            assertEquals(0x41484349, in.readInt(), "the index's magic number");
            assertEquals(3, in.readInt(), "the index's version");
            int blocks = in.readInt();
            int count = in.readInt();
            assertEquals(count, names.size(), "a name per entry");
            in.skipNBytes(4L * in.readInt()); // the lookup table
            for (int i = 0; i < count; i++) {
                // Each entry is its class's path hash (FNV-1a, 64 bits), block, offset and length.
                long hash = 0xcbf29ce484222325L;
                for (byte b : names.get(i).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                    hash = (hash ^ (b & 0xFF)) * 0x100000001b3L;
                }
                assertEquals(hash, in.readLong(), "the hash of " + names.get(i));
                out.add(names.get(i));
                in.readShort();
                in.readInt();
                in.readInt();
            }
            for (int b = 0; b < blocks; b++) {
                assertNotNull(jar.getEntry(INTERNALS + "META-INF/agent-hypervisor/blocks/" + b), "block " + b);
            }
        }
        assertTrue(out.size() > 1_000, out.size() + " packed classes");
        return out;
    }

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
                if (name.endsWith(".classdata")) {
                    leaks.add(name + " (a class left out of the packed blocks)");
                }
            }
            for (String packed : packedClasses(jar)) {
                if (!ownOrMeta(packed)) {
                    leaks.add(packed + " (packed)");
                }
            }
        }
        assertEquals(List.of(), leaks);
    }

    private static boolean ownOrMeta(String path) {
        return path.startsWith("org/agenthypervisor/") || path.startsWith("META-INF/");
    }

    /**
     * The build flags the entry points varargs (src/build/EntryPointFlags.java): the JVM's reflective
     * call of premain then spins no method-handle classes on JDK 18 and later.
     */
    @Test
    void theEntryPointsInTheJarAreFlaggedVarargsForTheJvmsReflectiveCall() throws Exception {
        try (java.net.URLClassLoader loader = new java.net.URLClassLoader(
                new java.net.URL[] {Path.of(ChildJvm.agentJar()).toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            Class<?> main = Class.forName("org.agenthypervisor.agent.AgentMain", false, loader);
            assertTrue(main.getClassLoader() == loader, "AgentMain read from the jar");
            for (String entry : new String[] {"premain", "agentmain"}) {
                java.lang.reflect.Method method = main.getMethod(entry, String.class, java.lang.instrument.Instrumentation.class);
                assertTrue(method.isVarArgs(), entry + " is flagged varargs");
            }
            assertFalse(main.getMethod("main", String[].class).isVarArgs(), "main keeps its flags");
        }
    }

    @Test
    void theManifestMakesItAnAgentAndACommandLine() throws IOException {
        try (JarFile jar = new JarFile(ChildJvm.agentJar())) {
            Attributes main = jar.getManifest().getMainAttributes();
            assertEquals("org.agenthypervisor.agent.AgentMain", main.getValue("Premain-Class"));
            assertEquals("org.agenthypervisor.agent.AgentMain", main.getValue("Agent-Class"));
            assertEquals("org.agenthypervisor.agent.AgentMain", main.getValue("Main-Class"));
            assertEquals("true", main.getValue("Can-Retransform-Classes"));
            assertTrue(packedClasses(jar).contains("org/agenthypervisor/shaded/net/bytebuddy/ByteBuddy"));
            assertTrue(jar.getEntry("org/agenthypervisor/api/Ring.class") != null);
        }
    }

    /**
     * Issue 9: the jar is on the bootstrap class path (and, under -javaagent, the application's), so
     * its only class files are the api, the bridge woven code calls, and the launcher; everything
     * else is packed into blocks under org/agenthypervisor/internals/, which only the agent's own loader reads.
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
            Set<String> packed = packedClasses(jar);
            assertTrue(packed.contains("org/agenthypervisor/core/context/ContextCell"));
            assertTrue(packed.contains("org/agenthypervisor/agent/install/Installer"));
            assertTrue(jar.getEntry("org/agenthypervisor/bridge/Gate.class") != null);
        }
    }

    /**
     * The jar was 16.6 MB, most of it library classes the agent never runs (all of Bouncy Castle for
     * one algorithm, most of Byte Buddy); agent/pom.xml says what is kept of each library and why.
     * This fails when a change brings them back, or when the agent grows past issue 11's budget of
     * 6,000,000 bytes. It was 7.07 MB with one deflated entry per class (issue 13 brought the PostgreSQL
     * driver, about 0.95 MB); packing the classes into blocks deflated whole made it 4.7 MB.
     */
    @Test
    void theAgentJarStaysUnderItsBudget() throws IOException {
        long size = Files.size(Path.of(ChildJvm.agentJar()));
        assertTrue(size < 6_000_000L, "the agent jar is " + size + " bytes; the budget is 6,000,000");
    }

    private static final String BOUNCY_CASTLE_PATH = "org/agenthypervisor/shaded/org/bouncycastle/";
    private static final String BOUNCY_CASTLE = INTERNALS + BOUNCY_CASTLE_PATH;

    /**
     * The packages of Bouncy Castle that Ed25519 (all core.crypto uses) runs in. With the agent's own
     * CryptoServicesRegistrar (src/build/bouncycastle), no constraints, DSA or DH
     * parameters, ASN.1 or hex classes are reached any more.
     */
    private static final Set<String> BOUNCY_CASTLE_PACKAGES = Set.of("crypto", "crypto/digests", "crypto/params",
            "math/ec/rfc7748", "math/ec/rfc8032", "math/raw", "util", "util/io");

    @Test
    void bouncyCastleIsItsEd25519AndNothingElse() throws IOException {
        Set<String> outside = new TreeSet<>();
        int classes = 0;
        try (JarFile jar = new JarFile(ChildJvm.agentJar())) {
            for (String name : Collections.list(jar.entries()).stream().map(e -> e.getName()).toList()) {
                if (name.startsWith(BOUNCY_CASTLE) && !name.endsWith("/")) {
                    outside.add(name.substring(BOUNCY_CASTLE.length()) + " (a resource)");
                }
            }
            Set<String> packed = packedClasses(jar);
            for (String path : packed) {
                if (!path.startsWith(BOUNCY_CASTLE_PATH)) {
                    continue;
                }
                classes++;
                String type = path.substring(BOUNCY_CASTLE_PATH.length());
                String pkg = type.contains("/") ? type.substring(0, type.lastIndexOf('/')) : "";
                if (!BOUNCY_CASTLE_PACKAGES.contains(pkg)) {
                    outside.add(type);
                } else if (type.endsWith("/package-info")) {
                    outside.add(type);
                }
            }
            assertEquals(Set.of(), outside, "Bouncy Castle classes the agent never runs (no jcajce, jce, pqc, x509, asn1...)");
            assertTrue(classes < 60, classes + " Bouncy Castle classes; Ed25519 needs about fifty");
            for (String used : List.of("math/ec/rfc8032/Ed25519", "crypto/params/Ed25519PrivateKeyParameters",
                    "crypto/params/Ed25519PublicKeyParameters", "crypto/digests/SHA512Digest", "crypto/CryptoServicesRegistrar")) {
                assertTrue(packed.contains(BOUNCY_CASTLE_PATH + used), used);
            }
            // Without the provider's service entry nothing registers or loads Bouncy Castle's JCA provider.
            assertEquals(null, jar.getEntry("org/agenthypervisor/internals/META-INF/services/java.security.Provider"));
        }
    }

    /**
     * Jackson loads these by name (so minimizeJar would not see them); they decide how payloads with
     * {@code @ConstructorProperties}, {@code @Transient}, java.sql, javax.xml and DOM values are read and written.
     */
    @Test
    void theClassesJacksonLoadsByNameAreThere() throws IOException {
        String databind = "org/agenthypervisor/shaded/com/fasterxml/jackson/databind/";
        try (JarFile jar = new JarFile(ChildJvm.agentJar())) {
            Set<String> packed = packedClasses(jar);
            for (String byName : List.of("ext/Java7SupportImpl", "ext/DOMSerializer", "ext/DOMDeserializer$DocumentDeserializer",
                    "ext/CoreXMLDeserializers", "ext/CoreXMLSerializers", "ext/SqlBlobSerializer",
                    "ser/std/SqlDateSerializer", "ser/std/SqlTimeSerializer")) {
                assertTrue(packed.contains(databind + byName), byName);
            }
        }
    }

    /**
     * Byte Buddy is cut to the list in agent/src/build/byte-buddy-keep.txt: what decorating classes with
     * Advice runs, and none of the parts the agent never calls.
     */
    @Test
    void byteBuddyIsWhatTheWeaverRuns() throws IOException {
        String byteBuddy = "org/agenthypervisor/shaded/net/bytebuddy/";
        List<String> unused = new ArrayList<>();
        try (JarFile jar = new JarFile(ChildJvm.agentJar())) {
            Set<String> packed = packedClasses(jar);
            for (String name : packed) {
                if (name.startsWith(byteBuddy + "agent/builder/") || name.startsWith(byteBuddy + "build/")
                        || name.startsWith(byteBuddy + "implementation/bind/") || name.startsWith(byteBuddy + "dynamic/loading/ClassInjector")) {
                    unused.add(name);
                }
            }
            assertEquals(List.of(), unused);
            for (String used : List.of("ByteBuddy", "asm/Advice", "asm/Advice$OffsetMapping", "pool/TypePool$Default",
                    "dynamic/scaffold/inline/DecoratingDynamicTypeBuilder", "jar/asm/ClassWriter", "jar/asm/ClassReader")) {
                assertTrue(packed.contains(byteBuddy + used), used);
            }
        }
    }
}
