package org.agenthypervisor.agent.integration;

import org.agenthypervisor.core.policy.Policy;

import java.util.List;
import java.util.Set;

/**
 * One framework the hypervisor governs. Everything is named, never loaded: the agent jar holds no
 * framework class, and an integration whose framework is absent costs one map lookup per loaded
 * class.
 */
public interface Integration {
    /** The framework's name in log lines ("LangChain4j"). */
    String name();

    /** The policy switch that turns it off ("frameworks.langchain4j"), or null when it is always on. */
    String policySwitch();

    /** Whether the policy turns it on. */
    boolean enabled(Policy policy);

    /**
     * A class-path resource that holds the framework's version as {@code version=} (a Maven
     * {@code pom.properties}), or a {@code .class} resource whose jar's manifest has an
     * {@code Implementation-Version}, or null (the JDK: the runtime's version).
     */
    String versionResource();

    /** Versions the integration was tested with; another version is reported, never refused. */
    Set<String> testedVersions();

    /** What to weave. */
    List<Target> targets();

    /**
     * Whether this integration's JDK classes that are not loaded yet at install are woven as they
     * load, instead of being loaded then and retransformed (a hello world loads none of the
     * network and process classes: start-up need not pay for them). Only safe when no advice of
     * any integration names one of these classes in its signature: describing the advice, which
     * a weave the cache cannot answer does inside a transform, would load the class there, and a
     * class loaded inside a transformer is never shown to the transformers (it would run unwoven).
     * {@code IntegrationsTest} holds every integration to that.
     */
    default boolean weavesUnloadedJdkClassesOnLoad() {
        return false;
    }
}
