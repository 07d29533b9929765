package org.agenthypervisor.it;

import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SPEC §8: the command line in the same jar, its output and exit codes. */
class CliIT {
    static Result cli(Path dir, String... args) {
        return ChildJvm.withoutAgent().in(dir).jar(Path.of(ChildJvm.agentJar())).runJar(args);
    }

    /** A class path holding only the classes of one fixture package. */
    static Path classesOf(Path dir, String packagePath) {
        Path root = Path.of(ChildJvm.testClasses());
        Path out = dir.resolve("classes-" + packagePath.replace('/', '-'));
        try (Stream<Path> files = Files.walk(root.resolve(packagePath))) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                Path target = out.resolve(root.relativize(file));
                Files.createDirectories(target.getParent());
                Files.copy(file, target);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    @Test
    void helpOnEveryLevelAndUsageErrorsExitWith2() {
        Path dir = ChildJvm.freshWorkDir("cli-help");
        Result help = cli(dir, "--help");
        assertEquals(0, help.exitCode(), help::toString);
        assertTrue(help.stdout().contains("policy"), help::toString);
        // --help answers from a stored copy of the usage (HypervisorCommandUsageTest keeps it current); help and -h
        // say the same, and --version names the jar's version.
        assertEquals(help.stdout(), cli(dir, "help").stdout());
        assertEquals(help.stdout(), cli(dir, "-h").stdout());
        Result version = cli(dir, "--version");
        assertEquals(0, version.exitCode(), version::toString);
        assertTrue(version.stdout().matches("(?s)Agent Hypervisor for the JVM \\d+\\.\\d+.*"), version::toString);
        Result checkHelp = cli(dir, "policy", "check", "--help");
        assertEquals(0, checkHelp.exitCode());
        assertTrue(checkHelp.stdout().contains("--classpath"), checkHelp::toString);
        assertEquals(2, cli(dir).exitCode(), "no command");
        assertEquals(2, cli(dir, "nonsense").exitCode());
        assertEquals(2, cli(dir, "policy", "check").exitCode(), "--policy is required");
        Result missing = cli(dir, "policy", "check", "--policy", "nowhere.yaml");
        assertEquals(2, missing.exitCode());
        assertTrue(missing.stderr().contains("policy file not found: nowhere.yaml"), missing::toString);
    }

    @Test
    void policyCheckListsWhatEachRuleAndAnnotationGoverns() {
        Path dir = ChildJvm.freshWorkDir("cli-check");
        ChildJvm.write(dir, "policy.yaml", RingsIT.DESK_POLICY + """
                  - methods: "com.acme.nowhere.Ghost#*"
                    ring: 1
                """);
        Result r = cli(dir, "policy", "check", "--policy", "policy.yaml", "--classpath", classesOf(dir, "com/acme/desk").toString());
        assertEquals(0, r.exitCode(), r::toString);
        String out = r.stdout();
        assertTrue(out.contains("policy policy.yaml: valid"), out);
        assertTrue(out.contains("policy rule #1 (methods: com.acme.desk.Db#execute*)\n    com.acme.desk.Db#executeUpdate(String)"), out);
        assertFalse(out.contains("com.acme.desk.Db#query"), out);
        assertTrue(out.contains("com.acme.desk.Ledger#rawSql(String)  -> requires ring 0"), out);
        assertTrue(out.contains("com.acme.desk.Vault#<init>()  -> requires ring 0"), out);
        assertTrue(out.contains("com.acme.desk.Archive#stat()  -> requires ring 2"), out);
        assertTrue(out.contains("  support\n    com.acme.desk.Support  (@Agent on com.acme.desk.Support;"), out);
        assertTrue(out.contains("warning: policy rule #2 (methods: com.acme.nowhere.Ghost#*) governs no method on the class path"), out);
    }

    @Test
    void policyCheckFailsOnAnInvalidPolicyWithFileLineAndKey() {
        Path dir = ChildJvm.freshWorkDir("cli-invalid");
        ChildJvm.write(dir, "bad.yaml", "version: 1\nmode: enforced\n");
        Result r = cli(dir, "policy", "check", "--policy", "bad.yaml");
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("bad.yaml:2:7: mode"), r::toString);
    }

    @Test
    void policyCheckFailsOnAMissingCompensation() {
        Path dir = ChildJvm.freshWorkDir("cli-compensation");
        ChildJvm.write(dir, "policy.yaml", "version: 1\n");
        Result r = cli(dir, "policy", "check", "--policy", "policy.yaml", "--classpath", classesOf(dir, "com/acme/cli").toString());
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("no compensation method undoCharge(String, long)"), r::toString);
        assertTrue(r.stdout().contains("@Compensate annotations\n    com.acme.cli.BrokenSteps#charge(String, long)"), r::toString);
    }
}
