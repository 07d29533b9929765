package org.agenthypervisor.it;

import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SPEC §9: the agent coexists with the application's own libraries, the api jar and other agents. */
class CompatibilityIT {
    private static ChildJvm compatJvm(String slf4j) {
        Path dir = ChildJvm.freshWorkDir("compat");
        ChildJvm.write(dir, "policy.yaml", RingsIT.DESK_POLICY);
        return ChildJvm.withAgent("policy=policy.yaml").in(dir)
                .classpathFirst(ChildJvm.apiJar())
                .classpath(Jars.lib("byte-buddy-").toString())
                .classpath(Jars.lib("snakeyaml-2").toString())
                .classpath(Jars.lib("snakeyaml-engine-").toString())
                .classpath(Jars.lib("jackson-databind-").toString())
                .classpath(Jars.lib("jackson-core-").toString())
                .classpath(Jars.lib("jackson-annotations-").toString())
                .classpath(Jars.lib("slf4j-api-" + slf4j).toString())
                .classpath(Jars.lib("slf4j-simple-" + slf4j).toString());
    }

    @Test
    void theApplicationKeepsItsOwnLibrariesAndApiJar() {
        Result r = compatJvm("2.").run("com.acme.compat.CompatApp");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.result("bytebuddy").startsWith("made a class"), r::toString);
        assertTrue(r.result("bytebuddy").contains("1.17.6"), r::toString);
        assertEquals("{answer=42}", r.result("snakeyaml"));
        assertEquals("{engine=2}", r.result("snakeyaml-engine"));
        assertTrue(r.result("jackson").startsWith("{\"x\":1} 2.17.2"), r::toString);
        assertEquals("logged", r.result("slf4j"));
        assertTrue(r.result("denial").startsWith("caught org.agenthypervisor.api.RingViolationException agent=support required=0"
                + " loader=null same-as-app=true"), r::toString);
    }

    @Test
    void eventsReachTheApplicationsSlf4jBinding() {
        for (String version : new String[] {"2.", "1.7"}) {
            Result r = compatJvm(version).run("com.acme.compat.CompatApp");
            assertEquals(0, r.exitCode(), r::toString);
            // slf4j-simple's format: "[main] WARN org.agenthypervisor.rings - DENIED ..."
            assertTrue(r.stderr().contains("[main] WARN org.agenthypervisor.rings - DENIED agent 'support'"),
                    () -> "slf4j " + version + ":\n" + r);
            assertTrue(r.stderr().contains("[main] INFO com.acme.compat - the application's own log line"), r::toString);
        }
    }

    @Test
    void withoutSlf4jEventsGoToStandardError() {
        Result r = RingsIT.runDesk("no-slf4j", RingsIT.DESK_POLICY, "support->ledger");
        assertTrue(r.stderr().contains("[agent-hypervisor] "), r::toString);
        assertTrue(r.stderr().contains(" WARN org.agenthypervisor.rings - DENIED agent 'support'"), r::toString);
    }

    private static Path otherAgentJar() {
        Path dir = ChildJvm.freshWorkDir("other-agent-jar");
        return new Jars()
                .manifest(Map.of("Premain-Class", "com.acme.otheragent.OtherAgent", "Can-Retransform-Classes", "true",
                        "Class-Path", Jars.lib("byte-buddy-").toUri().toString()))
                .directory(Path.of(ChildJvm.testClasses()), "com/acme/otheragent", "")
                .writeTo(dir.resolve("other-agent.jar"));
    }

    @Test
    void anotherAgentWorksBesideOursInEitherOrder() {
        Path other = otherAgentJar();
        for (boolean oursFirst : new boolean[] {true, false}) {
            Path dir = ChildJvm.freshWorkDir("two-agents");
            ChildJvm.write(dir, "policy.yaml", RingsIT.DESK_POLICY);
            ChildJvm jvm = ChildJvm.withAgent("policy=policy.yaml").in(dir);
            if (!oursFirst) {
                jvm = ChildJvm.withoutAgent().in(dir).jvmArg("-javaagent:" + other + "=advice")
                        .jvmArg("-javaagent:" + ChildJvm.agentJar() + "=policy=policy.yaml");
            } else {
                jvm.jvmArg("-javaagent:" + other + "=advice");
            }
            Result r = jvm.run("com.acme.desk.DeskApp", "host->ledger", "support->ledger", "executed");
            assertEquals(0, r.exitCode(), r::toString);
            assertEquals("allowed:rows for host query", r.result("host->ledger"));
            assertTrue(r.result("support->ledger").startsWith("denied:RingViolationException"), r::toString);
            assertEquals("1", r.result("executed"), "the denied call's body did not run");
            assertTrue(r.stdout().contains("OTHER AGENT SAW rawSql"), () -> "other agent's advice: " + r);
        }
    }

    @Test
    void aClassNothingGovernsKeepsItsBytes() {
        Path other = otherAgentJar();
        Path dir = ChildJvm.freshWorkDir("unchanged");
        ChildJvm.write(dir, "policy.yaml", RingsIT.DESK_POLICY);
        // Our agent first: the observer then sees what our transformer produced.
        Result r = ChildJvm.withAgent("policy=policy.yaml").in(dir)
                .jvmArg("-javaagent:" + other + "=observe=com.acme.desk.Outcome;com.acme.desk.Tasks;com.acme.desk.Ledger")
                .run("com.acme.desk.DeskApp", "support->ledger", "executor");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains("OBSERVED com.acme.desk.Outcome unchanged=true"), r::toString);
        assertTrue(r.stdout().contains("OBSERVED com.acme.desk.Tasks unchanged=true"), r::toString);
        assertTrue(r.stdout().contains("OBSERVED com.acme.desk.Ledger unchanged=false"), "sanity: a governed class is woven\n" + r);
        assertFalse(r.stdout().contains("unchanged=true") && r.stdout().contains("Ledger unchanged=true"));
    }
}
