package org.agenthypervisor.core.governance;

import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.governance.MethodPlan.Compensation;
import org.agenthypervisor.core.governance.MethodPlan.Kind;
import org.agenthypervisor.core.governance.MethodPlan.SagaBoundary;
import org.agenthypervisor.core.policy.Glob;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.Policy.AgentSpec;
import org.agenthypervisor.core.policy.Policy.CompensationSpec;
import org.agenthypervisor.core.policy.Policy.RuleSpec;
import org.agenthypervisor.core.policy.Policy.SagaSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Decides what is governed in a class (SPEC §1, §2, §4, §7), from its annotations and the policy.
 *
 * <p>Required ring: {@code @Ring} on the method; else {@code @Ring} on its class (every method and
 * constructor the class declares, except compiler-generated ones such as lambda bodies); else the
 * first matching policy rule that sets a ring; else none.
 *
 * <p>Owner: a class is bound to an agent by the policy ({@code agents.<id>.classes}, first agent in
 * file order wins and overrides {@code @Agent}), by {@code @Agent} on the class, or, for nested
 * classes (anonymous, local and named), by the agent of the enclosing class. Records, enums, interfaces and annotation types
 * are data, not agents: only an {@code @Agent} on the type itself binds them.
 *
 * <p>Code of an agent's class never runs with more privilege than its agent (issue 10): every method
 * switches the context into the agent (lambda bodies, {@code toString}, {@code equals},
 * {@code hashCode}, {@code finalize}, {@code clone}, record accessors and the static initialiser
 * too). Only public methods written in source are hand-offs; the rest switch without a vouch.
 * Constructors run as the less privileged of caller and agent ({@link Kind#CONSTRUCTOR_SWITCH}):
 * the JVM forbids catching exceptions around a constructor's super call, so a switch cannot always be
 * undone, and a switch that may outlive the constructor must never raise privilege.
 */
public final class GovernancePlanner {
    public static final String AGENT = "org.agenthypervisor.api.Agent";
    public static final String RING = "org.agenthypervisor.api.Ring";
    public static final String SAGA = "org.agenthypervisor.api.Saga";
    public static final String COMPENSATE = "org.agenthypervisor.api.Compensate";
    /** LangChain4j's tool annotation and its own compensation pairing (matched by name, never loaded). */
    public static final String LANGCHAIN4J_TOOL = "dev.langchain4j.agent.tool.Tool";
    public static final String LANGCHAIN4J_COMPENSATE_FOR = "dev.langchain4j.agent.tool.CompensateFor";
    /** Spring AI's tool annotation. */
    public static final String SPRING_AI_TOOL = "org.springframework.ai.tool.annotation.Tool";
    /** Tool annotations whose methods {@code tools:} rules can name. */
    public static final List<String> TOOL_ANNOTATIONS = List.of(LANGCHAIN4J_TOOL, SPRING_AI_TOOL);

    /**
     * Not a real annotation: the agent that defined a class at run time (no code source), added by
     * the transformer. Such a class claiming another agent with {@code @Agent} runs as its definer.
     */
    public static final String DEFINED_BY = "org.agenthypervisor.internal.DefinedBy";

    /**
     * Not a real annotation: where the class's bytes came from (element {@code value}, the absolute
     * path of its jar or directory), added by the transformer and by {@code policy check}; absent for a
     * class defined at run time. Checked against {@code agents.<id>.codeSource}.
     */
    public static final String CODE_SOURCE = "org.agenthypervisor.internal.CodeSource";

    /** What a bad {@code @Agent} id is replaced by: an agent nobody grants anything (fail closed). */
    public static final String INVALID_AGENT = "invalid-agent-id";

    private static final Set<String> INCIDENTAL = Set.of(
            "toString()Ljava/lang/String;", "hashCode()I", "equals(Ljava/lang/Object;)Z", "finalize()V",
            "clone()Ljava/lang/Object;");

    private GovernancePlanner() {
    }

    /**
     * @param enclosingOwner the agent bound to an already-seen class by name, or null; used for
     *                       anonymous and local classes
     */
    public static ClassPlan plan(ClassInfo cls, Policy policy, Function<String, String> enclosingOwner) {
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        String[] owner = owner(cls, policy, enclosingOwner, problems, warnings);
        AnnotationInfo classRing = cls.annotation(RING);
        Integer classRingValue = classRing == null ? null : ringValue(classRing, "class " + cls.name(), problems);

        List<MethodPlan> methods = new ArrayList<>();
        for (MethodInfo m : cls.methods()) {
            if (m.isAbstract() || m.isNative() || m.isBridge()) {
                continue;
            }
            if (m.isClassInitializer()) {
                if (owner[0] != null) {
                    // Whoever first touches the class runs its static initialiser: as the agent, not as them.
                    methods.add(new MethodPlan(m, Descriptors.display(cls.name(), "<clinit>", m.descriptor()),
                            Kind.GOVERNED, null, null, false, false, null, null,
                            List.of("runs as agent '" + owner[0] + "'")));
                }
                continue;
            }
            MethodPlan plan = planMethod(cls, m, owner[0], isData(cls), classRingValue, policy, problems);
            if (plan != null) {
                methods.add(plan);
            }
        }
        return new ClassPlan(cls.name(), owner[0], owner[1], methods, problems, warnings);
    }

    /**
     * Who the class runs as ({@link #unpinnedOwner}), unless the policy pins that agent to code sources
     * ({@code agents.<id>.codeSource}) the class does not come from: then it runs as
     * {@value #INVALID_AGENT}, which has no grants.
     */
    private static String[] owner(ClassInfo cls, Policy policy, Function<String, String> enclosingOwner,
                                  List<String> problems, List<String> warnings) {
        String[] owner = unpinnedOwner(cls, policy, enclosingOwner, problems, warnings);
        AgentSpec spec = owner[0] == null ? null : policy.agents().get(owner[0]);
        if (spec == null || spec.codeSource().isEmpty()) {
            return owner;
        }
        AnnotationInfo from = cls.annotation(CODE_SOURCE);
        String location = from == null ? null : (String) from.value("value");
        if (CodeSources.matches(spec.codeSource(), location)) {
            return owner;
        }
        problems.add("REFUSED identity: " + cls.name() + " would run as agent '" + owner[0] + "' ("
                + owner[1] + ") but comes from " + (location == null ? "no jar or directory (defined at run time)"
                : location) + ", which agents." + owner[0] + ".codeSource " + spec.codeSource()
                + " does not list; it runs as '" + INVALID_AGENT + "', which has no grants");
        return new String[] {INVALID_AGENT, "refused code source of " + cls.name()};
    }

    private static String[] unpinnedOwner(ClassInfo cls, Policy policy, Function<String, String> enclosingOwner,
                                          List<String> problems, List<String> warnings) {
        String owner = null;
        String source = null;
        for (AgentSpec agent : policy.agents().values()) {
            for (Glob glob : agent.classes()) {
                if (glob.matches(cls.name())) {
                    owner = agent.id();
                    source = "policy agents." + agent.id() + ".classes (" + glob + ")";
                    break;
                }
            }
            if (owner != null) {
                break;
            }
        }
        AnnotationInfo annotation = cls.annotation(AGENT);
        if (annotation != null) {
            Object value = annotation.value("value");
            String id = value instanceof String ? (String) value : "";
            if (KeyDirectory.isReservedId(id)) {
                // Never let annotated code sign with the hypervisor's own key.
                problems.add("REFUSED identity: @Agent(\"" + id + "\") on " + cls.name() + ": '" + KeyDirectory.HYPERVISOR
                        + "' is reserved (in any case) for the hypervisor's own signing key; the class runs as '"
                        + INVALID_AGENT + "', which has no grants");
                id = INVALID_AGENT;
            } else if (!org.agenthypervisor.core.crypto.KeyDirectory.isValidId(id) || id.equals("host")) {
                problems.add("@Agent(\"" + id + "\") on " + cls.name() + " is not a valid agent id (lowercase letters,"
                        + " digits and . _ -, 1 to 64 characters, not \"host\"); the class runs as '" + INVALID_AGENT
                        + "', which has no grants");
                id = INVALID_AGENT;
            }
            AgentSpec named = policy.agents().get(id);
            AnnotationInfo definedBy = cls.annotation(DEFINED_BY);
            String definer = definedBy == null ? null : (String) definedBy.value("value");
            if (owner == null && definer != null && !definer.equals(id)) {
                // Code an agent generates never runs as a more privileged agent than its author.
                problems.add("REFUSED identity: " + cls.name() + " says @Agent(\"" + id + "\") but was defined at run"
                        + " time by agent '" + definer + "'; it runs as '" + definer + "'");
                owner = definer;
                source = "defined at run time by agent '" + definer + "'";
            } else if (owner == null && named != null && !named.classes().isEmpty()) {
                // The policy pins this agent to its classes: an @Agent claiming it elsewhere (a class a
                // ring-3 agent generated at run time, say) must never run as it (identity bound to the policy).
                problems.add("REFUSED identity: " + cls.name() + " says @Agent(\"" + id + "\") but the policy binds"
                        + " agent '" + id + "' to " + named.classes() + " only (agents." + id + ".classes); the class"
                        + " runs as '" + INVALID_AGENT + "', which has no grants");
                owner = INVALID_AGENT;
                source = "refused @Agent on " + cls.name();
            } else if (owner == null) {
                owner = id;
                source = "@Agent on " + cls.name();
            } else if (!owner.equals(id)) {
                warnings.add(cls.name() + " says @Agent(\"" + id + "\") but the " + source + " binds it to '" + owner
                        + "'; the policy wins");
            }
            return new String[] {owner, source};
        }
        if (cls.isAnnotationType()) {
            return new String[] {null, null};
        }

        // Anonymous, local and named nested classes of an agent's class are its code too: a task
        // class an agent writes keeps the agent's identity wherever it runs (SPEC §1).
        if (owner == null && cls.enclosingName() != null && enclosingOwner != null) {
            String enclosing = cls.enclosingName();
            String outer = enclosing == null ? null : enclosingOwner.apply(enclosing);
            if (outer != null) {
                owner = outer;
                source = "enclosing class " + enclosing;
            }
        }
        return new String[] {owner, source};
    }

    /**
     * Records, enums and interfaces are data passed between agents: their code runs as the agent that
     * wrote them (so a ring-0 caller never runs it with ring 0), but calling them is not a hand-off.
     */
    private static boolean isData(ClassInfo cls) {
        return cls.isRecord() || cls.isEnum() || cls.isInterface();
    }

    private static MethodPlan planMethod(ClassInfo cls, MethodInfo m, String owner, boolean data, Integer classRing,
                                         Policy policy, List<String> problems) {
        String display = Descriptors.display(cls.name(), m.name(), m.descriptor());
        List<String> governedBy = new ArrayList<>();
        boolean generated = m.isSynthetic();

        Integer ring = null;
        String ringSource = null;
        AnnotationInfo methodRing = m.annotation(RING);
        if (methodRing != null) {
            ring = ringValue(methodRing, display, problems);
            ringSource = "@Ring(" + ring + ") on " + display;
        } else if (classRing != null && !generated) {
            ring = classRing;
            ringSource = "@Ring(" + ring + ") on class " + cls.name();
        }
        if (ringSource != null) {
            governedBy.add(ringSource);
        }

        boolean ruleHandoff = false;
        boolean partial = false;
        boolean approval = false;
        if (!generated) {
            for (RuleSpec rule : policy.rules()) {
                if (!ruleMatches(rule, cls, m)) {
                    continue;
                }
                governedBy.add(rule.describe());
                if (ring == null && rule.ring() != null) {
                    ring = rule.ring();
                    ringSource = rule.describe();
                }
                ruleHandoff |= rule.handoff();
                partial |= rule.partial();
                approval |= rule.approval() && !m.isConstructor();
            }
        }

        if (m.isConstructor()) {
            if (owner != null) {
                governedBy.add("runs as agent '" + owner + "' unless its caller is less privileged");
                return new MethodPlan(m, display, Kind.CONSTRUCTOR_SWITCH, ring, ringSource, false, partial, null, null,
                        governedBy);
            }
            if (ring == null) {
                return null;
            }
            return new MethodPlan(m, display, Kind.CONSTRUCTOR_CHECK, ring, ringSource, false, partial, null, null,
                    governedBy);
        }

        SagaBoundary saga = saga(cls, m, policy, display, governedBy);
        Compensation compensation = compensation(cls, m, policy, display, governedBy, problems);

        boolean switches = owner != null;
        if (switches) {
            governedBy.add("runs as agent '" + owner + "'");
        }
        if (approval) {
            governedBy.add("each call waits for approval");
        }
        boolean incidental = INCIDENTAL.contains(m.name() + m.descriptor()) || data;
        boolean handoff = switches && ((m.isPublic() && !generated && !incidental) || ruleHandoff);
        Kind kind;
        // An approval needs the arguments (their digest and preview): the shape that passes them.
        if (switches || saga != null || compensation != null || approval) {
            kind = Kind.GOVERNED;
        } else if (ring != null) {
            kind = Kind.CHECK;
        } else {
            return null;
        }
        return new MethodPlan(m, display, kind, ring, ringSource, handoff, partial, saga, compensation, governedBy,
                approval);
    }

    /**
     * Plans a langchain4j-agentic agent, named by {@code agent.name()}: one {@link Kind#AGENTIC}
     * method that runs as the agent whose {@code agenticNames} glob matches the name (a hand-off
     * point), and that may be a saga boundary ({@code sagas: - agentic:}).
     */
    public static ClassPlan planAgentic(ClassInfo agent, Policy policy) {
        String name = agent.name();
        String owner = null;
        String source = null;
        for (AgentSpec spec : policy.agents().values()) {
            for (Glob glob : spec.agenticNames()) {
                if (glob.matches(name)) {
                    owner = spec.id();
                    source = "policy agents." + spec.id() + ".agenticNames (" + glob + ")";
                    break;
                }
            }
            if (owner != null) {
                break;
            }
        }
        List<String> governedBy = new ArrayList<>();
        SagaBoundary saga = null;
        for (SagaSpec spec : policy.sagas()) {
            if (spec.agentic() != null && spec.agentic().matches(name)) {
                String sagaSource = "policy sagas[" + spec.index() + "] (" + spec.selector() + ")";
                governedBy.add(sagaSource);
                saga = new SagaBoundary(spec.name() != null ? spec.name() : "agentic:" + name, sagaSource);
                break;
            }
        }
        if (owner == null && saga == null) {
            return new ClassPlan(name, null, null, List.of(), List.of(), List.of());
        }
        if (owner != null) {
            governedBy.add("runs as agent '" + owner + "' (agentic)");
        }
        MethodInfo m = agent.methods().get(0);
        return new ClassPlan(name, owner, source, List.of(new MethodPlan(m, "agentic agent '" + name + "'", Kind.AGENTIC,
                null, null, owner != null, false, saga, null, governedBy)), List.of(), List.of());
    }

    private static boolean ruleMatches(RuleSpec rule, ClassInfo cls, MethodInfo m) {
        if (rule.methods() != null) {
            return rule.methods().matches(cls.name(), m.name());
        }
        if (rule.tools() != null) {
            String tool = toolName(m);
            return tool != null && rule.tools().matches(tool);
        }
        return !m.isConstructor() && (m.annotation(rule.annotatedWith()) != null || cls.annotation(rule.annotatedWith()) != null);
    }

    /**
     * The name the model sees for a method that carries a known tool annotation (its {@code name}
     * element, or the method's name when that is empty), or null when it is not a tool.
     */
    public static String toolName(MethodInfo m) {
        for (String type : TOOL_ANNOTATIONS) {
            AnnotationInfo tool = m.annotation(type);
            if (tool != null) {
                Object name = tool.value("name");
                return name instanceof String && !((String) name).isBlank() ? (String) name : m.name();
            }
        }
        return null;
    }

    /**
     * The requirement a tool call must meet, checked at a framework's dispatcher: {@code @Ring} on the
     * method or its class, else the first policy rule that matches the method or the tool's name.
     *
     * @param cls  the tool method's class, or null for a tool without a Java method (MCP, programmatic)
     * @param m    the tool method, or null
     * @param tool the name the model sees
     * @return {ring, source}, or null when nothing requires a ring
     */
    public static Object[] toolRequirement(ClassInfo cls, MethodInfo m, String tool, Policy policy) {
        if (cls != null && m != null) {
            String display = Descriptors.display(cls.name(), m.name(), m.descriptor());
            AnnotationInfo methodRing = m.annotation(RING);
            List<String> ignored = new ArrayList<>();
            if (methodRing != null) {
                int ring = ringValue(methodRing, display, ignored);
                return new Object[] {ring, "@Ring(" + ring + ") on " + display};
            }
            AnnotationInfo classRing = cls.annotation(RING);
            if (classRing != null) {
                int ring = ringValue(classRing, "class " + cls.name(), ignored);
                return new Object[] {ring, "@Ring(" + ring + ") on class " + cls.name()};
            }
        }
        for (RuleSpec rule : policy.rules()) {
            if (rule.ring() == null) {
                continue;
            }
            boolean matches = rule.tools() != null ? rule.tools().matches(tool)
                    : cls != null && m != null && ruleMatches(rule, cls, m);
            if (matches) {
                return new Object[] {rule.ring(), rule.describe()};
            }
        }
        return null;
    }

    /**
     * The first rule with {@code approval: required} that matches a framework tool (by its name for a
     * {@code tools} rule, by its Java method for the others), described; null when none does.
     */
    public static String toolApproval(ClassInfo cls, MethodInfo m, String tool, Policy policy) {
        for (RuleSpec rule : policy.rules()) {
            if (!rule.approval()) {
                continue;
            }
            boolean matches = rule.tools() != null ? rule.tools().matches(tool)
                    : cls != null && m != null && ruleMatches(rule, cls, m);
            if (matches) {
                return rule.describe();
            }
        }
        return null;
    }

    /**
     * Plans a LangChain4j AI-service interface: the proxy's handler enters each of its abstract
     * methods as a {@link Kind#PROXIED} site that runs as the agent whose {@code aiServices} glob
     * matches the interface (a hand-off point), and that may be a saga boundary.
     */
    public static ClassPlan planAiService(ClassInfo iface, Policy policy) {
        String owner = null;
        String source = null;
        for (AgentSpec agent : policy.agents().values()) {
            for (Glob glob : agent.aiServices()) {
                if (glob.matches(iface.name())) {
                    owner = agent.id();
                    source = "policy agents." + agent.id() + ".aiServices (" + glob + ")";
                    break;
                }
            }
            if (owner != null) {
                break;
            }
        }
        List<MethodPlan> methods = new ArrayList<>();
        for (MethodInfo m : iface.methods()) {
            if (!m.isAbstract() || m.isStatic()) {
                continue;
            }
            String display = Descriptors.display(iface.name(), m.name(), m.descriptor());
            List<String> governedBy = new ArrayList<>();
            SagaBoundary saga = null;
            for (SagaSpec spec : policy.sagas()) {
                if (spec.aiService() != null && spec.aiService().matches(iface.name(), m.name())) {
                    String sagaSource = "policy sagas[" + spec.index() + "] (" + spec.selector() + ")";
                    governedBy.add(sagaSource);
                    saga = new SagaBoundary(spec.name() != null ? spec.name() : iface.name() + "#" + m.name(), sagaSource);
                    break;
                }
            }
            if (owner == null && saga == null) {
                continue;
            }
            if (owner != null) {
                governedBy.add("runs as agent '" + owner + "' (AI service)");
            }
            methods.add(new MethodPlan(m, display, Kind.PROXIED, null, null, owner != null, false, saga, null,
                    governedBy));
        }
        return new ClassPlan(iface.name(), owner, source, methods, List.of(), List.of());
    }

    /**
     * The method of the same class that LangChain4j's {@code @CompensateFor} names as the
     * compensation of tool {@code m}, when it takes the same parameters (its other form, one
     * {@code ToolExecution} parameter, is LangChain4j's alone: it cannot be journaled as data).
     */
    private static MethodInfo compensateFor(ClassInfo cls, MethodInfo m) {
        if (m.annotation(LANGCHAIN4J_TOOL) == null) {
            return null;
        }
        String tool = toolName(m);
        String params = m.descriptor().substring(0, m.descriptor().indexOf(')'));
        for (MethodInfo candidate : cls.methods()) {
            AnnotationInfo pairing = candidate.annotation(LANGCHAIN4J_COMPENSATE_FOR);
            if (pairing != null && tool.equals(pairing.value("value")) && !candidate.isStatic()
                    && candidate.descriptor().startsWith(params + ")")) {
                return candidate;
            }
        }
        return null;
    }

    private static Integer ringValue(AnnotationInfo ring, String where, List<String> problems) {
        Object value = ring.value("value");
        if (value instanceof Integer && (Integer) value >= 0 && (Integer) value <= 3) {
            return (Integer) value;
        }
        problems.add("@Ring(" + value + ") on " + where + " is not a ring (0 to 3); treating it as ring 0 (fail closed)");
        return 0;
    }

    private static SagaBoundary saga(ClassInfo cls, MethodInfo m, Policy policy, String display, List<String> governedBy) {
        AnnotationInfo annotation = m.annotation(SAGA);
        if (annotation != null) {
            Object value = annotation.value("value");
            String name = value instanceof String && !((String) value).isEmpty() ? (String) value : cls.name() + "#" + m.name();
            governedBy.add("@Saga on " + display);
            return new SagaBoundary(name, "@Saga on " + display);
        }
        if (m.isSynthetic()) {
            return null;
        }
        for (SagaSpec spec : policy.sagas()) {
            if (spec.methods() != null && spec.methods().matches(cls.name(), m.name())) {
                String source = "policy sagas[" + spec.index() + "] (" + spec.methods() + ")";
                governedBy.add(source);
                return new SagaBoundary(spec.name() != null ? spec.name() : cls.name() + "#" + m.name(), source);
            }
        }
        return null;
    }

    private static Compensation compensation(ClassInfo cls, MethodInfo m, Policy policy, String display,
                                             List<String> governedBy, List<String> problems) {
        String undo = null;
        boolean inDoubt = false;
        String source = null;
        AnnotationInfo annotation = m.annotation(COMPENSATE);
        if (annotation != null) {
            Object value = annotation.value("value");
            undo = value instanceof String ? (String) value : "";
            inDoubt = Boolean.TRUE.equals(annotation.value("compensateInDoubt"));
            source = "@Compensate(\"" + undo + "\") on " + display;
        } else if (compensateFor(cls, m) != null) {
            MethodInfo undoMethod = compensateFor(cls, m);
            undo = undoMethod.name();
            source = "@CompensateFor(\"" + toolName(m) + "\") on "
                    + Descriptors.display(cls.name(), undoMethod.name(), undoMethod.descriptor());
        } else if (!m.isSynthetic()) {
            for (CompensationSpec spec : policy.compensations()) {
                if (spec.method().matches(cls.name(), m.name())) {
                    undo = spec.compensate();
                    inDoubt = spec.compensateInDoubt();
                    source = "policy compensations[" + spec.index() + "] (" + spec.method() + " -> " + undo + ")";
                    break;
                }
            }
        }
        if (undo == null) {
            return null;
        }
        governedBy.add(source);
        String params = m.descriptor().substring(0, m.descriptor().indexOf(')'));
        String stepReturn = m.descriptor().substring(m.descriptor().indexOf(')') + 1);
        MethodInfo exact = null;
        MethodInfo withResult = null;
        for (MethodInfo candidate : cls.methods()) {
            if (!candidate.name().equals(undo) || candidate.isStatic() != m.isStatic() || candidate.isAbstract()) {
                continue;
            }
            String candidateParams = candidate.descriptor().substring(0, candidate.descriptor().indexOf(')'));
            if (candidateParams.equals(params)) {
                exact = candidate;
            } else if (!stepReturn.equals("V") && candidateParams.equals(params + stepReturn)) {
                withResult = candidate;
            }
        }
        MethodInfo chosen = exact != null ? exact : withResult;
        if (chosen == null) {
            String signature = String.join(", ", m.parameterTypes().stream().map(Descriptors::shorten).toList());
            String withResultSignature = stepReturn.equals("V") ? null
                    : (signature.isEmpty() ? "" : signature + ", ") + Descriptors.shorten(Descriptors.typeName(stepReturn));
            String problem = source + ": no compensation method " + (m.isStatic() ? "static " : "") + undo + "("
                    + signature + ")" + (withResultSignature != null ? " or " + undo + "(" + withResultSignature + ")" : "")
                    + " in " + cls.name() + "; calls of " + display + " inside a saga are refused until it exists";
            problems.add(problem);
            return new Compensation(undo, null, false, inDoubt, source, problem);
        }
        return new Compensation(undo, chosen.descriptor(), chosen == withResult, inDoubt, source, null);
    }
}
