package org.agenthypervisor.it;

import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC §9: a Spring Boot fat jar. The application's classes and its libraries (the api jar and
 * SLF4J among them) sit in nested jars loaded by Boot's launcher class loader, not the system one.
 */
class SpringBootIT {
    @Test
    void aSpringBootFatJarIsGovernedAndItsLoggingIsUsed() {
        Path dir = ChildJvm.freshWorkDir("boot");
        ChildJvm.write(dir, "policy.yaml", RingsIT.DESK_POLICY);
        Path fatJar = new Jars()
                .manifest(Map.of(
                        "Main-Class", "org.springframework.boot.loader.launch.JarLauncher",
                        "Start-Class", "com.acme.desk.DeskApp",
                        "Spring-Boot-Classes", "BOOT-INF/classes/",
                        "Spring-Boot-Lib", "BOOT-INF/lib/"))
                .contentsOf(Jars.lib("spring-boot-loader-"), "org/springframework/boot/loader/")
                .directory(Path.of(ChildJvm.testClasses()), "com/acme/desk", "BOOT-INF/classes/")
                .stored("BOOT-INF/lib/agent-hypervisor-api.jar", Path.of(ChildJvm.apiJar()))
                .stored("BOOT-INF/lib/slf4j-api.jar", Jars.lib("slf4j-api-2."))
                .stored("BOOT-INF/lib/slf4j-simple.jar", Jars.lib("slf4j-simple-2."))
                .writeTo(dir.resolve("app.jar"));
        Result r = ChildJvm.withoutAgent().in(dir)
                .jvmArg("-javaagent:" + ChildJvm.agentJar() + "=policy=policy.yaml")
                .jar(fatJar)
                .runJar("support->ledger", "host->ledger", "executor", "executed");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.result("support->ledger").startsWith("denied:RingViolationException:agent 'support'"), r::toString);
        assertEquals("allowed:rows for host query", r.result("host->ledger"));
        assertTrue(r.result("executor").startsWith("allowed:support|denied:RingViolationException"), r::toString);
        assertEquals("1", r.result("executed"));
        assertTrue(r.stderr().contains("WARN org.agenthypervisor.rings - DENIED agent 'support'"), r::toString);
    }
}
