package org.agenthypervisor.core.gate;

import org.agenthypervisor.api.RingViolationException;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.ContextCell;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.governance.AnnotationInfo;
import org.agenthypervisor.core.governance.ClassInfo;
import org.agenthypervisor.core.governance.ClassPlan;
import org.agenthypervisor.core.governance.GovernancePlanner;
import org.agenthypervisor.core.governance.MethodInfo;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.PolicyParser;
import org.agenthypervisor.core.rings.RingDenial;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gate's static entry points driven directly, as the woven advice would call them. */
class GateRuntimeTest {
    private final List<String> events = new ArrayList<>();
    private final GateListener listener = new GateListener() {
        @Override
        public void ringViolation(RingDenial denial, boolean enforced, SiteBinding binding) {
            events.add((enforced ? "denied " : "would deny ") + denial.agent() + " " + binding.method());
        }

        @Override
        public void internalError(SiteBinding binding, Throwable error, boolean denied) {
            events.add("internal " + error);
        }
    };

    @AfterEach
    void clear() {
        org.agenthypervisor.core.context.Propagation.resetWorker();
    }

    private static Policy policy(String yaml) throws Exception {
        return PolicyParser.parse("version: 1\n" + yaml, "gate-test.yaml");
    }

    private static ClassInfo vault() {
        return new ClassInfo("com.acme.Vault", "java.lang.Object", Modifier.PUBLIC, List.of(), List.of(
                new MethodInfo("open", "()V", Modifier.PUBLIC,
                        List.of(new AnnotationInfo(GovernancePlanner.RING, Map.of("value", 1))))));
    }

    private static ClassInfo bot() {
        return new ClassInfo("com.acme.Bot", "java.lang.Object", Modifier.PUBLIC,
                List.of(new AnnotationInfo(GovernancePlanner.AGENT, Map.of("value", "bot"))),
                List.of(new MethodInfo("ask", "()V", Modifier.PUBLIC, List.of())));
    }

    private int register(GateRuntime gate, ClassInfo type) {
        ClassPlan plan = gate.plan(type);
        return gate.register(type, plan, 1)[0];
    }

    @Test
    void allowsPrivilegedCallersAndDeniesOthersBeforeTheBody() throws Exception {
        Policy p = policy("agents:\n  bot:\n    ring: 3\n  admin:\n    ring: 1\n");
        Principals principals = new Principals(p);
        GateRuntime gate = new GateRuntime(p, principals, listener);
        gate.activate();
        int site = register(gate, vault());

        Gate.check(site, Gate.LOOK_UP);
        ContextCell.obtain(gate.hostContext()).set(Context.of(principals.agent("admin")));
        Gate.check(site, Gate.LOOK_UP);
        ContextCell.obtain(gate.hostContext()).set(Context.of(principals.agent("bot")));
        RingViolationException denied = assertThrows(RingViolationException.class, () -> Gate.check(site, Gate.LOOK_UP));
        assertEquals("bot", denied.agent());
        assertEquals(List.of("denied bot com.acme.Vault#open()"), events);
    }

    @Test
    void auditModeRecordsButRuns() throws Exception {
        Policy p = policy("mode: audit\nagents:\n  bot:\n    ring: 3\n");
        Principals principals = new Principals(p);
        GateRuntime gate = new GateRuntime(p, principals, listener);
        gate.activate();
        int site = register(gate, vault());
        ContextCell.obtain(gate.hostContext()).set(Context.of(principals.agent("bot")));
        Gate.check(site, Gate.LOOK_UP);
        assertEquals(List.of("would deny bot com.acme.Vault#open()"), events);
    }

    @Test
    void enteringAnAgentSwitchesAndExitingRestores() throws Exception {
        Policy p = policy("");
        Principals principals = new Principals(p);
        GateRuntime gate = new GateRuntime(p, principals, listener);
        gate.activate();
        int site = register(gate, bot());
        List<String> order = new ArrayList<>();
        gate.addParticipant(new CallParticipant() {
            @Override
            public Object enter(Call call) {
                order.add("enter " + call.owner() + " handoff=" + call.isHandoff());
                return "state";
            }

            @Override
            public void exit(Call call, Object state, Object returned, Throwable thrown) {
                order.add("exit " + state + " " + returned);
            }
        });
        Object token = Gate.enter(site);
        assertSame(Gate.DETAILS, token, "a public method of an agent is a hand-off point");
        Object call = Gate.enterWithDetails(site, Object.class, null, new Object[0]);
        assertEquals("bot", ContextCell.peek().get().principal().id());
        Gate.exit(call, "result", null);
        assertTrue(ContextCell.peek().get().isHost());
        assertEquals(List.of("enter bot handoff=false", "exit state result"), order, "the host never hands off");
    }

    @Test
    void anAgentCallingItsOwnPublicMethodPaysNoHandOff() throws Exception {
        Policy p = policy("");
        Principals principals = new Principals(p);
        GateRuntime gate = new GateRuntime(p, principals, listener);
        gate.activate();
        int site = register(gate, bot());
        List<String> entered = new ArrayList<>();
        gate.addParticipant(new CallParticipant() {
            @Override
            public Object enter(Call call) {
                entered.add(call.caller().principal().id());
                return null;
            }

            @Override
            public void exit(Call call, Object state, Object returned, Throwable thrown) {
            }
        });
        ContextCell.obtain(gate.hostContext()).set(Context.of(principals.agent("bot")));
        assertNull(Gate.enter(site), "same agent: no arguments array, no Call, no participants");
        ContextCell.obtain(gate.hostContext()).set(Context.of(principals.agent("other")));
        assertSame(Gate.DETAILS, Gate.enter(site), "another agent calling a public method is a hand-off");
        assertEquals(List.of(), entered);
    }

    @Test
    void aRefusingParticipantUnwindsTheOnesBeforeIt() throws Exception {
        Policy p = policy("");
        Principals principals = new Principals(p);
        GateRuntime gate = new GateRuntime(p, principals, listener);
        gate.activate();
        int site = register(gate, bot());
        List<String> order = new ArrayList<>();
        gate.addParticipant(new CallParticipant() {
            @Override
            public Object enter(Call call) {
                order.add("first enter");
                return null;
            }

            @Override
            public void exit(Call call, Object state, Object returned, Throwable thrown) {
                order.add("first exit " + thrown.getMessage());
            }
        });
        gate.addParticipant(new CallParticipant() {
            @Override
            public Object enter(Call call) {
                throw new SecurityException("refused");
            }

            @Override
            public void exit(Call call, Object state, Object returned, Throwable thrown) {
                order.add("second exit");
            }
        });
        assertThrows(SecurityException.class, () -> Gate.enterWithDetails(site, Object.class, null, new Object[0]));
        assertEquals(List.of("first enter", "first exit refused"), order);
        assertTrue(ContextCell.peek() == null || ContextCell.peek().get().isHost(), "the context was never switched");
    }

    @Test
    void aReloadRebindsSitesAndNamesClassesWhoseShapeChanged() throws Exception {
        Policy p = policy("agents:\n  bot:\n    ring: 3\n");
        Principals principals = new Principals(p);
        GateRuntime gate = new GateRuntime(p, principals, listener);
        gate.activate();
        int site = register(gate, vault());
        ContextCell.obtain(gate.hostContext()).set(Context.of(principals.agent("bot")));
        assertThrows(RingViolationException.class, () -> Gate.check(site, Gate.LOOK_UP));

        Set<String> changed = gate.apply(policy("agents:\n  bot:\n    ring: 1\n"));
        assertEquals(Set.of(), changed, "same shape: only the data changed");
        Gate.check(site, Gate.LOOK_UP);

        changed = gate.apply(policy("agents:\n  vaultkeeper:\n    classes: com.acme.Vault\n"));
        assertEquals(Set.of("com.acme.Vault"), changed, "it became an agent's class: the bytes must change");
    }

    @Test
    void internalErrorsFailClosedUnlessThePolicyAllows() throws Exception {
        Policy p = policy("");
        GateRuntime gate = new GateRuntime(p, new Principals(p), listener);
        gate.activate();
        assertThrows(RingViolationException.class, () -> Gate.check(987_654, Gate.LOOK_UP), "an unknown site is an internal error");
        Policy open = policy("onInternalError: allow\n");
        GateRuntime lenient = new GateRuntime(open, new Principals(open), listener);
        lenient.activate();
        Gate.check(987_654, Gate.LOOK_UP);
        assertEquals(2, events.stream().filter(e -> e.startsWith("internal")).count());
    }
}
