package org.agenthypervisor.agent.integration;

import org.agenthypervisor.agent.integration.jdk.FileEntryPoints;
import org.agenthypervisor.agent.integration.jdk.NetworkEntryPoints;
import org.agenthypervisor.agent.integration.jdk.SystemEntryPoints;
import org.agenthypervisor.agent.integration.jdk.PlatformMBeanServer;
import org.agenthypervisor.agent.integration.jdk.HiddenClassDefinitions;
import org.agenthypervisor.agent.integration.jdk.JdkExecutors;
import org.agenthypervisor.agent.integration.langchain4j.LangChain4j;
import org.agenthypervisor.agent.integration.reactor.Reactor;
import org.agenthypervisor.agent.integration.springai.SpringAi;

import java.util.List;

/** Every integration the agent ships, in weaving order. A new framework is one more entry here. */
public final class Integrations {
    private Integrations() {
    }

    public static List<Integration> all() {
        return List.of(new JdkExecutors(), new HiddenClassDefinitions(), new FileEntryPoints(), new NetworkEntryPoints(), new SystemEntryPoints(), new PlatformMBeanServer(), new LangChain4j(), new SpringAi(), new Reactor());
    }
}
