package org.agenthypervisor.core.governance;

import static org.agenthypervisor.core.governance.GovernancePlannerTest.method;
import static org.agenthypervisor.core.governance.GovernancePlannerTest.plan;
import static org.agenthypervisor.core.governance.GovernancePlannerTest.policy;
import static org.agenthypervisor.core.governance.GovernancePlannerTest.ring;
import static org.agenthypervisor.core.governance.GovernancePlannerTest.type;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;
import org.agenthypervisor.core.governance.MethodPlan.Kind;
import org.agenthypervisor.core.policy.Policy;
import org.junit.jupiter.api.Test;

/**
 * What the planner makes of framework code: tools named by {@code tools:} rules, the requirement of
 * a tool call at a dispatcher, LangChain4j AI-service interfaces, langchain4j-agentic agents and
 * LangChain4j's own {@code @CompensateFor} pairing.
 */
class FrameworkPlanningTest {
    private static final int PUBLIC = Modifier.PUBLIC;
    private static final int ABSTRACT = PUBLIC | Modifier.ABSTRACT;
    private static final String STRING_LONG = "(Ljava/lang/String;J)Ljava/lang/String;";

    static AnnotationInfo lc4jTool(String name) {
        return new AnnotationInfo(GovernancePlanner.LANGCHAIN4J_TOOL, name == null ? Map.of() : Map.of("name", name));
    }

    static AnnotationInfo springTool(String name) {
        return new AnnotationInfo(GovernancePlanner.SPRING_AI_TOOL, name == null ? Map.of() : Map.of("name", name));
    }

    static AnnotationInfo compensateFor(String tool) {
        return new AnnotationInfo(GovernancePlanner.LANGCHAIN4J_COMPENSATE_FOR, Map.of("value", tool));
    }

    static ClassInfo iface(String name, MethodInfo... methods) {
        return new ClassInfo(name, null, PUBLIC | ClassInfo.ACC_INTERFACE | Modifier.ABSTRACT, List.of(), List.of(methods));
    }

    // ------------------------------------------------------------------------------ tools: rules

    @Test
    void toolNameIsTheNameElementOrTheMethodName() {
        assertEquals("debitAccount", GovernancePlanner.toolName(method("pay", "()V", PUBLIC, lc4jTool("debitAccount"))));
        assertEquals("pay", GovernancePlanner.toolName(method("pay", "()V", PUBLIC, lc4jTool(null))));
        assertEquals("pay", GovernancePlanner.toolName(method("pay", "()V", PUBLIC, lc4jTool(""))));
        assertEquals("pay", GovernancePlanner.toolName(method("pay", "()V", PUBLIC, lc4jTool("  "))));
        assertEquals("lookup", GovernancePlanner.toolName(method("find", "()V", PUBLIC, springTool("lookup"))));
        assertEquals("find", GovernancePlanner.toolName(method("find", "()V", PUBLIC, springTool(null))));
        assertNull(GovernancePlanner.toolName(method("find", "()V", PUBLIC)));
    }

    @Test
    void toolsRuleMatchesLangChain4jToolsByNameElementAndByMethodName() throws Exception {
        Policy p = policy("rules:\n  - tools: \"debit*\"\n    ring: 1\n");
        ClassPlan plan = plan(type("com.acme.Tools", List.of(),
                method("pay", "()V", PUBLIC, lc4jTool("debitAccount")),
                method("debitCard", "()V", PUBLIC, lc4jTool(null)),
                method("debitRenamed", "()V", PUBLIC, lc4jTool("credit")),
                method("debitHelper", "()V", PUBLIC)), p);
        MethodPlan byName = plan.method("pay", "()V");
        assertEquals(1, byName.requiredRing());
        assertEquals("policy rule #1 (tools: debit*)", byName.requirementSource());
        assertEquals(Kind.CHECK, byName.kind());
        assertTrue(byName.governedBy().contains("policy rule #1 (tools: debit*)"));
        assertEquals(1, plan.method("debitCard", "()V").requiredRing(), "no name element: the method's name");
        assertNull(plan.method("debitRenamed", "()V"), "the model sees 'credit', not the method's name");
        assertNull(plan.method("debitHelper", "()V"), "a tools rule names tools only");
    }

    @Test
    void toolsRuleMatchesSpringAiTools() throws Exception {
        Policy p = policy("rules:\n  - tools: \"refund*\"\n    ring: 0\n");
        ClassPlan plan = plan(type("com.acme.spring.Tools", List.of(),
                method("issue", "(J)V", PUBLIC, springTool("refundOrder")),
                method("refundAll", "()V", PUBLIC, springTool(null)),
                method("refundLog", "()V", PUBLIC)), p);
        assertEquals(0, plan.method("issue", "(J)V").requiredRing());
        assertEquals("policy rule #1 (tools: refund*)", plan.method("issue", "(J)V").requirementSource());
        assertEquals(0, plan.method("refundAll", "()V").requiredRing());
        assertNull(plan.method("refundLog", "()V"));
    }

    // ------------------------------------------------------------------------ toolRequirement

    @Test
    void toolRequirementPrefersRingOnTheMethodThenOnTheClassThenTheFirstMatchingRule() throws Exception {
        Policy p = policy("""
                rules:
                  - methods: "com.acme.Other#*"
                    ring: 0
                  - tools: "debit*"
                    partial: true
                  - tools: "debit*Account"
                    ring: 1
                  - annotatedWith: dev.langchain4j.agent.tool.Tool
                    ring: 2
                """);
        MethodInfo own = method("pay", STRING_LONG, PUBLIC, lc4jTool("debitAccount"), ring(0));
        MethodInfo plain = method("debit", STRING_LONG, PUBLIC, lc4jTool("debitAccount"));
        ClassInfo ringed = type("com.acme.Bank", List.of(ring(3)), own, plain);
        assertArrayEquals(new Object[] {0, "@Ring(0) on com.acme.Bank#pay(String, long)"},
                GovernancePlanner.toolRequirement(ringed, own, "debitAccount", p));
        assertArrayEquals(new Object[] {3, "@Ring(3) on class com.acme.Bank"},
                GovernancePlanner.toolRequirement(ringed, plain, "debitAccount", p));

        ClassInfo unringed = type("com.acme.Bank", List.of(), plain);
        assertArrayEquals(new Object[] {1, "policy rule #3 (tools: debit*Account)"},
                GovernancePlanner.toolRequirement(unringed, plain, "debitAccount", p),
                "rules without a ring are skipped; the first matching rule with one decides");
        MethodInfo other = method("search", "()V", PUBLIC, lc4jTool(null));
        assertArrayEquals(new Object[] {2, "policy rule #4 (annotatedWith: dev.langchain4j.agent.tool.Tool)"},
                GovernancePlanner.toolRequirement(type("com.acme.Bank", List.of(), other), other, "search", p));
    }

    @Test
    void toolRequirementOfAToolWithoutAMethodComesFromToolsRulesOnly() throws Exception {
        Policy p = policy("""
                rules:
                  - methods: "com.acme.Mcp#*"
                    ring: 0
                  - annotatedWith: dev.langchain4j.agent.tool.Tool
                    ring: 0
                  - tools: "deleteAll*"
                    ring: 1
                """);
        assertArrayEquals(new Object[] {1, "policy rule #3 (tools: deleteAll*)"},
                GovernancePlanner.toolRequirement(null, null, "deleteAllRefunds", p));
        assertNull(GovernancePlanner.toolRequirement(null, null, "search", p));
        assertNull(GovernancePlanner.toolRequirement(null, null, "search", policy("")));
    }

    @Test
    void toolRequirementMatchesATakenToolNameNotTheMethodName() throws Exception {
        Policy p = policy("rules:\n  - tools: \"refund\"\n    ring: 0\n");
        MethodInfo m = method("doRefund", "()V", PUBLIC, springTool("refund"));
        ClassInfo cls = type("com.acme.Tools", List.of(), m);
        assertArrayEquals(new Object[] {0, "policy rule #1 (tools: refund)"},
                GovernancePlanner.toolRequirement(cls, m, "refund", p));
        assertNull(GovernancePlanner.toolRequirement(cls, m, "somethingElse", p),
                "the dispatcher's name is what a tools rule sees");
    }

    // ----------------------------------------------------------------------------- AI services

    @Test
    void aiServiceInterfaceBoundByAGlob() throws Exception {
        Policy p = policy("agents:\n  support:\n    ring: 3\n    aiServices: [\"com.acme.lc.*Assistant\"]\n");
        ClassInfo assistant = iface("com.acme.lc.SupportAssistant",
                method("chat", "(Ljava/lang/String;)Ljava/lang/String;", ABSTRACT),
                method("greet", "()Ljava/lang/String;", PUBLIC),
                method("create", "()Lcom/acme/lc/SupportAssistant;", PUBLIC | Modifier.STATIC));
        ClassPlan plan = GovernancePlanner.planAiService(assistant, p);
        assertEquals("support", plan.owner());
        assertEquals("policy agents.support.aiServices (com.acme.lc.*Assistant)", plan.ownerSource());
        assertEquals(1, plan.methods().size(), "only abstract methods are the proxy's: " + plan.methods());
        MethodPlan chat = plan.method("chat", "(Ljava/lang/String;)Ljava/lang/String;");
        assertEquals(Kind.PROXIED, chat.kind());
        assertTrue(chat.handoff());
        assertNull(chat.requiredRing());
        assertNull(chat.saga());
        assertEquals("com.acme.lc.SupportAssistant#chat(String)", chat.display());
        assertEquals(List.of("runs as agent 'support' (AI service)"), chat.governedBy());
        assertTrue(plan.problems().isEmpty());
    }

    @Test
    void aiServiceMethodAsASagaBoundary() throws Exception {
        Policy p = policy("""
                agents:
                  payments:
                    aiServices: com.acme.lc.TransferAssistant
                sagas:
                  - aiService: "com.acme.lc.TransferAssistant#transfer*"
                  - aiService: "com.acme.lc.*#refund"
                    name: refunds
                """);
        ClassInfo assistant = iface("com.acme.lc.TransferAssistant",
                method("transferFunds", "(Ljava/lang/String;)Ljava/lang/String;", ABSTRACT),
                method("refund", "(Ljava/lang/String;)Ljava/lang/String;", ABSTRACT),
                method("chat", "(Ljava/lang/String;)Ljava/lang/String;", ABSTRACT));
        ClassPlan plan = GovernancePlanner.planAiService(assistant, p);
        MethodPlan transfer = plan.method("transferFunds", "(Ljava/lang/String;)Ljava/lang/String;");
        assertEquals(Kind.PROXIED, transfer.kind());
        assertTrue(transfer.handoff());
        assertEquals("com.acme.lc.TransferAssistant#transferFunds", transfer.saga().name());
        assertEquals("policy sagas[0] (aiService: com.acme.lc.TransferAssistant#transfer*)", transfer.saga().source());
        assertEquals(List.of("policy sagas[0] (aiService: com.acme.lc.TransferAssistant#transfer*)",
                "runs as agent 'payments' (AI service)"), transfer.governedBy());
        assertEquals("refunds", plan.method("refund", "(Ljava/lang/String;)Ljava/lang/String;").saga().name());
        assertNull(plan.method("chat", "(Ljava/lang/String;)Ljava/lang/String;").saga());
        assertEquals(3, plan.methods().size());
    }

    @Test
    void unboundAiServiceIsPlannedOnlyForItsSagaBoundaries() throws Exception {
        Policy p = policy("sagas:\n  - aiService: \"com.acme.lc.Free#run\"\n");
        ClassPlan plan = GovernancePlanner.planAiService(iface("com.acme.lc.Free",
                method("run", "()V", ABSTRACT), method("chat", "()V", ABSTRACT)), p);
        assertNull(plan.owner());
        assertEquals(1, plan.methods().size());
        MethodPlan run = plan.method("run", "()V");
        assertEquals(Kind.PROXIED, run.kind());
        assertFalse(run.handoff(), "no agent to hand off to");
        assertEquals("com.acme.lc.Free#run", run.saga().name());

        assertFalse(GovernancePlanner.planAiService(iface("com.acme.lc.Other", method("chat", "()V", ABSTRACT)), p)
                .isGoverned());
    }

    @Test
    void theFirstAgentInFileOrderBindsAnAiService() throws Exception {
        Policy p = policy("agents:\n  a:\n    aiServices: \"com.acme.lc.**\"\n  b:\n    aiServices: com.acme.lc.Ops\n");
        assertEquals("a", GovernancePlanner.planAiService(iface("com.acme.lc.Ops", method("chat", "()V", ABSTRACT)), p)
                .owner());
    }

    // --------------------------------------------------------------------------------- agentic

    static ClassInfo agentic(String name) {
        return new ClassInfo(name, null, PUBLIC, List.of(),
                List.of(method("invoke", "(Ljava/util/Map;)Ljava/lang/Object;", PUBLIC)));
    }

    @Test
    void agenticAgentBoundByName() throws Exception {
        Policy p = policy("agents:\n  credit:\n    ring: 2\n    agenticNames: [\"credit*\", scoring]\n");
        ClassPlan plan = GovernancePlanner.planAgentic(agentic("credit-check"), p);
        assertEquals("credit", plan.owner());
        assertEquals("policy agents.credit.agenticNames (credit*)", plan.ownerSource());
        MethodPlan invoke = plan.methods().get(0);
        assertEquals(Kind.AGENTIC, invoke.kind());
        assertTrue(invoke.handoff());
        assertNull(invoke.saga());
        assertEquals("agentic agent 'credit-check'", invoke.display());
        assertEquals(List.of("runs as agent 'credit' (agentic)"), invoke.governedBy());
        assertEquals("credit", GovernancePlanner.planAgentic(agentic("scoring"), p).owner());
        assertFalse(GovernancePlanner.planAgentic(agentic("scoring-v2"), p).isGoverned());
    }

    @Test
    void agenticAgentAsASagaBoundary() throws Exception {
        Policy p = policy("""
                agents:
                  payments:
                    agenticNames: "transfer*"
                sagas:
                  - agentic: "transfer*"
                  - agentic: "refund"
                    name: refunds
                """);
        MethodPlan transfer = GovernancePlanner.planAgentic(agentic("transfer-money"), p).methods().get(0);
        assertEquals("agentic:transfer-money", transfer.saga().name());
        assertEquals("policy sagas[0] (agentic: transfer*)", transfer.saga().source());
        assertTrue(transfer.handoff());

        ClassPlan refund = GovernancePlanner.planAgentic(agentic("refund"), p);
        assertNull(refund.owner());
        MethodPlan invoke = refund.methods().get(0);
        assertEquals(Kind.AGENTIC, invoke.kind());
        assertFalse(invoke.handoff());
        assertEquals("refunds", invoke.saga().name());
    }

    // ----------------------------------------------------------------------- @CompensateFor

    @Test
    void compensateForMakesALangChain4jToolACompensableStep() throws Exception {
        ClassInfo bank = type("com.acme.Bank", List.of(),
                method("debit", STRING_LONG, PUBLIC, lc4jTool(null)),
                method("undoDebit", "(Ljava/lang/String;J)V", PUBLIC, compensateFor("debit")));
        ClassPlan plan = plan(bank, policy(""));
        MethodPlan debit = plan.method("debit", STRING_LONG);
        assertEquals(Kind.GOVERNED, debit.kind());
        MethodPlan.Compensation c = debit.compensation();
        assertTrue(c.isValid(), c::toString);
        assertEquals("undoDebit", c.methodName());
        assertEquals("(Ljava/lang/String;J)V", c.descriptor());
        assertFalse(c.passesResult());
        assertFalse(c.compensateInDoubt());
        assertEquals("@CompensateFor(\"debit\") on com.acme.Bank#undoDebit(String, long)", c.source());
        assertTrue(debit.governedBy().contains(c.source()));
        assertTrue(plan.problems().isEmpty(), plan.problems()::toString);
        assertNull(plan.method("undoDebit", "(Ljava/lang/String;J)V"), "the compensation itself is not a step");
    }

    @Test
    void compensateForNamesTheToolAsTheModelSeesIt() throws Exception {
        ClassInfo bank = type("com.acme.Bank", List.of(),
                method("debit", STRING_LONG, PUBLIC, lc4jTool("debitAccount")),
                method("undo", "(Ljava/lang/String;J)V", PUBLIC, compensateFor("debitAccount")));
        assertEquals("undo", plan(bank, policy("")).method("debit", STRING_LONG).compensation().methodName());

        ClassInfo byMethodName = type("com.acme.Bank", List.of(),
                method("debit", STRING_LONG, PUBLIC, lc4jTool("debitAccount")),
                method("undo", "(Ljava/lang/String;J)V", PUBLIC, compensateFor("debit")));
        assertNull(plan(byMethodName, policy("")).method("debit", STRING_LONG), "'debit' is not the tool's name");
    }

    @Test
    void compensateForWithOtherParametersIsLangChain4jsAlone() throws Exception {
        ClassInfo toolExecution = type("com.acme.Bank", List.of(),
                method("debit", STRING_LONG, PUBLIC, lc4jTool(null)),
                method("undoDebit", "(Ldev/langchain4j/agent/tool/ToolExecution;)V", PUBLIC, compensateFor("debit")));
        assertNull(plan(toolExecution, policy("")).method("debit", STRING_LONG));

        ClassInfo staticUndo = type("com.acme.Bank", List.of(),
                method("debit", STRING_LONG, PUBLIC, lc4jTool(null)),
                method("undoDebit", "(Ljava/lang/String;J)V", PUBLIC | Modifier.STATIC, compensateFor("debit")));
        assertNull(plan(staticUndo, policy("")).method("debit", STRING_LONG));

        ClassInfo notATool = type("com.acme.Bank", List.of(),
                method("debit", STRING_LONG, PUBLIC),
                method("undoDebit", "(Ljava/lang/String;J)V", PUBLIC, compensateFor("debit")));
        assertNull(plan(notATool, policy("")).method("debit", STRING_LONG), "only LangChain4j tools pair this way");
    }

    @Test
    void compensateOnTheToolWinsOverCompensateFor() throws Exception {
        AnnotationInfo compensate = new AnnotationInfo(GovernancePlanner.COMPENSATE, Map.of("value", "reverse"));
        ClassInfo bank = type("com.acme.Bank", List.of(),
                method("debit", STRING_LONG, PUBLIC, lc4jTool(null), compensate),
                method("reverse", "(Ljava/lang/String;J)V", PUBLIC),
                method("undoDebit", "(Ljava/lang/String;J)V", PUBLIC, compensateFor("debit")));
        MethodPlan.Compensation c = plan(bank, policy("")).method("debit", STRING_LONG).compensation();
        assertEquals("reverse", c.methodName());
        assertTrue(c.source().startsWith("@Compensate(\"reverse\")"), c.source());
    }

    @Test
    void compensableToolInsideAnAiServiceSagaRunsAsItsCaller() throws Exception {
        // The tool class belongs to no agent: it is a journaled step of whichever saga calls it.
        Policy p = policy("sagas:\n  - aiService: \"com.acme.lc.TransferAssistant#*\"\n");
        ClassInfo bank = type("com.acme.Bank", List.of(),
                method("debit", STRING_LONG, PUBLIC, lc4jTool(null)),
                method("undoDebit", "(Ljava/lang/String;J)V", PUBLIC, compensateFor("debit")));
        ClassPlan plan = plan(bank, p);
        assertNull(plan.owner());
        assertNull(plan.method("debit", STRING_LONG).saga(), "an aiService saga entry never matches a class method");
        assertTrue(plan.method("debit", STRING_LONG).compensation().isValid());
    }
}
