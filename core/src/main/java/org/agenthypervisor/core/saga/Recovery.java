package org.agenthypervisor.core.saga;

import org.agenthypervisor.api.CompensationFailedException;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.encoding.PayloadEncoder;
import org.agenthypervisor.core.saga.SagaHistory.CompensationStatus;
import org.agenthypervisor.core.saga.SagaHistory.SagaView;
import org.agenthypervisor.core.saga.SagaHistory.StepStatus;
import org.agenthypervisor.core.saga.SagaHistory.StepView;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Recovers one unfinished saga from what the journal says: the steps that are done and not yet
 * compensated or escalated are compensated, most recently done first; a step that started but has
 * no outcome ("in doubt") is compensated only where its compensation declares
 * {@code compensateInDoubt = true}, else escalated for an operator. A compensation interrupted by the
 * crash is run again: compensations are at least once across crashes, and get the same step id
 * ({@code Hypervisor.currentStep()}) to recognise a repeat. Finally the saga is journaled as ended.
 *
 * <p>Everything is resolved before anything runs: if a class cannot be loaded yet or an instance
 * cannot be had yet (no factory registered, no no-argument constructor), the whole saga is deferred,
 * because compensating the earlier steps while a later one waits would break the reverse order.
 * Problems that waiting cannot fix (the compensation no longer exists, the arguments were not
 * encodable, they do not decode) escalate that step; the others are still compensated.
 */
final class Recovery {
    enum Outcome { COMPENSATED, ESCALATED, DEFERRED }

    /**
     * @param waitingFor the classes a deferred saga waits for (to load, or to get a factory)
     */
    record Result(String sagaId, Outcome outcome, String reason, Set<String> waitingFor) {
    }

    /** One step to handle: compensate ({@code job} set) or escalate ({@code escalation} set). */
    private record Plan(StepView step, Compensator.Job job, String escalation) {
    }

    private final Transitions t;
    private final Compensator compensator;
    private final Instances instances;
    private final Principals principals;
    private final Context hostContext;

    Recovery(Transitions transitions, Compensator compensator, Instances instances, Principals principals,
             Context hostContext) {
        this.t = transitions;
        this.compensator = compensator;
        this.instances = instances;
        this.principals = principals;
        this.hostContext = hostContext;
    }

    /** The steps recovery handles, most recent first. */
    static List<StepView> pending(SagaView saga) {
        List<StepView> out = new ArrayList<>();
        for (StepView s : saga.steps()) {
            boolean open = s.compensation() != CompensationStatus.COMPENSATED && s.compensation() != CompensationStatus.ESCALATED;
            if (open && (s.status() == StepStatus.DONE || s.status() == StepStatus.STARTED)) {
                out.add(s);
            }
        }
        out.sort(Comparator.comparingLong(StepView::order).reversed());
        return out;
    }

    Result recover(SagaView saga, String trigger, ClassLoader extraLoader) {
        List<StepView> steps = pending(saga);
        List<ClassLoader> loaders = instances.loaders(extraLoader);
        List<Plan> plans = new ArrayList<>();
        Set<String> waitingFor = new LinkedHashSet<>();
        List<String> reasons = new ArrayList<>();
        for (StepView step : steps) {
            Plan plan = plan(saga, step, loaders, waitingFor, reasons);
            if (plan != null) {
                plans.add(plan);
            }
        }
        if (!waitingFor.isEmpty()) {
            String reason = String.join("; ", reasons);
            return new Result(saga.id(), Outcome.DEFERRED, reason, waitingFor);
        }
        t.journal(JournalRecords.recovery(saga.id(), System.currentTimeMillis(), trigger, plans.size()));
        t.audit("saga.recovery", "saga", saga.id(), "name", saga.name(), "trigger", trigger, "steps", plans.size());
        Transitions.flight(saga.id(), null, "recovering", saga.method());
        int compensated = 0;
        int escalated = 0;
        for (Plan plan : plans) {
            if (plan.escalation() != null) {
                escalateUnrun(saga, plan.step(), plan.escalation());
                escalated++;
                continue;
            }
            CompensationFailedException failed = compensator.run(plan.job());
            if (failed == null) {
                compensated++;
            } else {
                escalated++;
            }
        }
        String outcome = escalated > 0 ? JournalRecords.OUTCOME_ESCALATED : JournalRecords.OUTCOME_COMPENSATED;
        t.journal(JournalRecords.end(saga.id(), System.currentTimeMillis(), outcome, compensated, escalated));
        t.audit("saga.end", "saga", saga.id(), "name", saga.name(), "outcome", outcome, "compensated", compensated,
                "escalated", escalated, "recovered", Boolean.TRUE);
        Transitions.flight(saga.id(), null, outcome, saga.method());
        if (escalated > 0) {
            t.counters.sagasEscalated.increment();
            Transitions.LOG.error("recovered saga " + saga.id() + " (" + saga.name() + ") ended ESCALATED: " + compensated
                    + " step(s) compensated, " + escalated + " escalated for an operator (saga show " + saga.id() + ")");
            return new Result(saga.id(), Outcome.ESCALATED, escalated + " step(s) escalated", Set.of());
        }
        t.counters.sagasCompensated.increment();
        Transitions.LOG.info("recovered saga " + saga.id() + " (" + saga.name() + "): " + compensated
                + " step(s) compensated in reverse order");
        return new Result(saga.id(), Outcome.COMPENSATED, compensated + " step(s) compensated", Set.of());
    }

    private Plan plan(SagaView saga, StepView step, List<ClassLoader> loaders, Set<String> waitingFor, List<String> reasons) {
        boolean inDoubt = step.inDoubt();
        String stepName = "step " + step.id() + " (" + step.method() + ")";
        if (inDoubt && !step.compensateInDoubt()) {
            return escalation(step, "in doubt: it started before the JVM stopped but the journal has no outcome, and its"
                    + " compensation does not declare compensateInDoubt = true; check whether it took effect and undo it"
                    + " by hand (arguments " + argsText(step) + ")");
        }
        if (!step.recoverable()) {
            return escalation(step, "not recoverable after a crash: " + (step.unrecoverable() == null ? "its arguments were"
                    + " not encodable as data" : step.unrecoverable()) + "; undo it by hand");
        }
        if (step.descriptor() == null || step.declaringClass() == null) {
            return escalation(step, "the journal does not name its compensation");
        }
        Class<?> declaring = load(step.declaringClass(), loaders);
        if (declaring == null) {
            waitingFor.add(step.declaringClass());
            reasons.add(stepName + ": class " + step.declaringClass() + " cannot be loaded yet");
            return null;
        }
        Method target;
        try {
            target = CompensationMethods.find(declaring, step.compensationName(), step.descriptor());
        } catch (IllegalStateException missing) {
            return escalation(step, missing.getMessage());
        }
        Compensator.InstanceSource source = null;
        if (!Modifier.isStatic(target.getModifiers())) {
            String instanceName = step.instanceClass() == null ? step.declaringClass() : step.instanceClass();
            Class<?> instanceClass = load(instanceName, loaders);
            if (instanceClass == null) {
                waitingFor.add(instanceName);
                reasons.add(stepName + ": class " + instanceName + " cannot be loaded yet");
                return null;
            }
            if (!instances.canProvide(instanceClass)) {
                waitingFor.add(instanceName);
                reasons.add(stepName + ": no instance of " + instanceName + " (it has no no-argument constructor; the"
                        + " application must call Hypervisor.registerFactory(" + instanceClass.getSimpleName() + ".class, ...))");
                return null;
            }
            source = () -> instances.provide(instanceClass);
        }
        Object[] args;
        try {
            Type[] types = target.getGenericParameterTypes();
            int n = step.passesResult() ? types.length - 1 : types.length;
            byte[] json = step.args();
            if (json == null) {
                return escalation(step, "the journal holds no arguments for it");
            }
            Object[] decoded = PayloadEncoder.decodeArguments(json, Arrays.copyOf(types, n));
            if (step.passesResult()) {
                if (inDoubt) {
                    return escalation(step, "in doubt, and its compensation takes the step's result, which the journal"
                            + " does not have; check whether it took effect and undo it by hand");
                }
                if (!step.resultComplete() || step.result() == null) {
                    return escalation(step, "its compensation takes the step's result, which was not encodable as data");
                }
                args = Arrays.copyOf(decoded, n + 1);
                args[n] = PayloadEncoder.decode(step.result(), types[n]);
            } else {
                args = decoded;
            }
        } catch (RuntimeException undecodable) {
            return escalation(step, "its journaled arguments cannot be rebuilt for " + CompensationMethods.display(
                    declaring.getName(), step.compensationName(), step.descriptor()) + ": " + undecodable.getMessage());
        }
        if (KeyDirectory.isReservedId(step.agent())) {
            return escalation(step, "its agent '" + step.agent() + "' is the hypervisor's reserved key id, which no agent"
                    + " may run as");
        }
        Principal agent = principal(step.agent());
        // The journal is data at rest: the pinned ring never exceeds what the policy grants the agent now.
        int ring = Math.max(step.ring(), agent.grantedRing());
        Context context = Context.of(agent).withStep(step.id()).pinnedTo(principals.pinned(agent, ring));
        String display = CompensationMethods.display(declaring.getName(), step.compensationName(), step.descriptor());
        return new Plan(step, new Compensator.Job(saga.id(), step.id(), step.method(), display, target, source, args, context,
                agent, null, inDoubt, true), null);
    }

    private Principal principal(String id) {
        if (id == null || id.equals("host")) {
            return principals.host();
        }
        return principals.agent(id);
    }

    private static Plan escalation(StepView step, String reason) {
        return new Plan(step, null, reason);
    }

    private void escalateUnrun(SagaView saga, StepView step, String reason) {
        t.journal(JournalRecords.escalated(saga.id(), step.id(), System.currentTimeMillis(), reason, 0));
        t.audit("saga.escalated", "saga", saga.id(), "step", step.id(), "method", step.method(), "agent",
                step.agent() == null ? "host" : step.agent(), "reason", reason, "attempts", 0, "inDoubt", step.inDoubt(),
                "recovered", Boolean.TRUE);
        Transitions.flight(saga.id(), step.id(), "escalated", step.method());
        Transitions.LOG.error("saga " + saga.id() + " (" + saga.name() + "): step " + step.id() + " (" + step.method()
                + ", agent '" + (step.agent() == null ? "host" : step.agent()) + "') is ESCALATED for an operator: " + reason);
    }

    private static String argsText(StepView step) {
        byte[] args = step.args();
        if (args == null) {
            return "unknown";
        }
        String text = new String(args, java.nio.charset.StandardCharsets.UTF_8);
        return text.length() > 500 ? text.substring(0, 500) + "..." : text;
    }

    private static Class<?> load(String name, List<ClassLoader> loaders) {
        for (ClassLoader loader : loaders) {
            try {
                return Class.forName(name, false, loader);
            } catch (ClassNotFoundException | LinkageError notHere) {
                // try the next loader
            }
        }
        return null;
    }

    /** For the log: how a deferred saga can proceed. */
    static String hint(Result deferred) {
        return "it is recovered as soon as that changes (a factory registered with Hypervisor.registerFactory, or the"
                + " class used through the gate), or offline with `saga recover --classpath ...` once this JVM stopped";
    }
}
