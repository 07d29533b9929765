package org.agenthypervisor.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.agenthypervisor.core.policy.Policy.AgentSpec;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The files that ship: every example policy parses, the default file is the default, the docs cover every key. */
class PolicyFilesTest {

    private static List<Path> policyFiles() throws IOException {
        try (Stream<Path> files = Files.list(PolicyTesting.repoRoot().resolve("policies"))) {
            return files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted()
                    .collect(Collectors.toList());
        }
    }

    @TestFactory
    List<DynamicTest> everyShippedPolicyParses() throws IOException {
        List<Path> files = policyFiles();
        assertTrue(files.size() >= 2, "expected at least default.yaml and demo.yaml in policies/");
        List<DynamicTest> tests = new ArrayList<>();
        for (Path file : files) {
            tests.add(DynamicTest.dynamicTest(file.getFileName().toString(), () -> PolicyParser.parse(file)));
        }
        return tests;
    }

    @Test
    void defaultYamlIsTheBuiltInDefault() throws Exception {
        Policy file = PolicyParser.parse(PolicyTesting.repoRoot().resolve("policies/default.yaml"));
        Policy d = PolicyParser.defaults();
        assertEquals(d, new Policy(d.source(), d.sha256(), file.mode(), file.onInternalError(), file.dataDir(),
                file.host(), file.agents(), file.rules(), file.compensations(), file.sagas(), file.trust(),
                file.liability(), file.saga(), file.sessions(), file.audit(), file.frameworks()));
    }

    @Test
    void demoIsTheRefundDesk() throws Exception {
        Policy demo = PolicyParser.parse(PolicyTesting.repoRoot().resolve("policies/demo.yaml"));
        Map<String, AgentSpec> agents = demo.agents();
        assertEquals(3, agents.get("support-bot").ring());
        assertEquals(1, agents.get("billing").ring());
        assertEquals(0, agents.get("ledger").ring());
        assertTrue(agents.get("support-bot").classes().get(0)
                .matches("org.agenthypervisor.samples.refund.support.SupportBot"));
        assertTrue(agents.get("ledger").classes().get(0)
                .matches("org.agenthypervisor.samples.refund.ledger.LedgerDatabase"));
        assertTrue(demo.rules().get(0).methods()
                .matches("org.agenthypervisor.samples.refund.ledger.LedgerDatabase", "executeUpdate"));
        assertEquals(0, demo.rules().get(0).ring());
        assertEquals("dev.langchain4j.agent.tool.Tool", demo.rules().get(1).annotatedWith());
        assertEquals(2, demo.rules().get(1).ring());
        assertEquals(Policy.Durability.BATCH, demo.saga().durability());
        assertFalse(demo.sessions().keys().isEmpty());
    }

    /** The example error in the reference is what the parser really says about the example policy. */
    @Test
    void theReferenceShowsRealMessages() throws IOException {
        String doc = Files.readString(PolicyTesting.repoRoot().resolve("docs/policy.md"));
        String marker = "```yaml\n# policies/app.yaml\n";
        int start = doc.indexOf(marker);
        assertTrue(start >= 0, "docs/policy.md has no example policies/app.yaml");
        String yaml = doc.substring(start + "```yaml\n".length(), doc.indexOf("```", start + marker.length()));
        PolicyException e = org.junit.jupiter.api.Assertions.assertThrows(PolicyException.class,
                () -> PolicyParser.parse(yaml, "policies/app.yaml"));
        assertTrue(doc.contains("```\n" + e.getMessage() + "\n```"), () -> "docs/policy.md should show:\n" + e.getMessage());
    }

    /** The policy at the top of docs/frameworks.md is a valid policy that means what the guide says. */
    @Test
    void theFrameworksGuideExampleParses() throws IOException {
        String doc = Files.readString(PolicyTesting.repoRoot().resolve("docs/frameworks.md"));
        int start = doc.indexOf("```yaml\n");
        assertTrue(start >= 0, "docs/frameworks.md has no example policy");
        String yaml = doc.substring(start + "```yaml\n".length(), doc.indexOf("```", start + 1 + "```yaml".length()));
        Policy p = PolicyTesting.parse(yaml);
        assertEquals(Policy.OnDenial.ABORT, p.agents().get("support").onDenial());
        assertEquals(List.of(Glob.simple("credit")), p.agents().get("credit").agenticNames());
        assertEquals("tools: deleteAll*", p.rules().get(0).selector());
        assertEquals(2, p.sagas().size());
    }

    @Test
    void theReferenceDocumentsEveryKey() throws IOException {
        String doc = Files.readString(PolicyTesting.repoRoot().resolve("docs/policy.md"));
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, Set<String>> place : PolicyParser.KNOWN_KEYS.entrySet()) {
            for (String key : place.getValue()) {
                String path = place.getKey().isEmpty() ? key : place.getKey().replace(".*", ".<id>") + "." + key;
                if (!doc.contains("`" + path + "`")) {
                    missing.add(path);
                }
            }
        }
        assertEquals(List.of(), missing, "keys that docs/policy.md does not mention as `path`");
    }
}
