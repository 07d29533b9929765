package org.agenthypervisor.core.policy;

import static org.agenthypervisor.core.policy.PolicyTesting.assertProblem;
import static org.agenthypervisor.core.policy.PolicyTesting.problem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code rings.<n>.capabilities} and {@code agents.<id>.capabilities} are as strict as the rest of the policy. */
class CapabilityPolicyTest {

    @Test
    void aHostPortWithoutAPortNamesTheLineAndShowsTheForm() {
        assertProblem(problem("version: 1\nagents:\n  bot:\n    capabilities:\n      network.connect: [\"api.openai.com\"]\n"),
                5, 25, "agents.bot.capabilities.network.connect[0]", "'api.openai.com' is not host:port; write for"
                        + " example api.openai.com:443, *.internal.example.com:*, 10.0.0.7:5432 or [::1]:8080");
    }

    @Test
    void aPortOutOfRangeIsRefused() {
        assertTrue(problem("version: 1\nagents:\n  bot:\n    capabilities:\n      network.listen: [70000]\n").message()
                .contains("ports are 0 to 65535"));
    }

    @Test
    void aSwitchTakesOnlyTrueOrFalse() {
        assertTrue(problem("version: 1\nagents:\n  bot:\n    capabilities:\n      process.start: [\"sh\"]\n").message()
                .contains("true or false"));
    }

    @Test
    void anUnknownCapabilitySuggestsTheClosestName() {
        assertProblem(problem("version: 1\nagents:\n  bot:\n    capabilities:\n      network.conect: true\n"),
                5, 7, "agents.bot.capabilities.network.conect", "unknown key 'network.conect'; did you mean 'network.connect'?");
    }

    @Test
    void ringZeroCannotBeRestricted() {
        assertTrue(problem("version: 1\nrings:\n  0:\n    capabilities:\n      exit: false\n").message()
                .startsWith("ring 0 has every capability"));
    }

    @Test
    void anUnknownRingIsRefused() {
        assertTrue(problem("version: 1\nrings:\n  4:\n    capabilities:\n      exit: false\n").message()
                .startsWith("unknown ring '4'"));
    }

    @Test
    void aBlankPatternIsRefused() {
        assertTrue(problem("version: 1\nagents:\n  bot:\n    capabilities:\n      files.read: [\"  \"]\n").message()
                .contains("matches nothing"));
    }

    @Test
    void aCodeSourceHashMustBeSixtyFourLowercaseHexDigits() {
        assertTrue(problem("version: 1\nagents:\n  bot:\n    codeSource: sha256:ABC\n").message()
                .contains("is not sha256: followed by 64 lowercase hex digits"));
    }

    @Test
    void oneStringIsAListOfOne() {
        Policy p = PolicyTesting.parse("version: 1\nagents:\n  bot:\n    capabilities:\n      env.read: OPENAI_*\n");
        assertEquals(java.util.List.of("OPENAI_*"), p.capabilities().agents().get("bot").get("env.read").patterns());
    }
}
