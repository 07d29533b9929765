package org.agenthypervisor.it;

import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11: what the agent does at start-up to be cheap must not make it weaker. Governed calls made
 * before {@code main} (in static initialisers) are checked; a start that takes its woven classes from
 * the woven-class cache enforces exactly like one that wove them, without loading Byte Buddy; a
 * tampered cache entry is refused, reported and woven afresh; a policy read from the composed-policy
 * cache is the file's, and a forged tree is refused; a warm start initialises neither Byte Buddy nor
 * the JDK's security providers.
 */
class StartupIT {
    private static final String POLICY = """
            version: 1
            agents:
              early-bot:
                ring: 3
                classes: com.acme.startup.EarlyBot
            """;

    private static Path workDir(String name) {
        Path dir = ChildJvm.freshWorkDir(name);
        ChildJvm.write(dir, "policy.yaml", POLICY);
        ChildJvm.write(dir, "secret.txt", "the ledger's password");
        return dir;
    }

    private static Result start(Path dir, String classLog) {
        ChildJvm jvm = ChildJvm.withAgent("policy=policy.yaml,log=debug").in(dir);
        if (classLog != null) {
            jvm.jvmArg("-Xlog:class+load=info:file=" + dir.resolve(classLog));
        }
        Result result = jvm.run("com.acme.startup.StartupApp");
        assertEquals(0, result.exitCode(), result::toString);
        return result;
    }

    private static void assertEnforced(Result result) {
        assertEquals("denied:RingViolationException", result.result("before-main"), result::toString);
        assertEquals("denied:RingViolationException", result.result("agent-clinit-wipe"), result::toString);
        assertEquals("denied:CapabilityDeniedException", result.result("agent-clinit-read"), result::toString);
        assertEquals("denied:CapabilityDeniedException", result.result("agent-clinit-connect"), result::toString);
        assertEquals("denied:CapabilityDeniedException", result.result("agent-clinit-exec"), result::toString);
        assertEquals("allowed:wiped", result.result("host-wipe"), result::toString);
        assertEquals("1", result.result("wiped"), "only the host's call ran the ring-0 body: " + result);
    }

    private static List<String> cacheEntries(Path dataDir) {
        Path root = dataDir.resolve("cache").resolve("woven");
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).map(Path::toString).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String classesLoaded(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The entries a start refused, by the file its warning names. */
    private static List<String> refusedEntries(Result result) {
        return result.stderr().lines().filter(l -> l.contains("failed its authentication check"))
                .map(l -> l.replaceAll(".*woven-class cache entry (\\S+) failed.*", "$1")).toList();
    }

    @Test
    void governedCallsInStaticInitialisersBeforeMainAreChecked() {
        Result result = start(workDir("startup-clinit"), null);
        assertEnforced(result);
        assertTrue(result.stderr().contains("started in"), result::toString);
    }

    /**
     * An application may install its own {@code java.util.logging} manager from {@code main} (servers and
     * logging bridges do), which works only if nothing initialised {@code LogManager} before: the agent
     * must not, on a first start or a warm one. Bouncy Castle's {@code CryptoServicesRegistrar} did, from
     * the signing warm-up, through its JUL logger.
     */
    @Test
    void theApplicationStillInstallsItsOwnLogManager() {
        Path dir = workDir("startup-log-manager");
        for (String start : List.of("first", "warm", "warm again")) {
            Result result = ChildJvm.withAgent("policy=policy.yaml").in(dir).run("com.acme.startup.OwnLogManagerApp");
            assertEquals(0, result.exitCode(), result::toString);
            assertEquals("com.acme.startup.AppLogManager", result.result("log-manager"), start + " start: " + result);
        }
    }

    /**
     * {@code StackWalker}'s class initialisation calls {@code setAccessible}, which the weave turns into a
     * capability check needing {@code HypervisorFrames}, whose initialisation needs {@code StackWalker}:
     * left to the application, its main thread and a pool's first worker could each start one and wait
     * for the other forever (EscapesIT's child hung one start in six under load). The installer
     * initialises both, and the propagation bridge's {@code JdkCallers}, before it weaves any JDK class;
     * the JVM's own log shows the order, at every start, where the hang showed only now and then.
     */
    @Test
    void theStackWalkersAreInitialisedBeforeAnyJdkClassIsWoven() throws IOException {
        Path dir = workDir("startup-init-order");
        ChildJvm jvm = ChildJvm.withAgent("policy=policy.yaml").in(dir);
        jvm.jvmArg("-Xlog:class+init=info,class+load=info:file=" + dir.resolve("init.log"));
        Result result = jvm.run("com.acme.startup.StartupApp");
        assertEquals(0, result.exitCode(), result::toString);
        assertEnforced(result);
        List<String> log = Files.readAllLines(dir.resolve("init.log"));
        int firstWoven = -1;
        for (int i = 0; i < log.size() && firstWoven < 0; i++) {
            if (log.get(i).contains("source: __VM_RedefineClasses__")) {
                firstWoven = i;
            }
        }
        assertTrue(firstWoven > 0, "the start retransforms JDK classes");
        String woven = log.get(firstWoven);
        for (String type : List.of("java/lang/StackWalker", "org/agenthypervisor/core/capabilities/HypervisorFrames",
                "org/agenthypervisor/core/context/JdkCallers")) {
            int initialised = -1;
            for (int i = 0; i < log.size() && initialised < 0; i++) {
                if (log.get(i).contains("Initializing '" + type + "'")) {
                    initialised = i;
                }
            }
            assertTrue(initialised >= 0 && initialised < firstWoven,
                    type + " is initialised (line " + initialised + ") before the first JDK class is woven: " + woven);
        }
    }

    /**
     * The self-check proves the advice landed before {@code main}: with its canary's weave made to fail
     * (the test-only option {@code -Dagenthypervisor.test.failWeaving}), the JVM stops before {@code main}
     * under the default {@code onInternalError: deny}, and under {@code allow} says that governance may be
     * incomplete. The canary is called through an interface now, not {@code Method.invoke}.
     */
    @Test
    void theSelfCheckStopsTheJvmBeforeMainWhenItsCanaryIsNotWoven() {
        String failCanary = "-Dagenthypervisor.test.failWeaving=org.agenthypervisor.selfcheck.Canary";
        Path dir = workDir("startup-self-check");
        Result denied = ChildJvm.withAgent("policy=policy.yaml").jvmArg(failCanary).in(dir).run("com.acme.startup.StartupApp");
        assertEquals(1, denied.exitCode(), denied::toString);
        assertTrue(denied.stderr().contains("FATAL: the post-install self-check failed: the canary class was not instrumented"),
                denied::toString);
        assertFalse(denied.stdout().contains("RESULT "), "main never ran: " + denied);

        ChildJvm.write(dir, "policy.yaml", POLICY + "onInternalError: allow\n");
        Result allowed = ChildJvm.withAgent("policy=policy.yaml").jvmArg(failCanary).in(dir).run("com.acme.startup.StartupApp");
        assertEquals(0, allowed.exitCode(), allowed::toString);
        assertTrue(allowed.stderr().contains("the post-install self-check failed: the canary class was not instrumented"
                + " (1 transformation error(s)) -- continuing because the policy says onInternalError: allow"), allowed::toString);

        Result intact = start(workDir("startup-self-check-intact"), null);
        assertEnforced(intact);
        assertFalse(intact.stderr().contains("self-check failed"), intact::toString);
    }

    @Test
    void aWarmStartTakesItsWovenClassesFromTheCacheWithoutByteBuddyAndEnforcesTheSame() throws IOException {
        Path dir = workDir("startup-cache");
        Result cold = start(dir, "cold-classes.log");
        assertEnforced(cold);
        assertTrue(classesLoaded(dir.resolve("cold-classes.log")).contains("shaded.net.bytebuddy.asm.Advice "),
                "a cold start weaves with Byte Buddy");
        assertFalse(cacheEntries(cold.dataDir()).isEmpty(), "the cold start filled the cache");
        // The second start weaves nothing; it keeps the policy's composed tree, and the third, which reads
        // the policy from there too, writes the class list (so that it lists no YAML parser). Should a JDK
        // class still reach the weaver with bytes of another kind (another agent before this one), that
        // variant is cached when it first occurs.
        Result warm = null;
        for (int attempt = 0; attempt < 4 && (warm == null || !warm.stderr().contains(" 0 miss(es), 0 rejected")
                || cacheEntries(warm.dataDir()).stream().noneMatch(f -> f.endsWith("classes.list"))); attempt++) {
            warm = start(dir, "warm-classes.log");
            assertEnforced(warm);
        }
        Result lastWarm = warm;
        assertTrue(warm.stderr().contains(" 0 miss(es), 0 rejected"), lastWarm::toString);
        // A warm start wrote the class list the next start preloads: the agent's own classes only.
        List<String> lists = cacheEntries(warm.dataDir()).stream().filter(f -> f.endsWith("classes.list")).toList();
        assertEquals(1, lists.size(), () -> "one start-up class list: " + cacheEntries(lastWarm.dataDir()));
        List<String> listed = Files.readAllLines(Path.of(lists.get(0)));
        assertTrue(listed.contains("org.agenthypervisor.agent.install.Installer"), listed::toString);
        assertTrue(listed.stream().allMatch(n -> n.startsWith("org.agenthypervisor.")), listed::toString);
        assertTrue(listed.stream().noneMatch(n -> n.contains(".snakeyaml.engine.v2.scanner.")), "no YAML scanner: " + listed);
        // The JDK's socket and process classes load after the installation (no hello world needs them) and
        // are woven as they load: the warm start takes them from the cache too, and its denials above held.
        assertTrue(warm.stderr().contains("JDK network entry points woven into java.net.Socket (from the cache)"), lastWarm::toString);
        assertTrue(warm.stderr().contains("JDK system entry points woven into java.lang.ProcessImpl (from the cache)"), lastWarm::toString);
        String loaded = classesLoaded(dir.resolve("warm-classes.log"));
        assertFalse(loaded.contains("shaded.net.bytebuddy.asm.Advice "), "a warm start never builds Byte Buddy's advice");
        assertFalse(loaded.contains("shaded.net.bytebuddy.ByteBuddy "), "a warm start never builds Byte Buddy");
        // Nor the JDK's security providers (~40 ms of CPU at their first use): SHA-256 is Bouncy Castle's and
        // random bytes the kernel's until a process has hashed enough to earn them (Sha256, Entropy).
        assertFalse(loaded.contains("sun.security.jca.Providers "), "a warm start never initialises the JDK's providers");
        assertFalse(loaded.contains("java.security.SecureRandom "), "a warm start never makes a SecureRandom");
        // Site keys are fresh at every start: the cached classes carry this start's, or the gate would refuse them.
        assertFalse(AuditRecords.ofType(warm.dataDir(), "ring.denied").toString().contains("woven key"), lastWarm::toString);
        assertFalse(warm.stderr().contains("woven key"), lastWarm::toString);
    }

    @Test
    void everyStartAfterTheFirstTakesEveryWovenClassFromTheCache() {
        // HotSpot reconstitutes a retransformed JDK class with its methods in the order of their name
        // symbols' addresses, which changes from run to run; keyed on those bytes as they came, one
        // warm start in three or four missed the cache and wove the thread pools afresh. With the
        // methods keyed in a canonical order, no start after the first weaves anything. (Five starts
        // catch the old behaviour most of the time, not always: it depended on memory layout.)
        Path dir = workDir("startup-every-warm");
        assertEnforced(start(dir, null));
        for (int i = 0; i < 5; i++) {
            Result warm = start(dir, null);
            assertEnforced(warm);
            assertTrue(warm.stderr().contains(" 0 miss(es), 0 rejected"), "warm start " + (i + 2) + ": " + warm);
        }
    }

    @Test
    void aWarmStartReadsItsPolicyFromTheComposedCacheAndRefusesAForgedTree() throws IOException {
        Path dir = workDir("startup-policy-cache");
        assertEnforced(start(dir, null)); // makes the key
        Result second = start(dir, null); // parses the file and keeps its tree
        assertEnforced(second);
        Path cacheDir = second.dataDir().resolve("cache").resolve("policy");
        List<Path> entries;
        try (Stream<Path> files = Files.list(cacheDir)) {
            entries = files.toList();
        }
        assertEquals(1, entries.size(), entries::toString);
        Result third = start(dir, null);
        assertEnforced(third);
        assertTrue(third.stderr().contains("read from the composed-policy cache"), third::toString);

        // Someone who can write the data directory but not read the key makes early-bot's ring 3 a 0 in
        // the stored tree (a scalar is its length, then its text), leaving the tag as it was.
        byte[] entry = Files.readAllBytes(entries.get(0));
        int at = new String(entry, java.nio.charset.StandardCharsets.ISO_8859_1).lastIndexOf("\u0000\u0000\u0000\u00013");
        assertTrue(at > 0, "the ring is in the stored tree");
        entry[at + 4] = '0';
        Files.write(entries.get(0), entry);
        Result forged = start(dir, null);
        assertEnforced(forged);
        assertTrue(forged.stderr().contains("composed policy cache entry") && forged.stderr().contains("failed its authentication check"),
                forged::toString);
        assertFalse(forged.stderr().contains("read from the composed-policy cache"), forged::toString);
        assertEquals(1, AuditRecords.ofType(forged.dataDir(), "policy.cache.rejected").size(), "the refusal is audited");
        // The file was parsed afresh and its tree kept again: the next start reads it from the cache.
        Result after = start(dir, null);
        assertEnforced(after);
        assertTrue(after.stderr().contains("read from the composed-policy cache"), after::toString);
    }

    @Test
    void aTamperedCacheEntryIsRefusedReportedAndWovenAfresh() throws IOException {
        Path dir = workDir("startup-tamper");
        Result cold = start(dir, null);
        assertEnforced(cold);
        List<String> entries = cacheEntries(cold.dataDir());
        assertFalse(entries.isEmpty());
        for (String entry : entries) {
            // Flip one byte of the woven class in every entry (past the header and the tag).
            byte[] bytes = Files.readAllBytes(Path.of(entry));
            bytes[bytes.length - 7] ^= 0x20;
            Files.write(Path.of(entry), bytes);
        }
        Result tampered = start(dir, null);
        assertEnforced(tampered);
        assertTrue(tampered.stderr().contains("failed its authentication check"), tampered::toString);
        assertFalse(tampered.stderr().contains("Exception in thread"), tampered::toString);
        long warned = tampered.stderr().lines().filter(l -> l.contains("failed its authentication check")).count();
        assertTrue(warned > 0);
        assertEquals(warned, AuditRecords.ofType(tampered.dataDir(), "instrumentation.cache.rejected").size(),
                "every rejected entry is in the audit log");
        Result after = start(dir, null);
        assertEnforced(after);
        // What was refused was woven afresh and stored again; an entry the second start never asked for
        // (another variant of a JDK class's bytes) may still be refused now, and must be reported too.
        List<String> refusedBefore = refusedEntries(tampered);
        for (String again : refusedEntries(after)) {
            assertFalse(refusedBefore.contains(again), "woven afresh after its refusal: " + again);
        }
    }
}
