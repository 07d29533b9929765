package org.agenthypervisor.core.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.agenthypervisor.core.policy.PolicyParser;
import org.junit.jupiter.api.Test;

class PrincipalsTest {
    /** At run time too (an id from a journal, a facade call, a framework): no agent is ever the hypervisor. */
    @Test
    void noAgentIdentityIsCreatedWithTheHypervisorsKeyId() {
        Principals principals = new Principals(PolicyParser.defaults());
        for (String id : List.of("hypervisor", "Hypervisor")) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> principals.agent(id));
            assertTrue(refused.getMessage().contains("refused agent id '" + id + "'"), refused.getMessage());
            assertNull(principals.find(id));
        }
        assertEquals("billing", principals.agent("billing").id());
    }
}
