package org.agenthypervisor.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SuggestionsTest {
    private static final List<String> AGENT_KEYS = List.of("classes", "ring", "trust", "minTrust");

    @Test
    void distance() {
        assertEquals(0, Suggestions.distance("ring", "ring"));
        assertEquals(1, Suggestions.distance("rign", "ring"));
        assertEquals(1, Suggestions.distance("rin", "ring"));
        assertEquals(1, Suggestions.distance("rings", "ring"));
        assertEquals(1, Suggestions.distance("rong", "ring"));
        assertEquals(4, Suggestions.distance("", "ring"));
        assertEquals(3, Suggestions.distance("kitten", "sitting"));
    }

    @Test
    void typosFindTheirKey() {
        assertEquals(Optional.of("ring"), Suggestions.closest("rign", AGENT_KEYS));
        assertEquals(Optional.of("ring"), Suggestions.closest("Ring", AGENT_KEYS));
        assertEquals(Optional.of("minTrust"), Suggestions.closest("mintrust", AGENT_KEYS));
        assertEquals(Optional.of("minTrust"), Suggestions.closest("minTrsut", AGENT_KEYS));
        assertEquals(Optional.of("classes"), Suggestions.closest("class", AGENT_KEYS));
        assertEquals(Optional.of("trust"), Suggestions.closest("turst", AGENT_KEYS));
    }

    @Test
    void unrelatedWordsFindNothing() {
        assertEquals(Optional.empty(), Suggestions.closest("x", AGENT_KEYS));
        assertEquals(Optional.empty(), Suggestions.closest("policy", AGENT_KEYS));
        assertEquals(Optional.empty(), Suggestions.closest("", AGENT_KEYS));
        assertEquals(Optional.empty(), Suggestions.closest("ring", List.of()));
    }
}
