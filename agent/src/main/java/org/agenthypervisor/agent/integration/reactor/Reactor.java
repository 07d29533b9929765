package org.agenthypervisor.agent.integration.reactor;

import org.agenthypervisor.agent.integration.Integration;
import org.agenthypervisor.agent.integration.Target;
import org.agenthypervisor.core.policy.Policy;

import java.util.List;
import java.util.Set;

/**
 * Reactor 3: capture at assembly (the constructors of {@code Flux} and {@code Mono}, which every
 * operator runs), restore at subscription ({@code subscribe} and {@code subscribeOrReturn} of every
 * operator in {@code reactor.core.publisher}, since an optimised subscription skips the public
 * {@code subscribe} of the operators it walks through).
 */
public final class Reactor implements Integration {
    private static final String CORE_SUBSCRIBER = "(Lreactor/core/CoreSubscriber;)";

    @Override
    public String name() {
        return "Reactor";
    }

    @Override
    public String policySwitch() {
        return "frameworks.reactor";
    }

    @Override
    public boolean enabled(Policy policy) {
        return policy.frameworks().reactor();
    }

    @Override
    public String versionResource() {
        return "reactor/core/publisher/Flux.class";
    }

    @Override
    public Set<String> testedVersions() {
        return Set.of("3.8.7", "3.8.8");
    }

    @Override
    public List<Target> targets() {
        return List.of(
                Target.of("reactor.core.publisher.Flux", "<init>", "()V", advice("Capture"), "assembly capture"),
                Target.of("reactor.core.publisher.Mono", "<init>", "()V", advice("Capture"), "assembly capture"),
                Target.prefix("reactor.core.publisher.Flux", "subscribe", CORE_SUBSCRIBER, advice("Subscribe"),
                        "subscription"),
                Target.prefix("reactor.core.publisher.Mono", "subscribe", CORE_SUBSCRIBER, advice("Subscribe"),
                        "subscription"),
                Target.prefix("reactor.core.publisher.Flux", "subscribeOrReturn", CORE_SUBSCRIBER,
                        advice("Subscribe"), "subscription"),
                Target.prefix("reactor.core.publisher.Mono", "subscribeOrReturn", CORE_SUBSCRIBER,
                        advice("Subscribe"), "subscription"));
    }

    /** The binary name of the advice class nested in {@code ReactorAdvice} under {@code nested}: named, and loaded only to weave. */
    private static String advice(String nested) {
        return Reactor.class.getPackageName() + ".ReactorAdvice$" + nested;
    }
}
