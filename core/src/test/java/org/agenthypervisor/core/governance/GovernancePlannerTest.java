package org.agenthypervisor.core.governance;

import org.agenthypervisor.core.governance.MethodPlan.Kind;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.PolicyException;
import org.agenthypervisor.core.policy.PolicyParser;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GovernancePlannerTest {
    private static final int PUBLIC = Modifier.PUBLIC;

    static AnnotationInfo ring(int value) {
        return new AnnotationInfo(GovernancePlanner.RING, Map.of("value", value));
    }

    static AnnotationInfo agent(String id) {
        return new AnnotationInfo(GovernancePlanner.AGENT, Map.of("value", id));
    }

    static MethodInfo method(String name, String descriptor, int access, AnnotationInfo... annotations) {
        return new MethodInfo(name, descriptor, access, List.of(annotations));
    }

    static ClassInfo type(String name, List<AnnotationInfo> annotations, MethodInfo... methods) {
        return new ClassInfo(name, "java.lang.Object", PUBLIC, annotations, List.of(methods));
    }

    static Policy policy(String yaml) throws PolicyException {
        return PolicyParser.parse("version: 1\n" + yaml, "test.yaml");
    }

    static ClassPlan plan(ClassInfo type, Policy policy) {
        return GovernancePlanner.plan(type, policy, name -> null);
    }

    @Test
    void methodRingWinsOverClassRingWhichWinsOverRules() throws Exception {
        Policy p = policy("rules:\n  - methods: \"com.acme.Db#*\"\n    ring: 1\n");
        ClassInfo db = type("com.acme.Db", List.of(ring(2)),
                method("own", "()V", PUBLIC, ring(0)),
                method("inherited", "()V", PUBLIC),
                method("<init>", "()V", PUBLIC));
        ClassPlan plan = plan(db, p);
        assertEquals(0, plan.method("own", "()V").requiredRing());
        assertEquals("@Ring(0) on com.acme.Db#own()", plan.method("own", "()V").requirementSource());
        assertEquals(2, plan.method("inherited", "()V").requiredRing());
        assertEquals("@Ring(2) on class com.acme.Db", plan.method("inherited", "()V").requirementSource());
        assertEquals(Kind.CONSTRUCTOR_CHECK, plan.method("<init>", "()V").kind());
        assertTrue(plan.method("inherited", "()V").governedBy().contains("policy rule #1 (methods: com.acme.Db#*)"));
    }

    @Test
    void theFirstMatchingRuleWithARingDecides() throws Exception {
        Policy p = policy("rules:\n  - methods: \"com.acme.Db#exec*\"\n    partial: true\n"
                + "  - methods: \"com.acme.Db#execute\"\n    ring: 0\n  - methods: \"com.acme.Db#*\"\n    ring: 2\n");
        MethodPlan execute = plan(type("com.acme.Db", List.of(), method("execute", "()V", PUBLIC)), p).method("execute", "()V");
        assertEquals(0, execute.requiredRing());
        assertTrue(execute.partial());
        assertEquals(Kind.CHECK, execute.kind());
    }

    @Test
    void annotatedWithRulesMatchMethodsAndClassesCarryingTheAnnotation() throws Exception {
        Policy p = policy("rules:\n  - annotatedWith: dev.langchain4j.agent.tool.Tool\n    ring: 2\n");
        AnnotationInfo tool = new AnnotationInfo("dev.langchain4j.agent.tool.Tool", Map.of());
        ClassPlan plan = plan(type("com.acme.Tools", List.of(), method("search", "()V", PUBLIC, tool),
                method("helper", "()V", PUBLIC)), p);
        assertEquals(2, plan.method("search", "()V").requiredRing());
        assertNull(plan.method("helper", "()V"));
    }

    @Test
    void ungovernedClassesHaveNoPlan() throws Exception {
        assertFalse(plan(type("com.acme.Plain", List.of(), method("run", "()V", PUBLIC)), policy("")).isGoverned());
    }

    @Test
    void agentClassesSwitchOnEveryMethodAndConstructorAndHandOffOnPublicOnes() throws Exception {
        ClassInfo bot = type("com.acme.Bot", List.of(agent("bot")),
                method("answer", "(Ljava/lang/String;)Ljava/lang/String;", PUBLIC),
                method("think", "()V", Modifier.PRIVATE),
                method("lambda$answer$0", "()V", Modifier.PRIVATE | Modifier.STATIC | MethodInfo.ACC_SYNTHETIC),
                method("toString", "()Ljava/lang/String;", PUBLIC),
                method("<clinit>", "()V", Modifier.STATIC),
                method("<init>", "()V", PUBLIC));
        ClassPlan plan = plan(bot, policy(""));
        assertEquals("bot", plan.owner());
        assertEquals(Kind.GOVERNED, plan.method("answer", "(Ljava/lang/String;)Ljava/lang/String;").kind());
        assertTrue(plan.method("answer", "(Ljava/lang/String;)Ljava/lang/String;").handoff());
        assertFalse(plan.method("think", "()V").handoff());
        assertFalse(plan.method("lambda$answer$0", "()V").handoff());
        assertEquals(Kind.GOVERNED, plan.method("lambda$answer$0", "()V").kind(), "lambda bodies run as the agent");
        MethodPlan toString = plan.method("toString", "()Ljava/lang/String;");
        assertEquals(Kind.GOVERNED, toString.kind(), "code the host calls incidentally still runs as the agent");
        assertFalse(toString.handoff(), "but calling it is not a hand-off");
        assertEquals(Kind.GOVERNED, plan.method("<clinit>", "()V").kind(), "the static initialiser runs as the agent");
        assertFalse(plan.method("<clinit>", "()V").handoff());
        assertEquals(Kind.CONSTRUCTOR_SWITCH, plan.method("<init>", "()V").kind());
        assertNull(plan(type("com.acme.Plain", List.of(), method("<init>", "()V", PUBLIC),
                method("<clinit>", "()V", Modifier.STATIC)), policy("")).method("<init>", "()V"),
                "a constructor of no agent and with no requirement is not instrumented");
    }

    @Test
    void thePolicyBindsClassesAndWinsOverTheAnnotation() throws Exception {
        Policy p = policy("agents:\n  billing:\n    classes: com.acme.billing.**\n");
        ClassPlan plan = plan(type("com.acme.billing.Invoices", List.of(agent("other")), method("send", "()V", PUBLIC)), p);
        assertEquals("billing", plan.owner());
        assertEquals(1, plan.warnings().size());
        assertTrue(plan.warnings().get(0).contains("the policy wins"), plan.warnings().toString());
    }

    @Test
    void nestedDataTypesAndAnonymousClassesOfAgentsRunAsTheAgentButCallingDataIsNoHandOff() throws Exception {
        Policy p = policy("agents:\n  billing:\n    classes: com.acme.Billing\n");
        ClassInfo record = new ClassInfo("com.acme.Billing$Refund", "java.lang.Record", PUBLIC, List.of(),
                List.of(method("amount", "()J", PUBLIC)));
        ClassPlan recordPlan = plan(record, p);
        assertEquals("billing", recordPlan.owner(), "a record's accessors are the agent's code");
        assertEquals(Kind.GOVERNED, recordPlan.method("amount", "()J").kind());
        assertFalse(recordPlan.method("amount", "()J").handoff(), "reading a record is not a hand-off");
        ClassInfo anonymous = type("com.acme.Billing$1", List.of(), method("run", "()V", PUBLIC));
        assertEquals("billing", plan(anonymous, p).owner(), "the glob matches nested classes");
        ClassInfo namedTask = type("com.acme.Other$Cleanup", List.of(), method("run", "()V", PUBLIC));
        assertEquals("other", GovernancePlanner.plan(namedTask, p, name -> name.equals("com.acme.Other") ? "other" : null)
                .owner(), "a named nested class of an agent is its code too");
        ClassInfo nestedRecord = new ClassInfo("com.acme.Other$Row", "java.lang.Record", PUBLIC, List.of(), List.of());
        assertEquals("other", GovernancePlanner.plan(nestedRecord, p, name -> name.equals("com.acme.Other") ? "other" : null)
                .owner());
        ClassInfo annotationType = new ClassInfo("com.acme.Other$Marker", null,
                PUBLIC | ClassInfo.ACC_INTERFACE | ClassInfo.ACC_ANNOTATION, List.of(), List.of());
        assertNull(GovernancePlanner.plan(annotationType, p, name -> name.equals("com.acme.Other") ? "other" : null)
                .owner(), "annotation types have no code to run");
        ClassInfo annotatedAnonymous = type("com.acme.Other$1", List.of(), method("run", "()V", PUBLIC));
        assertEquals("other", GovernancePlanner.plan(annotatedAnonymous, p, name -> name.equals("com.acme.Other") ? "other" : null)
                .owner());
    }

    @Test
    void anAtAgentNamedLikeTheHypervisorsKeyIsRefused() throws Exception {
        Policy p = policy("agents:\n  billing: {}\n");
        ClassPlan plan = plan(type("com.acme.Sneaky", List.of(agent("hypervisor")), method("go", "()V", PUBLIC)), p);
        assertEquals(GovernancePlanner.INVALID_AGENT, plan.owner(), "never runs (and signs) as 'hypervisor'");
        assertTrue(plan.problems().get(0).startsWith("REFUSED identity: @Agent(\"hypervisor\") on com.acme.Sneaky:"
                + " 'hypervisor' is reserved"), plan.problems().toString());
        ClassPlan upper = plan(type("com.acme.Sneaky2", List.of(agent("HyperVisor")), method("go", "()V", PUBLIC)), p);
        assertEquals(GovernancePlanner.INVALID_AGENT, upper.owner());
        assertTrue(upper.problems().get(0).contains("reserved (in any case)"), upper.problems().toString());
    }

    @Test
    void anAgentPinnedToItsClassesByThePolicyCannotBeClaimedByAnotherClass() throws Exception {
        Policy p = policy("agents:\n  vault:\n    ring: 0\n    classes: com.trusted.vault.**\n");
        ClassPlan forged = plan(type("com.acme.gen.Fake", List.of(agent("vault")), method("go", "()V", PUBLIC)), p);
        assertEquals(GovernancePlanner.INVALID_AGENT, forged.owner());
        assertTrue(forged.problems().get(0).startsWith("REFUSED identity: com.acme.gen.Fake says @Agent(\"vault\")"),
                forged.problems().toString());
        assertEquals("vault", plan(type("com.trusted.vault.Vault", List.of(agent("vault")), method("go", "()V", PUBLIC)), p)
                .owner());
        assertEquals("free", plan(type("com.acme.gen.Free", List.of(agent("free")), method("go", "()V", PUBLIC)), p)
                .owner(), "an agent the policy does not pin may still be named by @Agent");
        AnnotationInfo definedByIntruder = new AnnotationInfo(GovernancePlanner.DEFINED_BY, Map.of("value", "intruder"));
        assertEquals("intruder", plan(type("com.acme.gen.Gen", List.of(agent("free"), definedByIntruder),
                method("go", "()V", PUBLIC)), p).owner(), "generated code runs as the agent that generated it");
        assertEquals("intruder", plan(type("com.acme.gen.Gen2", List.of(agent("intruder"), definedByIntruder),
                method("go", "()V", PUBLIC)), p).owner());
        assertTrue(plan(type("com.acme.gen.Gen2", List.of(agent("intruder"), definedByIntruder),
                method("go", "()V", PUBLIC)), p).problems().isEmpty(), "claiming its own identity is fine");
    }

    @Test
    void aBadAgentIdOrRingFailsClosedWithAProblem() throws Exception {
        ClassPlan plan = plan(type("com.acme.X", List.of(agent("Not Valid")), method("m", "()V", PUBLIC, ring(7))), policy(""));
        assertEquals(GovernancePlanner.INVALID_AGENT, plan.owner());
        assertEquals(0, plan.method("m", "()V").requiredRing(), "an impossible ring is read as ring 0");
        assertEquals(2, plan.problems().size(), plan.problems().toString());
    }

    @Test
    void compensationsArePairedByParametersOrParametersPlusResult() throws Exception {
        AnnotationInfo compensate = new AnnotationInfo(GovernancePlanner.COMPENSATE, Map.of("value", "undo"));
        ClassInfo exact = type("com.acme.Steps", List.of(),
                method("charge", "(Ljava/lang/String;J)Ljava/lang/String;", PUBLIC, compensate),
                method("undo", "(Ljava/lang/String;J)V", PUBLIC));
        MethodPlan.Compensation c = plan(exact, policy("")).method("charge", "(Ljava/lang/String;J)Ljava/lang/String;").compensation();
        assertTrue(c.isValid());
        assertFalse(c.passesResult());

        ClassInfo withResult = type("com.acme.Steps", List.of(),
                method("charge", "(Ljava/lang/String;J)Ljava/lang/String;", PUBLIC, compensate),
                method("undo", "(Ljava/lang/String;JLjava/lang/String;)V", PUBLIC));
        assertTrue(plan(withResult, policy("")).method("charge", "(Ljava/lang/String;J)Ljava/lang/String;").compensation().passesResult());

        ClassInfo missing = type("com.acme.Steps", List.of(),
                method("charge", "(Ljava/lang/String;J)Ljava/lang/String;", PUBLIC, compensate),
                method("undo", "(Ljava/lang/String;)V", PUBLIC));
        ClassPlan broken = plan(missing, policy(""));
        assertFalse(broken.method("charge", "(Ljava/lang/String;J)Ljava/lang/String;").compensation().isValid());
        assertTrue(broken.problems().get(0).contains("no compensation method undo(String, long) or undo(String, long, String)"),
                broken.problems().toString());

        ClassInfo staticMismatch = type("com.acme.Steps", List.of(),
                method("charge", "()V", PUBLIC, compensate), method("undo", "()V", PUBLIC | Modifier.STATIC));
        assertFalse(plan(staticMismatch, policy("")).method("charge", "()V").compensation().isValid());
    }

    @Test
    void policyCompensationsAndSagasGovernUnannotatedCode() throws Exception {
        Policy p = policy("compensations:\n  - method: \"com.acme.Pay#charge\"\n    compensate: refund\n"
                + "sagas:\n  - methods: \"com.acme.Flow#run\"\n    name: checkout\n");
        ClassPlan pay = plan(type("com.acme.Pay", List.of(), method("charge", "(I)V", PUBLIC), method("refund", "(I)V", PUBLIC)), p);
        assertEquals("refund", pay.method("charge", "(I)V").compensation().methodName());
        ClassPlan flow = plan(type("com.acme.Flow", List.of(), method("run", "()V", PUBLIC)), p);
        assertEquals("checkout", flow.method("run", "()V").saga().name());
        assertEquals(Kind.GOVERNED, flow.method("run", "()V").kind());
    }

    @Test
    void syntheticMethodsIgnoreClassLevelRingsAndRules() throws Exception {
        Policy p = policy("rules:\n  - methods: \"com.acme.Db#*\"\n    ring: 0\n");
        ClassInfo db = type("com.acme.Db", List.of(ring(1)),
                method("lambda$x$0", "()V", Modifier.PRIVATE | Modifier.STATIC | MethodInfo.ACC_SYNTHETIC),
                method("bridge", "()Ljava/lang/Object;", PUBLIC | MethodInfo.ACC_BRIDGE | MethodInfo.ACC_SYNTHETIC));
        ClassPlan plan = plan(db, p);
        List<String> names = new ArrayList<>();
        plan.methods().forEach(m -> names.add(m.name()));
        assertEquals(List.of(), names);
    }
}
