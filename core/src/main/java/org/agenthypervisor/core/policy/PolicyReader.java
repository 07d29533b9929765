package org.agenthypervisor.core.policy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.policy.Policy.AgentSpec;
import org.agenthypervisor.core.policy.Policy.AuditSettings;
import org.agenthypervisor.core.policy.Policy.CompensationSpec;
import org.agenthypervisor.core.policy.Policy.Durability;
import org.agenthypervisor.core.policy.Policy.HostSpec;
import org.agenthypervisor.core.policy.Policy.KeyProtection;
import org.agenthypervisor.core.policy.Policy.LiabilitySpec;
import org.agenthypervisor.core.policy.Policy.Location;
import org.agenthypervisor.core.policy.Policy.Mode;
import org.agenthypervisor.core.policy.Policy.NamedSession;
import org.agenthypervisor.core.policy.Policy.OnInternalError;
import org.agenthypervisor.core.policy.Policy.Recovery;
import org.agenthypervisor.core.policy.Policy.RuleSpec;
import org.agenthypervisor.core.policy.Policy.SagaSettings;
import org.agenthypervisor.core.policy.Policy.SagaSpec;
import org.agenthypervisor.core.policy.Policy.SessionSettings;
import org.agenthypervisor.core.policy.Policy.Signing;
import org.agenthypervisor.core.policy.Policy.TrustSpec;
import org.agenthypervisor.core.policy.PolicyException.Problem;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Walks one composed YAML document and builds a {@link Policy}, collecting every problem instead of
 * stopping at the first: a user fixing a policy should not have to run the check once per typo.
 *
 * <p>Each reader method reports what is wrong with its value and falls back to the default, so that
 * the walk can go on and find the next problem; {@link #read} returns null whenever anything was
 * reported. Cross-field checks (monotonic trust floors, maxBackoff ≥ backoff, "rule does nothing")
 * run only on values that were themselves valid, so one typo never causes a second, misleading error.
 *
 * <p>The walk only ever descends along the known structure, so aliases that make the YAML graph
 * recursive ({@code a: &x [*x]}) cannot make it loop: at some depth a scalar is expected and the
 * recursive list is reported as the wrong type.
 */
final class PolicyReader {

    /**
     * The syntax checks' patterns, compiled on first use: a policy without agents, rules or rates
     * (a one-line {@code version: 1}) compiles none of them at start-up.
     */
    private static final class Syntax {
        static final Pattern AGENT_ID = Pattern.compile("[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?");
        static final Pattern BINARY_NAME = Pattern.compile("[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*");
        static final Pattern QUOTED_NUMBER = Pattern.compile("\\s*[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*");
        static final Pattern SQL_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
        static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
        static final Pattern CLASS_NAME = Pattern.compile("[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*"
                + "(\\.[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*)*");
        static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");
        static final Pattern RATE = Pattern.compile(
                "\\s*([0-9]+(?:\\.[0-9]+)?)\\s*/\\s*(s|sec|second|m|min|minute)\\s*");
    }

    private static final Set<String> JAVA_RESERVED = Set.of("abstract", "assert", "boolean", "break", "byte", "case",
            "catch", "char", "class", "const", "continue", "default", "do", "double", "else", "enum", "extends",
            "final", "finally", "float", "for", "goto", "if", "implements", "import", "instanceof", "int",
            "interface", "long", "native", "new", "package", "private", "protected", "public", "return", "short",
            "static", "strictfp", "super", "switch", "synchronized", "this", "throw", "throws", "transient", "try",
            "void", "volatile", "while", "true", "false", "null", "_");

    /** The principal of framework tool calls made outside every agent. */
    static final String RESERVED_UNIDENTIFIED = "unidentified";

    private static final String RINGS = "rings are 0 (kernel), 1 (privileged), 2 (standard) and 3 (user)";

    static final Range UNIT = new Range(0, false, 1, false);
    static final Range POSITIVE_UNIT = new Range(0, true, 1, false);
    static final Range UNIT_BELOW_ONE = new Range(0, false, 1, true);

    private static final Map<String, Mode> MODES = choices(Mode.values());
    private static final Map<String, OnInternalError> ON_ERROR = choices(OnInternalError.values());
    private static final Map<String, Signing> SIGNING = choices(Signing.values());
    private static final Map<String, Policy.Archive> ARCHIVE = choices(Policy.Archive.values());
    private static final Map<String, Durability> DURABILITY = choices(Durability.values());
    private static final Map<String, Policy.OnUnavailable> ON_UNAVAILABLE = choices(Policy.OnUnavailable.values());
    private static final Map<String, Policy.OnWriteFailure> ON_WRITE_FAILURE = choices(Policy.OnWriteFailure.values());
    private static final Map<String, Policy.OnDenial> ON_DENIAL = onDenialChoices();
    /** {@code observe.opentelemetry}: auto (use the application's API when it has one) or off. */
    private static final Map<String, Boolean> OPEN_TELEMETRY = orderedChoices("auto", true, "off", false);
    /** {@code rules[].approval}: required (each call waits for an approver) or none. */
    private static final Map<String, Boolean> APPROVAL = orderedChoices("required", true, "none", false);

    private static Map<String, Boolean> orderedChoices(String a, Boolean va, String b, Boolean vb) {
        Map<String, Boolean> map = new LinkedHashMap<>();
        map.put(a, va);
        map.put(b, vb);
        return Collections.unmodifiableMap(map);
    }

    private static Map<String, Policy.OnDenial> onDenialChoices() {
        Map<String, Policy.OnDenial> map = new LinkedHashMap<>();
        map.put("tell-model", Policy.OnDenial.TELL_MODEL);
        map.put("abort", Policy.OnDenial.ABORT);
        return Collections.unmodifiableMap(map);
    }

    private final String file;
    private final List<Problem> problems = new ArrayList<>();

    PolicyReader(String file) {
        this.file = file;
    }

    /** Every problem found, in file order (stable for problems at the same position). */
    List<Problem> problems() {
        List<Problem> sorted = new ArrayList<>(new LinkedHashSet<>(problems));
        sorted.sort(Comparator.comparingInt(Problem::line).thenComparingInt(Problem::column));
        return sorted;
    }

    /**
     * Builds the policy, or returns null after recording problems.
     *
     * @param root the document's root node, or null for an empty document
     */
    Policy read(Node root, String sha256) {
        if (root == null || isNull(root)) {
            report(root, "", "the policy is empty; a policy needs at least the line 'version: 1'");
            return null;
        }
        if (!(root instanceof MappingNode)) {
            report(root, "", "a policy is a map of keys (version, mode, agents, rules, …), but this document is "
                    + describe(root));
            return null;
        }
        Fields top = new Fields(root, "", "");
        Node version = top.value("version");
        if (version == null) {
            report(root, "version", "missing required key 'version'; a policy starts with 'version: 1'");
        } else {
            BigInteger v = integer(version, "version", null);
            if (v != null && !v.equals(BigInteger.ONE)) {
                // Other keys may mean something else in another version: reporting them would be noise.
                problems.clear();
                report(version, "version", "unsupported version " + v + "; this hypervisor reads policy version 1");
                return null;
            }
        }
        Mode mode = choice(top, "mode", MODES, Mode.ENFORCE);
        OnInternalError onInternalError = choice(top, "onInternalError", ON_ERROR, OnInternalError.DENY);
        String dataDir = nonBlankText(top, "dataDir", Policy.DEFAULT_DATA_DIR);
        HostSpec host = host(top);
        Map<String, AgentSpec> agents = agents(top);
        List<RuleSpec> rules = rules(top);
        List<CompensationSpec> compensations = compensations(top);
        List<SagaSpec> sagas = sagas(top);
        TrustSpec trust = trust(top);
        LiabilitySpec liability = liability(top);
        SagaSettings saga = saga(top);
        SessionSettings sessions = sessions(top);
        AuditSettings audit = audit(top);
        Policy.FrameworksSpec frameworks = frameworks(top);
        Policy.ObserveSpec observe = observe(top);
        Map<Integer, Map<String, Policy.CapabilityGrant>> ringCapabilities = rings(top);
        Policy.StoreSpec store = store(top);
        Policy.ElevationSpec elevation = elevation(top);
        Policy.ApprovalSpec approval = approval(top);
        top.done();
        if (!problems.isEmpty()) {
            return null;
        }
        return new Policy(file, sha256, mode, onInternalError, dataDir, host, agents, rules, compensations, sagas,
                trust, liability, saga, sessions, audit, frameworks,
                ringCapabilities.isEmpty() && agentCapabilities.isEmpty() ? Policy.CapabilitiesSpec.DEFAULTS
                        : new Policy.CapabilitiesSpec(Collections.unmodifiableMap(ringCapabilities),
                        Collections.unmodifiableMap(new LinkedHashMap<>(agentCapabilities))), observe, store,
                ringRates.isEmpty() && agentRates.isEmpty() ? Policy.RateLimitsSpec.NONE
                        : new Policy.RateLimitsSpec(Collections.unmodifiableMap(new java.util.TreeMap<>(ringRates)),
                        Collections.unmodifiableMap(new LinkedHashMap<>(agentRates))), elevation, approval);
    }


    /** {@code approval:} how long an approval-required call waits, and the application's approver if any. */
    private Policy.ApprovalSpec approval(Fields top) {
        Policy.ApprovalSpec d = Policy.ApprovalSpec.DEFAULTS;
        Fields f = top.section("approval", "approval");
        long timeout = duration(f, "timeout", 1, d.timeoutMillis());
        String approver = nonBlankText(f, "approver", null);
        if (approver != null && !Syntax.CLASS_NAME.matcher(approver).matches()) {
            report(f.valueNode("approver"), f.path("approver"), "'" + approver + "' is not a class name; write the"
                    + " fully-qualified name of a class implementing org.agenthypervisor.api.Approver");
        }
        f.done();
        return new Policy.ApprovalSpec(timeout, approver);
    }

    /** {@code elevation:} the default and longest TTL of an operator's grant, and whether ring 0 may be granted. */
    private Policy.ElevationSpec elevation(Fields top) {
        Policy.ElevationSpec d = Policy.ElevationSpec.DEFAULTS;
        Fields f = top.section("elevation", "elevation");
        long defaultTtl = duration(f, "defaultTtl", 1, d.defaultTtlMillis());
        long maxTtl = duration(f, "maxTtl", 1, d.maxTtlMillis());
        boolean allowRing0 = bool(f, "allowRing0", d.allowRing0());
        if (defaultTtl > maxTtl) {
            String blamed = f.has("defaultTtl") ? "defaultTtl" : "maxTtl";
            report(f.valueNode(blamed), f.path(blamed), "elevation.defaultTtl (" + Durations.format(defaultTtl)
                    + ") is longer than elevation.maxTtl (" + Durations.format(maxTtl) + ")");
        }
        f.done();
        return new Policy.ElevationSpec(defaultTtl, maxTtl, allowRing0);
    }

    private Policy.ObserveSpec observe(Fields top) {
        Fields f = top.section("observe", "observe");
        boolean openTelemetry = choice(f, "opentelemetry", OPEN_TELEMETRY, Policy.ObserveSpec.DEFAULTS.openTelemetry());
        f.done();
        return new Policy.ObserveSpec(openTelemetry);
    }


    /**
     * {@code agents.<id>.codeSource}: one entry or a list; each a path glob of the jars or directories
     * the agent's classes may come from, or {@code sha256:<64 lowercase hex digits>} of a jar.
     */
    private List<String> codeSource(Fields f) {
        Node n = f.value("codeSource");
        if (n == null || isNull(n)) {
            return List.of();
        }
        List<String> paths = new ArrayList<>();
        List<Node> items = oneOrList(n, f.path("codeSource"), paths);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String text = text(items.get(i), paths.get(i), null, "a jar path glob or sha256:<hex>");
            if (text == null) {
                continue;
            }
            String t = text.trim();
            if (t.startsWith("sha256:")) {
                if (!Syntax.SHA256.matcher(t).matches()) {
                    report(items.get(i), paths.get(i), "'" + t + "' is not sha256: followed by 64 lowercase hex digits"
                            + " (sha256sum app.jar prints them)");
                    continue;
                }
            } else {
                try {
                    org.agenthypervisor.core.capabilities.TargetPattern.compile(
                            org.agenthypervisor.core.capabilities.Capability.Kind.PATHS, t, java.nio.file.Path.of("/"),
                            java.nio.file.Path.of("/"));
                } catch (IllegalArgumentException e) {
                    report(items.get(i), paths.get(i), e.getMessage());
                    continue;
                }
            }
            out.add(t);
        }
        return List.copyOf(out);
    }

    /** Filled by {@link #rings} and {@link #agents}: the {@code rate} maps written. */
    private final Map<Integer, Policy.RateSpec> ringRates = new LinkedHashMap<>();
    private final Map<String, Policy.RateSpec> agentRates = new LinkedHashMap<>();

    private static final Map<String, Boolean> ON_LIMIT = orderedOnLimit();

    private static Map<String, Boolean> orderedOnLimit() {
        Map<String, Boolean> m = new LinkedHashMap<>();
        m.put("refuse", Boolean.FALSE);
        m.put("wait", Boolean.TRUE);
        return Collections.unmodifiableMap(m);
    }
    private static final long DEFAULT_MAX_WAIT_MILLIS = 1000;

    /** A {@code rate} map ({@code calls}, {@code tools}, {@code handoffs}), or null when absent or empty. */
    private Policy.RateSpec rate(Fields owner, String ownerSchema) {
        if (!owner.has("rate")) {
            owner.value("rate");
            return null;
        }
        Fields f = owner.section("rate", ownerSchema + ".rate");
        Policy.RateLimit calls = rateLimit(f, "calls", ownerSchema + ".rate.calls");
        Policy.RateLimit tools = rateLimit(f, "tools", ownerSchema + ".rate.tools");
        Policy.RateLimit handoffs = rateLimit(f, "handoffs", ownerSchema + ".rate.handoffs");
        f.done();
        return calls == null && tools == null && handoffs == null ? null : new Policy.RateSpec(calls, tools, handoffs);
    }

    /** One bucket: {@code {rate: 10/s, burst: 10, onLimit: refuse|wait, maxWait: 1s}}; {@code rate} is required. */
    private Policy.RateLimit rateLimit(Fields parent, String key, String schemaPath) {
        if (!parent.has(key)) {
            parent.value(key);
            return null;
        }
        Node keyNode = parent.keyNode(key);
        Fields f = parent.section(key, schemaPath);
        String path = parent.path(key);
        Node rateNode = f.value("rate");
        double perSecond = -1;
        String rateText = null;
        if (rateNode == null) {
            report(keyNode, path, "a rate limit needs 'rate', e.g. rate: 10/s or rate: 30/min");
        } else if (!isType(rateNode, Tag.STR)) {
            reportType(rateNode, f.path("rate"), "a rate such as 10/s or 30/min", null);
        } else {
            rateText = ((ScalarNode) rateNode).getValue().trim();
            java.util.regex.Matcher m = Syntax.RATE.matcher(rateText);
            if (!m.matches()) {
                report(rateNode, f.path("rate"), "'" + rateText + "' is not a rate; write calls per second or per minute,"
                        + " e.g. 10/s or 30/min");
            } else {
                double n = Double.parseDouble(m.group(1));
                perSecond = m.group(2).startsWith("s") ? n : n / 60.0;
                if (!(perSecond > 0) || perSecond > 1e9) {
                    report(rateNode, f.path("rate"), "the rate must be above 0 and at most 1000000000/s, got '"
                            + rateText + "'");
                    perSecond = -1;
                }
            }
        }
        int burst = integer(f, "burst", perSecond > 0 ? (int) Math.max(1, Math.min(1_000_000, Math.ceil(perSecond))) : 1,
                1, 1_000_000);
        Boolean wait = choice(f, "onLimit", ON_LIMIT, Boolean.FALSE);
        long maxWait = duration(f, "maxWait", 1, DEFAULT_MAX_WAIT_MILLIS);
        if (f.has("maxWait") && !wait) {
            report(f.keyNode("maxWait"), f.path("maxWait"), "maxWait applies only with onLimit: wait");
        }
        f.done();
        if (perSecond <= 0) {
            return null;
        }
        return new Policy.RateLimit(perSecond, burst, wait, maxWait, path, rateText, location(keyNode));
    }

    /** Filled by {@link #agents}: each agent's {@code capabilities}, when it has some. */
    private final Map<String, Map<String, Policy.CapabilityGrant>> agentCapabilities = new LinkedHashMap<>();

    /** {@code rings.<n>.capabilities}: what an agent at ring n may do, replacing the built-in defaults key by key. */
    private Map<Integer, Map<String, Policy.CapabilityGrant>> rings(Fields top) {
        Node node = top.value("rings");
        if (node == null || isNull(node)) {
            return Map.of();
        }
        if (!(node instanceof MappingNode)) {
            report(node, "rings", "expected a map from ring (1, 2 or 3) to its settings, got " + describe(node));
            return Map.of();
        }
        Map<Integer, Map<String, Policy.CapabilityGrant>> out = new java.util.TreeMap<>();
        for (NodeTuple entry : ((MappingNode) node).getValue()) {
            Node keyNode = entry.getKeyNode();
            String key = keyText(keyNode, "rings");
            if (key == null) {
                continue;
            }
            String path = "rings." + key;
            if (key.equals("0")) {
                report(keyNode, path, "ring 0 has every capability, like the host: it cannot be restricted;"
                        + " give the agent ring 1 and restrict ring 1 instead");
                continue;
            }
            if (!key.equals("1") && !key.equals("2") && !key.equals("3")) {
                report(keyNode, path, "unknown ring '" + key + "'; capabilities are set for rings 1, 2 and 3");
                continue;
            }
            Node value = entry.getValueNode();
            if (!isNull(value) && !(value instanceof MappingNode)) {
                report(value, path, "expected the settings of ring " + key + " (a map with capabilities), got "
                        + describe(value));
                continue;
            }
            Fields f = new Fields(value, path, "rings.*");
            Map<String, Policy.CapabilityGrant> grants = capabilities(f, "rings.*.capabilities");
            Policy.RateSpec rate = rate(f, "rings.*");
            f.done();
            if (rate != null && !ringRates.containsKey(Integer.valueOf(key))) {
                ringRates.put(Integer.valueOf(key), rate);
            }
            if (out.containsKey(Integer.valueOf(key))) {
                report(keyNode, path, "duplicate ring '" + key + "'");
            } else if (!grants.isEmpty()) {
                out.put(Integer.valueOf(key), grants);
            }
        }
        return out;
    }

    /**
     * A {@code capabilities} map: each key a capability, each value {@code true}, {@code false}, or a
     * pattern or a list of patterns of the capability's kind (checked here, so a typo is reported with
     * its line, not matched against nothing at run time).
     */
    private Map<String, Policy.CapabilityGrant> capabilities(Fields parent, String schemaPath) {
        Fields f = parent.section("capabilities", schemaPath);
        Map<String, Policy.CapabilityGrant> out = new LinkedHashMap<>();
        for (org.agenthypervisor.core.capabilities.Capability c : org.agenthypervisor.core.capabilities.Capability.values()) {
            Node n = f.value(c.key());
            if (n == null) {
                continue;
            }
            String path = f.path(c.key());
            if (isType(n, Tag.BOOL)) {
                boolean value = ((ScalarNode) n).getValue().toLowerCase(Locale.ROOT).equals("true");
                out.put(c.key(), new Policy.CapabilityGrant(value, List.of(), location(n)));
                continue;
            }
            if (c.kind() == org.agenthypervisor.core.capabilities.Capability.Kind.SWITCH) {
                reportType(n, path, "true or false", null);
                continue;
            }
            if (!(n instanceof SequenceNode) && !(n instanceof ScalarNode && !isNull(n))) {
                reportType(n, path, c.kind().expected(), null);
                continue;
            }
            List<String> paths = new ArrayList<>();
            List<Node> items = oneOrList(n, path, paths);
            List<String> patterns = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                String text = text(items.get(i), paths.get(i), null, "a pattern");
                if (text == null) {
                    continue;
                }
                try {
                    org.agenthypervisor.core.capabilities.TargetPattern.compile(c.kind(), text,
                            java.nio.file.Path.of("/"), java.nio.file.Path.of("/"));
                    patterns.add(text.trim());
                } catch (IllegalArgumentException e) {
                    report(items.get(i), paths.get(i), e.getMessage());
                }
            }
            out.put(c.key(), new Policy.CapabilityGrant(null, List.copyOf(patterns), location(n)));
        }
        f.done();
        return Collections.unmodifiableMap(out);
    }

    // ---------------------------------------------------------------------------------------------
    // Sections

    private Policy.FrameworksSpec frameworks(Fields top) {
        Fields f = top.section("frameworks", "frameworks");
        Policy.FrameworksSpec d = Policy.FrameworksSpec.DEFAULTS;
        Policy.OnDenial onDenial = choice(f, "onDenial", ON_DENIAL, d.onDenial());
        int unidentifiedRing = ring(f, "unidentifiedRing", d.unidentifiedRing());
        boolean offerDeniedTools = bool(f, "offerDeniedTools", d.offerDeniedTools());
        boolean langchain4j = bool(f, "langchain4j", d.langchain4j());
        boolean springAi = bool(f, "springAi", d.springAi());
        boolean reactor = bool(f, "reactor", d.reactor());
        f.done();
        return new Policy.FrameworksSpec(onDenial, unidentifiedRing, offerDeniedTools, langchain4j, springAi, reactor);
    }

    private HostSpec host(Fields top) {
        Fields host = top.section("host", "host");
        int ring = ring(host, "ring", 0);
        host.done();
        return new HostSpec(ring);
    }

    private Map<String, AgentSpec> agents(Fields top) {
        Node node = top.value("agents");
        if (node == null || isNull(node)) {
            return Map.of();
        }
        if (!(node instanceof MappingNode)) {
            report(node, "agents", "expected a map from agent id to its settings, got " + describe(node));
            return Map.of();
        }
        Map<String, AgentSpec> agents = new LinkedHashMap<>();
        Map<String, String> boundTo = new HashMap<>();
        Map<String, String> servicesBoundTo = new HashMap<>();
        Map<String, String> namesBoundTo = new HashMap<>();
        Map<String, Node> seenIds = new HashMap<>();
        for (NodeTuple entry : ((MappingNode) node).getValue()) {
            Node keyNode = entry.getKeyNode();
            String id = keyText(keyNode, "agents");
            if (id == null) {
                continue;
            }
            String path = "agents." + id;
            if (seenIds.containsKey(id)) {
                report(keyNode, path, "duplicate agent '" + id + "' (first at " + position(seenIds.get(id)) + ")");
                continue;
            }
            seenIds.put(id, keyNode);
            boolean validId = checkAgentId(keyNode, path, id);
            Node value = entry.getValueNode();
            if (!isNull(value) && !(value instanceof MappingNode)) {
                report(value, path, "expected the settings of agent '" + id + "' (a map with classes, aiServices,"
                        + " agenticNames, ring, trust, minTrust, onDenial) or nothing, got " + describe(value) + "; check the indentation");
                continue;
            }
            Fields f = new Fields(value, path, "agents.*");
            List<Glob> classes = globs(f, "classes", GlobKind.CLASS, id, boundTo, "a class glob", "a class");
            List<Glob> aiServices = globs(f, "aiServices", GlobKind.AI_SERVICE, id, servicesBoundTo,
                    "an AI-service interface glob", "an AI service");
            List<Glob> agenticNames = globs(f, "agenticNames", GlobKind.NAME, id, namesBoundTo,
                    "an agentic agent name glob", "an agentic agent");
            int ring = ring(f, "ring", 3);
            double trust = number(f, "trust", UNIT, 1.0);
            double minTrust = number(f, "minTrust", UNIT, 0.5);
            Policy.OnDenial onDenial = choice(f, "onDenial", ON_DENIAL, null);
            Map<String, Policy.CapabilityGrant> grants = capabilities(f, "agents.*.capabilities");
            List<String> codeSource = codeSource(f);
            Policy.RateSpec rate = rate(f, "agents.*");
            f.done();
            if (validId && rate != null) {
                agentRates.put(id, rate);
            }
            if (validId && !grants.isEmpty()) {
                agentCapabilities.put(id, grants);
            }
            if (validId) {
                agents.put(id, new AgentSpec(id, classes, ring, trust, minTrust, location(keyNode), aiServices,
                        agenticNames, onDenial, codeSource));
            }
        }
        return Collections.unmodifiableMap(agents);
    }

    private boolean checkAgentId(Node keyNode, String path, String id) {
        if (KeyDirectory.isReservedId(id)) {
            // Agents' keys share the key directory with the hypervisor's own: this agent would sign as it.
            report(keyNode, path, "the agent id '" + id + "' is reserved (in any case) for the hypervisor's own signing"
                    + " key, " + KeyDirectory.HYPERVISOR + ".key in the key directory (tree heads, sealed saga journals);"
                    + " an agent of that name would sign as the hypervisor: choose another id");
            return false;
        }
        if (id.equals(RESERVED_UNIDENTIFIED)) {
            report(keyNode, path, "the agent id '" + RESERVED_UNIDENTIFIED + "' is reserved for framework tool calls"
                    + " made outside every agent; set their ring with frameworks.unidentifiedRing");
            return false;
        }
        if (id.equals("host")) {
            report(keyNode, path, "the agent id 'host' is reserved for the application itself; set its ring under"
                    + " the top-level key 'host'");
            return false;
        }
        if (!Syntax.AGENT_ID.matcher(id).matches()) {
            String why;
            if (id.length() > 64) {
                why = "it is " + id.length() + " characters long; the limit is 64";
            } else if (!id.equals(id.toLowerCase(Locale.ROOT)) && Syntax.AGENT_ID.matcher(id.toLowerCase(Locale.ROOT)).matches()) {
                why = "ids are lowercase; write '" + id.toLowerCase(Locale.ROOT) + "'";
            } else {
                why = "ids are 1 to 64 lowercase letters, digits, '.', '_' and '-', starting and ending with a"
                        + " letter or digit";
            }
            report(keyNode, path, "invalid agent id '" + id + "': " + why);
            return false;
        }
        return true;
    }

    /** How the globs of an agent key are read. */
    private enum GlobKind { CLASS, AI_SERVICE, NAME }

    /**
     * {@code classes}, {@code aiServices} or {@code agenticNames}: one glob or a list of them; a glob
     * may be bound to one agent only ({@code thing} says what belongs to one agent in the message).
     */
    private List<Glob> globs(Fields f, String key, GlobKind kind, String id, Map<String, String> boundTo, String what,
                             String thing) {
        Node node = f.value(key);
        if (node == null || isNull(node)) {
            return List.of();
        }
        List<String> paths = new ArrayList<>();
        String path = f.path(key);
        if (!(node instanceof SequenceNode) && !(node instanceof ScalarNode)) {
            report(node, path, "expected " + what + " or a list of " + what.replaceFirst("^an? ", "") + "s, got "
                    + describe(node));
            return List.of();
        }
        List<Node> items = oneOrList(node, path, paths);
        List<Glob> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Node item = items.get(i);
            String text = text(item, paths.get(i), null, what);
            if (text == null) {
                continue;
            }
            Glob glob;
            try {
                glob = kind == GlobKind.NAME ? Glob.simple(text) : Glob.classGlob(text);
                if (kind == GlobKind.AI_SERVICE) {
                    checkAiServiceGlob(text);
                }
            } catch (IllegalArgumentException e) {
                report(item, paths.get(i), e.getMessage());
                continue;
            }
            String owner = boundTo.putIfAbsent(glob.pattern(), id);
            if (owner != null) {
                report(item, paths.get(i), owner.equals(id)
                        ? "'" + text + "' is listed twice for agent '" + id + "'"
                        : "'" + text + "' is already bound to agent '" + owner + "'; " + thing + " belongs to one agent only");
                continue;
            }
            out.add(glob);
        }
        return List.copyOf(out);
    }

    /**
     * A value written as one item or as a list of them: the items, and in {@code paths} the key path of
     * each ({@code key} or {@code key[i]}) for messages.
     */
    private static List<Node> oneOrList(Node node, String path, List<String> paths) {
        if (node instanceof SequenceNode) {
            List<Node> items = ((SequenceNode) node).getValue();
            for (int i = 0; i < items.size(); i++) {
                paths.add(path + "[" + i + "]");
            }
            return items;
        }
        paths.add(path);
        return List.of(node);
    }

    /**
     * An AI-service glob names the application's interface, never the JDK's proxy classes or a JDK
     * package: those can never be an AI service's interface, so such a glob binds nothing.
     */
    static void checkAiServiceGlob(String text) {
        String t = text.trim();
        for (String prefix : List.of("jdk.proxy", "com.sun.proxy", "java.", "javax.", "jdk.", "sun.", "com.sun.")) {
            if (t.startsWith(prefix) || (prefix.endsWith(".") && t.equals(prefix.substring(0, prefix.length() - 1)))) {
                throw new IllegalArgumentException("'" + text + "' can never bind an AI service: name the interface"
                        + " given to AiServices.builder(...), not the JDK's proxy class or a JDK package");
            }
        }
        if (t.replace("*", "").replace(".", "").isEmpty()) {
            throw new IllegalArgumentException("'" + text + "' would bind every interface; name the AI-service"
                    + " interfaces (for example com.acme.assistants.*)");
        }
    }

    private List<RuleSpec> rules(Fields top) {
        List<RuleSpec> rules = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        List<Node> items = list(top, "rules");
        for (int i = 0; i < items.size(); i++) {
            String path = "rules[" + i + "]";
            Fields f = entry(items.get(i), path, "rules[]",
                    "a rule (a map with methods, annotatedWith or tools, and ring)");
            if (f == null) {
                continue;
            }
            int before = problems.size();
            Node methodsKey = f.keyNode("methods");
            Node annotationKey = f.keyNode("annotatedWith");
            Node toolsKey = f.keyNode("tools");
            MethodPattern methods = f.has("methods") ? methodPattern(f, "methods") : null;
            String annotatedWith = f.has("annotatedWith") ? annotation(f, "annotatedWith") : null;
            Glob tools = f.has("tools") ? simpleGlob(f, "tools", "a glob on tool names") : null;
            int selectors = (methodsKey != null ? 1 : 0) + (annotationKey != null ? 1 : 0) + (toolsKey != null ? 1 : 0);
            if (selectors > 1) {
                Node second = toolsKey != null ? toolsKey : annotationKey;
                report(second, f.path(toolsKey != null ? "tools" : "annotatedWith"), "a rule takes one of 'methods',"
                        + " 'annotatedWith' and 'tools', not several; write one rule each");
            } else if (selectors == 0) {
                report(f.node, path, "a rule needs 'methods' (ClassGlob#methodGlob), 'annotatedWith' (an"
                        + " annotation's fully-qualified name) or 'tools' (a glob on tool names as the model sees them)");
            }
            Integer ring = f.has("ring") ? optionalRing(f, "ring") : null;
            boolean handoff = bool(f, "handoff", false);
            boolean partial = bool(f, "partial", false);
            boolean approval = choice(f, "approval", APPROVAL, false);
            if (approval && methods != null && methods.methodGlob().pattern().equals("<init>")) {
                // Fail closed: a rule that looks like it asks for approval and asks nobody is worse than none.
                report(f.valueNode("approval"), f.path("approval"), "approval: required applies to methods and"
                        + " framework tools (rules with 'methods', 'annotatedWith' or 'tools'); a constructor cannot"
                        + " ask for approval yet");
            }
            f.done();
            if (problems.size() != before) {
                continue;
            }
            if (ring == null && !handoff && !partial && !approval) {
                report(f.node, path, "this rule does nothing; give it a 'ring', 'handoff: true', 'partial: true' or"
                        + " 'approval: required'");
                continue;
            }
            RuleSpec rule = new RuleSpec(i, methods, annotatedWith, ring, handoff, partial, location(f.node), tools,
                    approval);
            String pattern = rule.selector();
            Node at = f.valueNode(methods != null ? "methods" : annotatedWith != null ? "annotatedWith" : "tools");
            if (shadowed(seen, pattern, path, at, "rules", "the first matching rule wins")) {
                continue;
            }
            rules.add(rule);
        }
        return List.copyOf(rules);
    }

    private List<CompensationSpec> compensations(Fields top) {
        List<CompensationSpec> out = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        List<Node> items = list(top, "compensations");
        for (int i = 0; i < items.size(); i++) {
            String path = "compensations[" + i + "]";
            Fields f = entry(items.get(i), path, "compensations[]", "a compensation (a map with method and compensate)");
            if (f == null) {
                continue;
            }
            int before = problems.size();
            MethodPattern method = required(f, "method", "ClassGlob#methodGlob") ? methodPattern(f, "method") : null;
            String compensate = required(f, "compensate", "the name of the compensating method")
                    ? javaIdentifier(f, "compensate") : null;
            boolean inDoubt = bool(f, "compensateInDoubt", false);
            f.done();
            if (problems.size() != before
                    || shadowed(seen, method.pattern(), path, f.valueNode("method"), "compensations",
                            "a step has one compensation")) {
                continue;
            }
            out.add(new CompensationSpec(i, method, compensate, inDoubt, location(f.node)));
        }
        return List.copyOf(out);
    }

    private List<SagaSpec> sagas(Fields top) {
        List<SagaSpec> out = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        List<Node> items = list(top, "sagas");
        for (int i = 0; i < items.size(); i++) {
            String path = "sagas[" + i + "]";
            Fields f = entry(items.get(i), path, "sagas[]",
                    "a saga boundary (a map with methods, aiService or agentic, and an optional name)");
            if (f == null) {
                continue;
            }
            int before = problems.size();
            int selectors = (f.has("methods") ? 1 : 0) + (f.has("aiService") ? 1 : 0) + (f.has("agentic") ? 1 : 0);
            if (selectors == 0) {
                report(f.node, path, "a saga boundary needs 'methods' (ClassGlob#methodGlob), 'aiService'"
                        + " (InterfaceGlob#methodGlob of a LangChain4j AI service) or 'agentic' (a glob on"
                        + " langchain4j-agentic agent names)");
            } else if (selectors > 1) {
                report(f.node, path, "a saga boundary takes one of 'methods', 'aiService' and 'agentic'; write one"
                        + " entry each");
            }
            MethodPattern methods = f.has("methods") ? methodPattern(f, "methods") : null;
            MethodPattern aiService = f.has("aiService") ? methodPattern(f, "aiService") : null;
            Glob agentic = f.has("agentic") ? simpleGlob(f, "agentic", "a glob on agentic agent names") : null;
            String name = f.has("name") ? nonBlankText(f, "name", null) : null;
            f.done();
            if (problems.size() != before) {
                continue;
            }
            SagaSpec spec = new SagaSpec(i, methods, name, location(f.node), aiService, agentic);
            String key = methods != null ? "methods" : aiService != null ? "aiService" : "agentic";
            if (shadowed(seen, spec.selector(), path, f.valueNode(key), "sagas", "it is listed twice")) {
                continue;
            }
            out.add(spec);
        }
        return List.copyOf(out);
    }

    private TrustSpec trust(Fields top) {
        Fields trust = top.section("trust", "trust");
        Fields thresholds = trust.section("thresholds", "trust.thresholds");
        double[] floors = {0.95, 0.95, 0.60};
        boolean[] valid = {true, true, true};
        for (int ring = 0; ring < 3; ring++) {
            String key = String.valueOf(ring);
            Node n = thresholds.value(key);
            if (n != null) {
                Double v = number(n, thresholds.path(key), UNIT, String.valueOf(floors[ring]));
                if (v == null) {
                    valid[ring] = false;
                } else {
                    floors[ring] = v;
                }
            }
        }
        for (int ring = 0; ring < 2; ring++) {
            if (valid[ring] && valid[ring + 1] && floors[ring] < floors[ring + 1]) {
                // Blame the value the user wrote; if both were written, the less privileged one.
                int blamed = thresholds.has(String.valueOf(ring + 1)) ? ring + 1 : ring;
                int other = blamed == ring ? ring + 1 : ring;
                String key = String.valueOf(blamed);
                report(thresholds.valueNode(key), thresholds.path(key), "ring " + blamed + "'s floor " + floors[blamed]
                        + (blamed > other ? " is above" : " is below") + " ring " + other + "'s " + floors[other]
                        + (thresholds.has(String.valueOf(other)) ? "" : " (the default)")
                        + "; floors must not increase from ring 0 to ring 2, or a less privileged ring would be"
                        + " harder to reach than a more privileged one");
            }
        }
        thresholds.done();
        trust.done();
        return new TrustSpec(floors[0], floors[1], floors[2]);
    }

    private LiabilitySpec liability(Fields top) {
        Fields f = top.section("liability", "liability");
        Signing signing = choice(f, "signing", SIGNING, Signing.BATCHED);
        String keysDir = null;
        Node keysDirNode = f.value("keysDir");
        if (keysDirNode != null && !isNull(keysDirNode)) {
            keysDir = nonBlankText(f, "keysDir", null);
        }
        // Unset (NaN): the severity follows the breach grade; set: a fixed override (the old behaviour).
        double ringViolationSeverity = number(f, "ringViolationSeverity", POSITIVE_UNIT, Double.NaN);
        Fields weights = f.section("riskWeights", "liability.riskWeights");
        double compensable = number(weights, "compensable", UNIT, 0.2);
        double partial = number(weights, "partial", UNIT, 0.65);
        double dflt = number(weights, "default", UNIT, 0.95);
        weights.done();
        double floor = number(f, "floor", UNIT_BELOW_ONE, 0.05);
        double decay = number(f, "decay", POSITIVE_UNIT, 0.5);
        int maxDepth = integer(f, "maxDepth", 0, 0, Integer.MAX_VALUE);
        Recovery recovery = recovery(f);
        Fields anomalies = f.section("anomalies", "liability.anomalies");
        double refusedHandoff = number(anomalies, "refusedHandoff", UNIT, 0.0);
        double stepFailure = number(anomalies, "stepFailure", UNIT, 0.0);
        double compensationFailure = number(anomalies, "compensationFailure", UNIT, 1.0);
        anomalies.done();
        long retention = duration(f, "retention", 1, LiabilitySpec.DEFAULT_RETENTION_MILLIS);
        Policy.Archive archive = choice(f, "archive", ARCHIVE, Policy.Archive.KEEP);
        Policy.BreachSpec breach = breach(f);
        f.done();
        return new LiabilitySpec(signing, keysDir, ringViolationSeverity, compensable, partial, dflt, floor, decay,
                maxDepth, recovery, refusedHandoff, stepFailure, compensationFailure, retention, archive, breach);
    }

    private Policy.BreachSpec breach(Fields liability) {
        Policy.BreachSpec d = Policy.BreachSpec.DEFAULTS;
        Fields f = liability.section("breach", "liability.breach");
        long window = duration(f, "window", 1_000, d.windowMillis());
        int minCalls = integer(f, "minCalls", d.minCalls(), 1, 1_000_000);
        Fields t = f.section("thresholds", "liability.breach.thresholds");
        double[] thresholds = {number(t, "low", POSITIVE_UNIT, d.low()), number(t, "medium", POSITIVE_UNIT, d.medium()),
                number(t, "high", POSITIVE_UNIT, d.high()), number(t, "critical", POSITIVE_UNIT, d.critical())};
        String[] names = {"low", "medium", "high", "critical"};
        for (int i = 1; i < thresholds.length; i++) {
            if (thresholds[i] < thresholds[i - 1]) {
                String blamed = t.has(names[i]) ? names[i] : names[i - 1];
                report(t.valueNode(blamed), t.path(blamed), "the thresholds must not decrease from low to critical: "
                        + names[i] + " (" + thresholds[i] + ") is below " + names[i - 1] + " (" + thresholds[i - 1] + ")");
                break;
            }
        }
        t.done();
        Fields v = f.section("severity", "liability.breach.severity");
        double none = number(v, "none", UNIT, d.severityNone());
        double low = number(v, "low", UNIT, d.severityLow());
        double medium = number(v, "medium", UNIT, d.severityMedium());
        double high = number(v, "high", UNIT, d.severityHigh());
        double critical = number(v, "critical", UNIT, d.severityCritical());
        v.done();
        long cooldown = duration(f, "cooldown", 1, d.cooldownMillis());
        f.done();
        return new Policy.BreachSpec(window, minCalls, thresholds[0], thresholds[1], thresholds[2], thresholds[3],
                none, low, medium, high, critical, cooldown);
    }

    private Recovery recovery(Fields liability) {
        Node node = liability.value("recovery");
        String path = liability.path("recovery");
        if (node == null || isNull(node)) {
            return null;
        }
        if (node instanceof ScalarNode && Tag.STR.equals(node.getTag())) {
            String text = ((ScalarNode) node).getValue();
            if (!text.equals("none")) {
                report(node, path, "expected 'none' or a map with 'rate' and 'every', got " + describe(node)
                        + (text.equalsIgnoreCase("none") ? " (values are lowercase)" : ""));
            }
            return null;
        }
        if (!(node instanceof MappingNode)) {
            report(node, path, "expected 'none' or a map with 'rate' and 'every', got " + describe(node));
            return null;
        }
        Fields f = new Fields(node, path, "liability.recovery");
        double rate = required(f, "rate", "a number greater than 0 and at most 1")
                ? number(f, "rate", POSITIVE_UNIT, 0.0) : 0.0;
        long every = required(f, "every", "a duration such as " + Durations.EXAMPLES)
                ? duration(f, "every", 1, 0) : 0;
        f.done();
        return new Recovery(rate, every);
    }

    private SagaSettings saga(Fields top) {
        Fields f = top.section("saga", "saga");
        Durability durability = choice(f, "durability", DURABILITY, Durability.FSYNC);
        int retries = integer(f, "retries", 3, 0, 100);
        int before = problems.size();
        long backoff = duration(f, "backoff", 0, 50);
        long maxBackoff = duration(f, "maxBackoff", 0, 2_000);
        if (problems.size() == before && maxBackoff < backoff) {
            String blamed = f.has("maxBackoff") ? "maxBackoff" : "backoff";
            report(f.valueNode(blamed), f.path(blamed), "maxBackoff (" + Durations.format(maxBackoff)
                    + (f.has("maxBackoff") ? "" : ", the default") + ") is shorter than backoff ("
                    + Durations.format(backoff) + (f.has("backoff") ? "" : ", the default")
                    + "); the cap must be at least the first delay");
        }
        boolean recoverOnStart = bool(f, "recoverOnStart", true);
        long retention = duration(f, "retention", 0, SagaSettings.DEFAULT_RETENTION_MILLIS);
        Policy.Archive archive = choice(f, "archive", ARCHIVE, Policy.Archive.KEEP);
        f.done();
        return new SagaSettings(durability, retries, backoff, maxBackoff, recoverOnStart, retention, archive);
    }

    private SessionSettings sessions(Fields top) {
        Fields f = top.section("sessions", "sessions");
        double minTrust = number(f, "minTrust", UNIT, 0.5);
        int maxParticipants = integer(f, "maxParticipants", 16, 1, 10_000);

        List<KeyProtection> keys = new ArrayList<>();
        Map<String, String> seenKeys = new HashMap<>();
        List<Node> keyItems = list(f, "keys");
        for (int i = 0; i < keyItems.size(); i++) {
            String path = "sessions.keys[" + i + "]";
            Fields e = entry(keyItems.get(i), path, "sessions.keys[]", "a key protection (a map with key, readRing,"
                    + " writeRing)");
            if (e == null) {
                continue;
            }
            int before = problems.size();
            Glob key = required(e, "key", "a glob on session keys") ? simpleGlob(e, "key") : null;
            int readRing = ring(e, "readRing", 3);
            int writeRing = ring(e, "writeRing", 3);
            e.done();
            if (problems.size() != before || shadowed(seenKeys, key.pattern(), path, e.valueNode("key"),
                    "sessions.keys", "the first matching entry wins")) {
                continue;
            }
            keys.add(new KeyProtection(key, readRing, writeRing, location(e.node)));
        }

        List<NamedSession> named = new ArrayList<>();
        Map<String, String> seenNames = new HashMap<>();
        List<Node> namedItems = list(f, "named");
        for (int i = 0; i < namedItems.size(); i++) {
            String path = "sessions.named[" + i + "]";
            Fields e = entry(namedItems.get(i), path, "sessions.named[]", "a named session (a map with name, minTrust,"
                    + " maxParticipants)");
            if (e == null) {
                continue;
            }
            int before = problems.size();
            Glob name = required(e, "name", "a glob on session names") ? simpleGlob(e, "name") : null;
            double namedMinTrust = number(e, "minTrust", UNIT, minTrust);
            int namedMax = integer(e, "maxParticipants", maxParticipants, 1, 10_000);
            e.done();
            if (problems.size() != before || shadowed(seenNames, name.pattern(), path, e.valueNode("name"),
                    "sessions.named", "the first matching entry wins")) {
                continue;
            }
            named.add(new NamedSession(name, namedMinTrust, namedMax, location(e.node)));
        }
        boolean readsWhileQuarantined = bool(f, "readsWhileQuarantined", false);
        f.done();
        return new SessionSettings(minTrust, maxParticipants, List.copyOf(keys), List.copyOf(named), readsWhileQuarantined);
    }

    private AuditSettings audit(Fields top) {
        Fields f = top.section("audit", "audit");
        Durability durability = choice(f, "durability", DURABILITY, Durability.BATCH);
        long flush = duration(f, "flushInterval", 1, 10);
        int every = integer(f, "treeHeadEvery", 1000, 1, Integer.MAX_VALUE);
        long interval = duration(f, "treeHeadInterval", 1, 5_000);
        Policy.OnWriteFailure onWriteFailure = choice(f, "onWriteFailure", ON_WRITE_FAILURE, Policy.OnWriteFailure.DENY);
        long retention = f.has("retention") ? duration(f, "retention", 1, 0) : 0; // absent: keep every record live
        String archive = null;
        Node archiveNode = f.value("archive");
        if (archiveNode != null && !isNull(archiveNode)) {
            archive = nonBlankText(f, "archive", null);
        }
        f.done();
        return new AuditSettings(durability, flush, every, interval, onWriteFailure, retention, archive);
    }

    /** {@code store: files} (the default) or {@code store: {postgres: {...}}}. */
    private Policy.StoreSpec store(Fields top) {
        Node node = top.value("store");
        String path = top.path("store");
        if (node == null || isNull(node)) {
            return Policy.StoreSpec.FILES;
        }
        if (node instanceof ScalarNode && Tag.STR.equals(node.getTag())) {
            String text = ((ScalarNode) node).getValue();
            if (!text.equals("files")) {
                report(node, path, "expected 'files' or a map with 'postgres', got " + describe(node)
                        + (text.equalsIgnoreCase("files") ? " (values are lowercase)" : ""));
            }
            return Policy.StoreSpec.FILES;
        }
        if (!(node instanceof MappingNode)) {
            report(node, path, "expected 'files' or a map with 'postgres', got " + describe(node));
            return Policy.StoreSpec.FILES;
        }
        Fields f = new Fields(node, path, "store");
        Node pgNode = f.value("postgres");
        if (pgNode == null || isNull(pgNode) || !(pgNode instanceof MappingNode)) {
            report(pgNode == null ? node : pgNode, f.path("postgres"), "expected a map with url, user and"
                    + " optionally passwordEnv, schema, pool, onUnavailable");
            f.done();
            return Policy.StoreSpec.FILES;
        }
        Fields pg = new Fields(pgNode, f.path("postgres"), "store.postgres");
        int before = problems.size();
        String url = required(pg, "url", "a JDBC URL such as jdbc:postgresql://db:5432/app")
                ? nonBlankText(pg, "url", null) : null;
        if (url != null && !url.startsWith("jdbc:postgresql://")) {
            report(pg.valueNode("url"), pg.path("url"), "must start with jdbc:postgresql:// (only PostgreSQL is"
                    + " supported), got '" + url + "'");
        }
        String user = required(pg, "user", "the database user name") ? nonBlankText(pg, "user", null) : null;
        String passwordEnv = nonBlankText(pg, "passwordEnv", null);
        if (passwordEnv != null && !Syntax.ENV_NAME.matcher(passwordEnv).matches()) {
            report(pg.valueNode("passwordEnv"), pg.path("passwordEnv"), "'" + passwordEnv + "' is not an environment"
                    + " variable name; passwordEnv names the variable that holds the password (the password itself"
                    + " never goes into the policy)");
        }
        String schema = nonBlankText(pg, "schema", Policy.PostgresStoreSpec.DEFAULT_SCHEMA);
        if (schema != null && !Syntax.SQL_NAME.matcher(schema).matches()) {
            report(pg.valueNode("schema"), pg.path("schema"), "'" + schema + "' is not a schema name this"
                    + " hypervisor accepts: [a-z_][a-z0-9_]{0,62}");
        }
        int pool = integer(pg, "pool", 4, 1, 64);
        Policy.OnUnavailable onUnavailable = choice(pg, "onUnavailable", ON_UNAVAILABLE, Policy.OnUnavailable.FAIL);
        long sagaLease = duration(pg, "sagaLease", 300, Policy.PostgresStoreSpec.DEFAULT_SAGA_LEASE_MILLIS);
        pg.done();
        f.done();
        if (problems.size() != before) {
            return Policy.StoreSpec.FILES;
        }
        return new Policy.StoreSpec(new Policy.PostgresStoreSpec(url, user, passwordEnv, schema, pool, onUnavailable,
                location(pgNode), sagaLease));
    }

    // ---------------------------------------------------------------------------------------------
    // Typed values. Each reports its own problems and returns the default (or null) when invalid.

    private int ring(Fields f, String key, int dflt) {
        Node n = f.value(key);
        if (n == null) {
            return dflt;
        }
        Integer ring = ring(n, f.path(key), String.valueOf(dflt));
        return ring == null ? dflt : ring;
    }

    /** A ring that has no default: the key is present (its absence is handled by the caller). */
    private Integer optionalRing(Fields f, String key) {
        return ring(f.value(key), f.path(key), null);
    }

    private Integer ring(Node n, String path, String dflt) {
        if (!isType(n, Tag.INT)) {
            reportType(n, path, "a ring number (0, 1, 2 or 3)", dflt);
            return null;
        }
        BigInteger v = integer(n, path, dflt);
        if (v == null) {
            return null;
        }
        if (v.signum() < 0 || v.compareTo(BigInteger.valueOf(3)) > 0) {
            report(n, path, "ring " + v + " does not exist; " + RINGS);
            return null;
        }
        return v.intValue();
    }

    private int integer(Fields f, String key, int dflt, int min, int max) {
        Node n = f.value(key);
        if (n == null) {
            return dflt;
        }
        BigInteger v = integer(n, f.path(key), String.valueOf(dflt));
        if (v == null) {
            return dflt;
        }
        if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
            report(n, f.path(key), v + " is out of range; it must be "
                    + (max == Integer.MAX_VALUE ? "at least " + min : "between " + min + " and " + max));
            return dflt;
        }
        return v.intValue();
    }

    /** Any YAML integer (decimal, 0x hex, 0o octal), unbounded so that range checks cannot overflow. */
    private BigInteger integer(Node n, String path, String dflt) {
        if (!isType(n, Tag.INT)) {
            reportType(n, path, "an integer", dflt);
            return null;
        }
        String text = ((ScalarNode) n).getValue();
        try {
            String t = text.startsWith("+") ? text.substring(1) : text;
            if (t.startsWith("0x")) {
                return new BigInteger(t.substring(2), 16);
            }
            if (t.startsWith("0o")) {
                return new BigInteger(t.substring(2), 8);
            }
            return new BigInteger(t);
        } catch (NumberFormatException e) {
            // Only reachable with an explicit !!int tag on something that is not an integer.
            report(n, path, "'" + text + "' is not an integer");
            return null;
        }
    }

    private double number(Fields f, String key, Range range, double dflt) {
        Node n = f.value(key);
        if (n == null) {
            return dflt;
        }
        Double v = number(n, f.path(key), range, String.valueOf(dflt));
        return v == null ? dflt : v;
    }

    private Double number(Node n, String path, Range range, String dflt) {
        double value;
        if (isType(n, Tag.INT)) {
            BigInteger v = integer(n, path, dflt);
            if (v == null) {
                return null;
            }
            value = v.doubleValue();
        } else if (isType(n, Tag.FLOAT)) {
            String text = ((ScalarNode) n).getValue();
            String lower = text.toLowerCase(Locale.ROOT);
            if (lower.contains("inf") || lower.contains("nan")) {
                report(n, path, text + " is not a finite number; it must be " + range.text());
                return null;
            }
            try {
                value = Double.parseDouble(text);
            } catch (NumberFormatException e) {
                report(n, path, "'" + text + "' is not a number");
                return null;
            }
        } else {
            reportType(n, path, "a number " + range.text(), dflt);
            return null;
        }
        if (!range.contains(value)) {
            report(n, path, ((ScalarNode) n).getValue() + " is out of range; it must be " + range.text());
            return null;
        }
        return value;
    }

    private boolean bool(Fields f, String key, boolean dflt) {
        Node n = f.value(key);
        if (n == null) {
            return dflt;
        }
        if (!isType(n, Tag.BOOL)) {
            reportType(n, f.path(key), "true or false", String.valueOf(dflt));
            return dflt;
        }
        return ((ScalarNode) n).getValue().toLowerCase(Locale.ROOT).equals("true");
    }

    private <E> E choice(Fields f, String key, Map<String, E> allowed, E dflt) {
        Node n = f.value(key);
        if (n == null) {
            return dflt;
        }
        String dfltText = "inherited";
        for (Map.Entry<String, E> e : allowed.entrySet()) {
            if (e.getValue().equals(dflt)) {
                dfltText = e.getKey();
            }
        }
        String path = f.path(key);
        String list = String.join(", ", allowed.keySet());
        if (!isType(n, Tag.STR)) {
            reportType(n, path, "one of " + list, dfltText);
            return dflt;
        }
        String text = ((ScalarNode) n).getValue();
        E value = allowed.get(text);
        if (value == null) {
            String hint = "";
            if (allowed.containsKey(text.toLowerCase(Locale.ROOT))) {
                hint = " (values are lowercase: write '" + text.toLowerCase(Locale.ROOT) + "')";
            } else {
                Optional<String> close = Suggestions.closest(text, allowed.keySet());
                if (close.isPresent()) {
                    hint = "; did you mean '" + close.get() + "'?";
                }
            }
            report(n, path, "'" + text + "' is not allowed here; write one of " + list + hint);
            return dflt;
        }
        return value;
    }

    /**
     * A duration, in milliseconds, of at least {@code minMillis}.
     *
     * @see Durations
     */
    private long duration(Fields f, String key, long minMillis, long dflt) {
        Node n = f.value(key);
        if (n == null) {
            return dflt;
        }
        String path = f.path(key);
        long millis;
        try {
            if (isType(n, Tag.INT)) {
                BigInteger v = integer(n, path, Durations.format(dflt));
                if (v == null) {
                    return dflt;
                }
                millis = Durations.ofMillis(v, ((ScalarNode) n).getValue());
            } else if (isType(n, Tag.STR)) {
                millis = Durations.parse(((ScalarNode) n).getValue());
            } else if (isType(n, Tag.FLOAT)) {
                String text = ((ScalarNode) n).getValue();
                String example;
                try {
                    Durations.parse(text + "s");
                    example = text + "s";
                } catch (IllegalArgumentException e) {
                    example = Durations.EXAMPLES;
                }
                report(n, path, "'" + text + "' has no unit, and a bare number means whole milliseconds; write it"
                        + " with a unit, for example " + example);
                return dflt;
            } else {
                reportType(n, path, "a duration such as " + Durations.EXAMPLES, Durations.format(dflt));
                return dflt;
            }
        } catch (IllegalArgumentException e) {
            report(n, path, e.getMessage());
            return dflt;
        }
        if (millis < minMillis) {
            report(n, path, "'" + ((ScalarNode) n).getValue() + "' is too short; it must be "
                    + (minMillis == 1 ? "greater than 0" : "at least " + Durations.format(minMillis)));
            return dflt;
        }
        return millis;
    }

    /** A non-blank string. {@code dflt} is used when the key is absent; null means "optional, no default". */
    private String nonBlankText(Fields f, String key, String dflt) {
        Node n = f.value(key);
        if (n == null) {
            return dflt;
        }
        String text = text(n, f.path(key), dflt, "a string");
        if (text == null) {
            return dflt;
        }
        if (text.isBlank()) {
            report(n, f.path(key), "must not be blank");
            return dflt;
        }
        return text;
    }

    /**
     * The text of a scalar meant as a string. Plain numbers count as text ({@code dataDir: 2024}); a
     * boolean does not, since {@code name: true} is far more likely a slip than a saga named "true".
     */
    private String text(Node n, String path, String dflt, String expected) {
        if (n instanceof ScalarNode && (Tag.ENV_TAG.equals(n.getTag())
                || ((ScalarNode) n).isPlain() && ((ScalarNode) n).getValue().contains("${"))) {
            report(n, path, "'" + abbreviate(((ScalarNode) n).getValue()) + "' refers to an environment variable,"
                    + " but policies do not expand them; write the value itself, or quote it if you mean these"
                    + " characters");
            return null;
        }
        if (isType(n, Tag.STR) || isType(n, Tag.INT) || isType(n, Tag.FLOAT)) {
            return ((ScalarNode) n).getValue();
        }
        if (isType(n, Tag.BOOL)) {
            report(n, path, "expected " + expected + ", got " + describe(n) + "; quote it if you mean the text");
            return null;
        }
        reportType(n, path, expected, dflt);
        return null;
    }

    private Glob simpleGlob(Fields f, String key, String what) {
        Node n = f.value(key);
        String path = f.path(key);
        String text = text(n, path, null, what);
        if (text == null) {
            return null;
        }
        try {
            return Glob.simple(text);
        } catch (IllegalArgumentException e) {
            report(n, path, e.getMessage());
            return null;
        }
    }

    private MethodPattern methodPattern(Fields f, String key) {
        Node n = f.value(key);
        String path = f.path(key);
        String text = text(n, path, null, "a method pattern ClassGlob#methodGlob");
        if (text == null) {
            return null;
        }
        try {
            return MethodPattern.parse(text);
        } catch (IllegalArgumentException e) {
            report(n, path, e.getMessage());
            return null;
        }
    }

    private Glob simpleGlob(Fields f, String key) {
        Node n = f.value(key);
        String path = f.path(key);
        String text = text(n, path, null, "a glob");
        if (text == null) {
            return null;
        }
        try {
            return Glob.simple(text);
        } catch (IllegalArgumentException e) {
            report(n, path, e.getMessage());
            return null;
        }
    }

    private String annotation(Fields f, String key) {
        Node n = f.value(key);
        String path = f.path(key);
        String text = text(n, path, null, "an annotation's fully-qualified name");
        if (text == null) {
            return null;
        }
        if (text.startsWith("@") && Syntax.BINARY_NAME.matcher(text.substring(1)).matches()) {
            report(n, path, "write the annotation's name without '@': " + text.substring(1));
            return null;
        }
        if (!Syntax.BINARY_NAME.matcher(text).matches()) {
            report(n, path, "'" + text + "' is not a Java class name; write the annotation's fully-qualified name,"
                    + " for example dev.langchain4j.agent.tool.Tool");
            return null;
        }
        return text;
    }

    private String javaIdentifier(Fields f, String key) {
        Node n = f.value(key);
        String path = f.path(key);
        String text = text(n, path, null, "a method name");
        if (text == null) {
            return null;
        }
        boolean ok = !text.isEmpty() && !JAVA_RESERVED.contains(text);
        for (int i = 0; ok && i < text.length(); ) {
            int c = text.codePointAt(i);
            ok = (i == 0 ? Character.isJavaIdentifierStart(c) : Character.isJavaIdentifierPart(c))
                    && !Character.isIdentifierIgnorable(c);
            i += Character.charCount(c);
        }
        if (!ok) {
            report(n, path, "'" + text + "' is not a Java method name" + (text.contains("#") || text.contains(".")
                    ? "; name only the method, which must be in the same class as the step" : ""));
            return null;
        }
        return text;
    }

    /** Whether a required key is present; reports it at the entry when it is not. */
    private boolean required(Fields f, String key, String what) {
        if (f.has(key)) {
            return true;
        }
        report(f.node, f.path(key), "missing required key '" + key + "' (" + what + ")");
        return false;
    }

    /** Reports an entry whose pattern an earlier entry of the same list already has. */
    private boolean shadowed(Map<String, String> seen, String pattern, String path, Node at, String list, String why) {
        String first = seen.putIfAbsent(pattern, path + " at " + position(at));
        if (first == null) {
            return false;
        }
        report(at, path, "'" + pattern.replaceFirst("^(methods|annotatedWith|tools|aiService|agentic): ", "") + "' is already used by "
                + first + " in " + list + "; " + why + ", so this entry would never apply");
        return true;
    }

    // ---------------------------------------------------------------------------------------------
    // Structure

    /** The value of a list key: its entries, none when absent or null. */
    private List<Node> list(Fields f, String key) {
        Node n = f.value(key);
        if (n == null || isNull(n)) {
            return List.of();
        }
        if (!(n instanceof SequenceNode)) {
            reportType(n, f.path(key), "a list (entries start with '- ')", null);
            return List.of();
        }
        return ((SequenceNode) n).getValue();
    }

    /** One entry of a list of maps, or null (reported) if it is not a map. */
    private Fields entry(Node n, String path, String schemaPath, String expected) {
        if (!(n instanceof MappingNode)) {
            report(n, path, "expected " + expected + ", got " + describe(n));
            return null;
        }
        return new Fields(n, path, schemaPath);
    }

    private String keyText(Node keyNode, String parentPath) {
        if (!(keyNode instanceof ScalarNode)) {
            report(keyNode, parentPath, "a key must be a plain name, but this one is " + describe(keyNode));
            return null;
        }
        return ((ScalarNode) keyNode).getValue();
    }

    /**
     * A YAML map checked against the keys allowed at its place ({@link PolicyParser#KNOWN_KEYS}):
     * duplicates and unknown keys are reported when it is built; values are then taken by name.
     * {@link #done()} catches a known key that no reader took, which would be a parser bug that
     * silently ignores a setting.
     */
    private final class Fields {
        final Node node;
        final String path;
        final String schemaPath;
        private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
        private final Set<String> taken = new HashSet<>();

        Fields(Node node, String path, String schemaPath) {
            this.node = node;
            this.path = path;
            this.schemaPath = schemaPath;
            Set<String> known = PolicyParser.KNOWN_KEYS.get(schemaPath);
            if (known == null) {
                throw new IllegalStateException("no known keys for " + schemaPath);
            }
            if (!(node instanceof MappingNode)) {
                return;
            }
            for (NodeTuple tuple : ((MappingNode) node).getValue()) {
                String key = keyText(tuple.getKeyNode(), path);
                if (key == null) {
                    continue;
                }
                NodeTuple first = entries.get(key);
                if (first != null) {
                    report(tuple.getKeyNode(), path(key), "duplicate key '" + key + "' (first at "
                            + position(first.getKeyNode()) + ")");
                } else if (!known.contains(key)) {
                    report(tuple.getKeyNode(), path(key), unknownKey(key, known));
                } else {
                    entries.put(key, tuple);
                }
            }
        }

        private String unknownKey(String key, Set<String> known) {
            if (schemaPath.equals("trust.thresholds")) {
                return key.equals("3") ? "ring 3 needs no trust: it is always available, so it has no threshold"
                        : "unknown ring '" + key + "'; thresholds are set for rings 0, 1 and 2";
            }
            // A key that exists exactly elsewhere was most likely indented wrongly; say where it belongs
            // before guessing at a typo ('ring' at the top level is not a misspelt 'rings').
            List<String> elsewhere = PolicyParser.KNOWN_KEYS.entrySet().stream()
                    .filter(e -> e.getValue().contains(key) && !e.getKey().isEmpty())
                    .map(e -> e.getKey().replace(".*", ".<id>").replace("[]", "[n]"))
                    .collect(Collectors.toList());
            String where = schemaPath.isEmpty() ? "at the top level" : "here";
            if (!elsewhere.isEmpty()) {
                return "unknown key '" + key + "' " + where + "; '" + key + "' belongs under "
                        + String.join(", ", elsewhere) + " (check the indentation)";
            }
            Optional<String> close = Suggestions.closest(key, known);
            if (close.isPresent()) {
                return "unknown key '" + key + "'; did you mean '" + close.get() + "'?";
            }
            return "unknown key '" + key + "'; keys allowed " + where + ": " + String.join(", ", known);
        }

        boolean has(String key) {
            return entries.containsKey(key);
        }

        /** The value of {@code key}, or null when absent; marks the key as read. */
        Node value(String key) {
            taken.add(key);
            NodeTuple t = entries.get(key);
            return t == null ? null : t.getValueNode();
        }

        Node valueNode(String key) {
            NodeTuple t = entries.get(key);
            return t == null ? node : t.getValueNode();
        }

        Node keyNode(String key) {
            NodeTuple t = entries.get(key);
            return t == null ? null : t.getKeyNode();
        }

        String path(String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        /** A nested map; empty (all defaults) when absent, null, or reported as the wrong type. */
        Fields section(String key, String schemaPath) {
            Node n = value(key);
            if (n != null && !isNull(n) && !(n instanceof MappingNode)) {
                reportType(n, path(key), "a map", null);
                n = null;
            }
            return new Fields(n, path(key), schemaPath);
        }

        void done() {
            for (String key : entries.keySet()) {
                if (!taken.contains(key)) {
                    throw new IllegalStateException("policy parser bug: key '" + path(key) + "' was accepted but never read");
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Problems and positions

    private void reportType(Node n, String path, String expected, String dflt) {
        if (isNull(n)) {
            report(n, path, "has no value; write " + expected
                    + (dflt != null ? ", or remove the key to use the default (" + dflt + ")" : ""));
            return;
        }
        String hint = "";
        if (isType(n, Tag.STR) && Syntax.QUOTED_NUMBER.matcher(((ScalarNode) n).getValue()).matches()
                && (expected.contains("number") || expected.contains("integer") || expected.contains("duration"))) {
            hint = "; remove the quotes";
        } else if (isType(n, Tag.STR) && expected.equals("true or false")) {
            String v = ((ScalarNode) n).getValue().toLowerCase(Locale.ROOT);
            if (Set.of("yes", "no", "on", "off", "y", "n").contains(v)) {
                hint = "; policies use YAML 1.2, where only true and false are booleans";
            }
        }
        report(n, path, "expected " + expected + ", got " + describe(n) + hint);
    }

    private void report(Node at, String path, String message) {
        Mark mark = at == null ? null : at.getStartMark().orElse(null);
        int line = mark == null ? 1 : mark.getLine() + 1;
        int column = mark == null ? 1 : mark.getColumn() + 1;
        problems.add(new Problem(file, line, column, path, message));
    }

    private Location location(Node n) {
        Mark mark = n.getStartMark().orElse(null);
        return new Location(file, mark == null ? 1 : mark.getLine() + 1, mark == null ? 1 : mark.getColumn() + 1);
    }

    private static String position(Node n) {
        Mark mark = n.getStartMark().orElse(null);
        return mark == null ? "?" : "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
    }

    private static boolean isNull(Node n) {
        return n instanceof ScalarNode && Tag.NULL.equals(n.getTag());
    }

    private static boolean isType(Node n, Tag tag) {
        return n instanceof ScalarNode && tag.equals(n.getTag());
    }

    /** How a value reads in "expected …, got …". */
    static String describe(Node n) {
        if (n instanceof MappingNode) {
            return "a map";
        }
        if (n instanceof SequenceNode) {
            return "a list";
        }
        if (!(n instanceof ScalarNode)) {
            return "an unsupported YAML node";
        }
        String value = ((ScalarNode) n).getValue();
        Tag tag = n.getTag();
        if (Tag.NULL.equals(tag)) {
            return "nothing";
        }
        if (Tag.BOOL.equals(tag)) {
            return "the boolean " + value;
        }
        if (Tag.INT.equals(tag)) {
            return "the integer " + abbreviate(value);
        }
        if (Tag.FLOAT.equals(tag)) {
            return "the number " + abbreviate(value);
        }
        if (Tag.STR.equals(tag)) {
            return "the string '" + abbreviate(value) + "'";
        }
        if (Tag.ENV_TAG.equals(tag)) {
            return "the environment variable reference '" + abbreviate(value) + "' (not expanded in policies)";
        }
        return "a value tagged " + tag.getValue();
    }

    private static String abbreviate(String s) {
        String oneLine = s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
        return oneLine.length() <= 60 ? oneLine : oneLine.substring(0, 57) + "...";
    }

    private static <E extends Enum<E>> Map<String, E> choices(E[] values) {
        Map<String, E> map = new LinkedHashMap<>();
        for (E e : values) {
            map.put(e.name().toLowerCase(Locale.ROOT), e);
        }
        return Collections.unmodifiableMap(map);
    }

    /** A numeric interval with open or closed ends, and how to say it. */
    record Range(double min, boolean minOpen, double max, boolean maxOpen) {
        boolean contains(double v) {
            return (minOpen ? v > min : v >= min) && (maxOpen ? v < max : v <= max);
        }

        String text() {
            String lo = fmt(min);
            String hi = fmt(max);
            if (!minOpen && !maxOpen) {
                return "between " + lo + " and " + hi;
            }
            if (minOpen && !maxOpen) {
                return "greater than " + lo + " and at most " + hi;
            }
            if (!minOpen) {
                return "at least " + lo + " and less than " + hi;
            }
            return "strictly between " + lo + " and " + hi;
        }

        private static String fmt(double d) {
            return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
        }
    }
}
