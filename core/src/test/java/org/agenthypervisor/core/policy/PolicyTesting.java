package org.agenthypervisor.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.agenthypervisor.core.policy.PolicyException.Problem;

/** Shared helpers of the policy tests. */
final class PolicyTesting {
    static final String FILE = "p.yaml";

    private PolicyTesting() {
    }

    static Policy parse(String yaml) {
        try {
            return PolicyParser.parse(yaml, FILE);
        } catch (PolicyException e) {
            return fail("expected a valid policy, got:\n" + e.getMessage());
        }
    }

    static List<Problem> problems(String yaml) {
        return assertThrows(PolicyException.class, () -> PolicyParser.parse(yaml, FILE)).problems();
    }

    /** The one problem of an invalid policy. */
    static Problem problem(String yaml) {
        List<Problem> problems = problems(yaml);
        assertEquals(1, problems.size(), () -> "expected exactly one problem, got " + problems);
        return problems.get(0);
    }

    static void assertProblem(Problem actual, int line, int column, String keyPath, String message) {
        assertEquals(new Problem(FILE, line, column, keyPath, message), actual);
    }

    /** The repository root (the directory holding policies/), found from the module directory tests run in. */
    static Path repoRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("policies")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no policies/ directory above " + Path.of("").toAbsolutePath());
    }
}
