package org.agenthypervisor.core.capabilities;

import com.acme.frames.AgentCode;
import org.agenthypervisor.shaded.fake.FakeDriver;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whose doing a JDK call is when a library the agent ships makes it: the hypervisor's when its own
 * code called the library (the shared store's connection opened on an agent's thread), the agent's
 * when the agent did. The frame of the probe below is in this package, which the walk skips like
 * the gate's own frames.
 */
class HypervisorFramesTest {
    @Test
    void aShippedLibraryCalledByTheHypervisorIsTheHypervisorsDoing() {
        assertTrue(org.agenthypervisor.core.store.DriverCaller.open(HypervisorFrames::calledByHypervisor));
    }

    @Test
    void aShippedLibraryCalledByAnAgentIsTheAgentsDoing() {
        assertFalse(AgentCode.callsDriver(HypervisorFrames::calledByHypervisor));
    }

    @Test
    void theLibraryAloneVouchesForNobody() {
        // Called from this test class's package (skipped) and then JUnit: nothing of the hypervisor's.
        assertFalse(FakeDriver.connect(HypervisorFrames::calledByHypervisor));
    }
}
