package org.agenthypervisor.core.policy;

import org.snakeyaml.engine.v2.nodes.Node;

/** The composed tree of a text, as the parser composes it (for the cache's tests). */
final class PolicyParserTestAccess {
    private PolicyParserTestAccess() {
    }

    static Node compose(String yaml) throws PolicyException {
        return PolicyParser.composeForTest(yaml, "test");
    }
}
