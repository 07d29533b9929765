package org.agenthypervisor.core.policy;

import java.util.List;
import java.util.Map;

/**
 * One parsed and validated policy file (format {@code version: 1}). Immutable; every collection is
 * unmodifiable and every optional section is present with its defaults filled in.
 *
 * @param source          where it came from ("policies/demo.yaml", or "built-in default")
 * @param sha256          hex SHA-256 of the file's bytes, for audit records of loads and reloads
 * @param mode            enforce, audit or off
 * @param onInternalError deny (fail closed, the default) or allow
 * @param dataDir         the data directory as written (default {@code .agent-hypervisor}); relative
 *                        paths are resolved against the working directory by the runtime
 * @param host            the host's settings
 * @param agents          agents by id, in file order
 * @param rules           rules in file order
 * @param compensations   compensations named by the policy, in file order
 * @param sagas           saga boundaries named by the policy, in file order
 * @param trust           trust floors of the rings
 * @param liability       vouching, signing and slashing settings
 * @param saga            saga journal and rollback settings
 * @param sessions        shared-session settings
 * @param audit           audit log settings
 * @param frameworks      how LangChain4j, Spring AI and Reactor are governed
 * @param capabilities    what agents may do through the JDK, per ring and per agent
 */
public record Policy(
        String source,
        String sha256,
        Mode mode,
        OnInternalError onInternalError,
        String dataDir,
        HostSpec host,
        Map<String, AgentSpec> agents,
        List<RuleSpec> rules,
        List<CompensationSpec> compensations,
        List<SagaSpec> sagas,
        TrustSpec trust,
        LiabilitySpec liability,
        SagaSettings saga,
        SessionSettings sessions,
        AuditSettings audit,
        FrameworksSpec frameworks,
        CapabilitiesSpec capabilities,
        ObserveSpec observe,
        StoreSpec store,
        RateLimitsSpec rates,
        ElevationSpec elevation,
        ApprovalSpec approval) {

    /** A policy with the default {@code approval} section. */
    public Policy(String source, String sha256, Mode mode, OnInternalError onInternalError, String dataDir,
                  HostSpec host, Map<String, AgentSpec> agents, List<RuleSpec> rules,
                  List<CompensationSpec> compensations, List<SagaSpec> sagas, TrustSpec trust,
                  LiabilitySpec liability, SagaSettings saga, SessionSettings sessions, AuditSettings audit,
                  FrameworksSpec frameworks, CapabilitiesSpec capabilities, ObserveSpec observe, StoreSpec store,
                  RateLimitsSpec rates, ElevationSpec elevation) {
        this(source, sha256, mode, onInternalError, dataDir, host, agents, rules, compensations, sagas, trust,
                liability, saga, sessions, audit, frameworks, capabilities, observe, store, rates, elevation,
                ApprovalSpec.DEFAULTS);
    }

    /**
     * {@code approval:} how calls that a rule marks {@code approval: required} are approved (issue 15).
     *
     * @param timeoutMillis {@code approval.timeout}: how long such a call waits for a decision before it is
     *                      denied (60 s)
     * @param approver      {@code approval.approver}: the class name of an {@code org.agenthypervisor.api.Approver}
     *                      asked besides the operators, or null
     */
    public record ApprovalSpec(long timeoutMillis, String approver) {
        public static final ApprovalSpec DEFAULTS = new ApprovalSpec(60_000, null);
    }

    /** A policy with the default {@code elevation} section. */
    public Policy(String source, String sha256, Mode mode, OnInternalError onInternalError, String dataDir,
                  HostSpec host, Map<String, AgentSpec> agents, List<RuleSpec> rules,
                  List<CompensationSpec> compensations, List<SagaSpec> sagas, TrustSpec trust,
                  LiabilitySpec liability, SagaSettings saga, SessionSettings sessions, AuditSettings audit,
                  FrameworksSpec frameworks, CapabilitiesSpec capabilities, ObserveSpec observe, StoreSpec store,
                  RateLimitsSpec rates) {
        this(source, sha256, mode, onInternalError, dataDir, host, agents, rules, compensations, sagas, trust,
                liability, saga, sessions, audit, frameworks, capabilities, observe, store, rates, ElevationSpec.DEFAULTS,
                ApprovalSpec.DEFAULTS);
    }

    /**
     * {@code elevation:} what an operator may grant with {@code elevate} (issue 15).
     *
     * @param defaultTtlMillis {@code elevation.defaultTtl}: how long a grant lasts when the operator names no TTL
     *                         (5 minutes)
     * @param maxTtlMillis     {@code elevation.maxTtl}: the longest grant; a longer one is refused (1 hour)
     * @param allowRing0       {@code elevation.allowRing0}: whether ring 0 may be granted (false)
     */
    public record ElevationSpec(long defaultTtlMillis, long maxTtlMillis, boolean allowRing0) {
        public static final ElevationSpec DEFAULTS = new ElevationSpec(5 * 60_000, 60 * 60_000, false);
    }

    /** A policy without rate limits. */
    public Policy(String source, String sha256, Mode mode, OnInternalError onInternalError, String dataDir,
                  HostSpec host, Map<String, AgentSpec> agents, List<RuleSpec> rules,
                  List<CompensationSpec> compensations, List<SagaSpec> sagas, TrustSpec trust,
                  LiabilitySpec liability, SagaSettings saga, SessionSettings sessions, AuditSettings audit,
                  FrameworksSpec frameworks, CapabilitiesSpec capabilities, ObserveSpec observe, StoreSpec store) {
        this(source, sha256, mode, onInternalError, dataDir, host, agents, rules, compensations, sagas, trust,
                liability, saga, sessions, audit, frameworks, capabilities, observe, store, RateLimitsSpec.NONE);
    }

    /**
     * {@code rings.<n>.rate} and {@code agents.<id>.rate}: token buckets on what agents do.
     *
     * @param rings  per ring (1 to 3), limits each agent at that effective ring has on its own
     * @param agents per agent, limits of that agent (on top of its ring's)
     */
    public record RateLimitsSpec(Map<Integer, RateSpec> rings, Map<String, RateSpec> agents) {
        public static final RateLimitsSpec NONE = new RateLimitsSpec(Map.of(), Map.of());

        public boolean isEmpty() {
            return rings.isEmpty() && agents.isEmpty();
        }
    }

    /** One {@code rate} map: a limit (or null) for governed calls, framework tool calls and hand-offs. */
    public record RateSpec(RateLimit calls, RateLimit tools, RateLimit handoffs) {
    }

    /**
     * One token bucket as written.
     *
     * @param perSecond     the refill rate, in tokens a second ({@code 10/s}, {@code 30/min})
     * @param burst         the bucket's size (default: the rate per second rounded up, at least 1)
     * @param waits         {@code onLimit: wait} (true) or {@code refuse} (false, the default)
     * @param maxWaitMillis with {@code wait}, the longest a call waits before it is refused (default 1 s)
     * @param key           where it is written, e.g. {@code agents.support-bot.rate.calls}
     * @param rateText      the rate as written, e.g. {@code 10/s}
     */
    public record RateLimit(double perSecond, int burst, boolean waits, long maxWaitMillis, String key, String rateText,
                            Location location) {
        /** For messages: {@code agents.bot.rate.calls (10/s, burst 10)}. */
        public String describe() {
            return key + " (" + rateText + ", burst " + burst + (waits ? ", waits up to " + maxWaitMillis + " ms" : "") + ")";
        }
    }

    /** A policy that keeps its state in files under the data directory ({@code store: files}). */
    public Policy(String source, String sha256, Mode mode, OnInternalError onInternalError, String dataDir,
                  HostSpec host, Map<String, AgentSpec> agents, List<RuleSpec> rules,
                  List<CompensationSpec> compensations, List<SagaSpec> sagas, TrustSpec trust,
                  LiabilitySpec liability, SagaSettings saga, SessionSettings sessions, AuditSettings audit,
                  FrameworksSpec frameworks, CapabilitiesSpec capabilities, ObserveSpec observe) {
        this(source, sha256, mode, onInternalError, dataDir, host, agents, rules, compensations, sagas, trust,
                liability, saga, sessions, audit, frameworks, capabilities, observe, StoreSpec.FILES);
    }

    /** A policy with the default {@code observe} section. */
    public Policy(String source, String sha256, Mode mode, OnInternalError onInternalError, String dataDir,
                  HostSpec host, Map<String, AgentSpec> agents, List<RuleSpec> rules,
                  List<CompensationSpec> compensations, List<SagaSpec> sagas, TrustSpec trust,
                  LiabilitySpec liability, SagaSettings saga, SessionSettings sessions, AuditSettings audit,
                  FrameworksSpec frameworks, CapabilitiesSpec capabilities) {
        this(source, sha256, mode, onInternalError, dataDir, host, agents, rules, compensations, sagas, trust,
                liability, saga, sessions, audit, frameworks, capabilities, ObserveSpec.DEFAULTS);
    }

    /**
     * {@code observe:} what the hypervisor tells the application's observability tools.
     *
     * @param openTelemetry {@code observe.opentelemetry}: {@code auto} (default: span events and metrics when the
     *                      application has the OpenTelemetry API) or {@code off}
     */
    public record ObserveSpec(boolean openTelemetry) {
        public static final ObserveSpec DEFAULTS = new ObserveSpec(true);
    }

    /** A policy with the built-in capability defaults. */
    public Policy(String source, String sha256, Mode mode, OnInternalError onInternalError, String dataDir,
                  HostSpec host, Map<String, AgentSpec> agents, List<RuleSpec> rules,
                  List<CompensationSpec> compensations, List<SagaSpec> sagas, TrustSpec trust,
                  LiabilitySpec liability, SagaSettings saga, SessionSettings sessions, AuditSettings audit,
                  FrameworksSpec frameworks) {
        this(source, sha256, mode, onInternalError, dataDir, host, agents, rules, compensations, sagas, trust,
                liability, saga, sessions, audit, frameworks, CapabilitiesSpec.DEFAULTS);
    }

    /** A policy with the default {@code frameworks} section. */
    public Policy(String source, String sha256, Mode mode, OnInternalError onInternalError, String dataDir,
                  HostSpec host, Map<String, AgentSpec> agents, List<RuleSpec> rules,
                  List<CompensationSpec> compensations, List<SagaSpec> sagas, TrustSpec trust,
                  LiabilitySpec liability, SagaSettings saga, SessionSettings sessions, AuditSettings audit) {
        this(source, sha256, mode, onInternalError, dataDir, host, agents, rules, compensations, sagas, trust,
                liability, saga, sessions, audit, FrameworksSpec.DEFAULTS);
    }

    /**
     * This policy with another mode and data directory (the agent options' overrides), every other
     * section as it is. Through the canonical constructor, so a section added to the record later
     * cannot be dropped here (a copy through a shorter constructor once reset the capabilities).
     */
    public Policy withModeAndDataDir(Mode newMode, String newDataDir) {
        return new Policy(source, sha256, newMode, onInternalError, newDataDir, host, agents, rules, compensations, sagas,
                trust, liability, saga, sessions, audit, frameworks, capabilities, observe, store, rates);
    }

    /** The data directory when the policy names none. */
    public static final String DEFAULT_DATA_DIR = ".agent-hypervisor";

    /** {@code mode:} */
    public enum Mode { ENFORCE, AUDIT, OFF }

    /** {@code onInternalError:} */
    public enum OnInternalError { DENY, ALLOW }

    /** {@code audit.onWriteFailure}: what governed calls that must be audited do once the audit log cannot write. */
    public enum OnWriteFailure { DENY, CONTINUE }

    /** Where a value was written, for messages that point back into the file (1-based). */
    public record Location(String file, int line, int column) {
        @Override
        public String toString() {
            return file + ":" + line + ":" + column;
        }
    }

    /** {@code host: {ring}}; ring default 0. */
    public record HostSpec(int ring) {
    }

    /**
     * {@code agents.<id>}.
     *
     * @param id       matches {@code [a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?}; "host" is reserved
     * @param classes  class globs bound to the agent (may be empty: bound by {@code @Agent} only)
     * @param ring     granted ring, default 3
     * @param trust    initial trust, default 1.0
     * @param minTrust minimum trust of a sender and its chain for hand-offs into this agent, default 0.5
     * @param aiServices   LangChain4j AI-service interface globs bound to the agent (may be empty)
     * @param agenticNames langchain4j-agentic agent name globs bound to the agent (may be empty)
     * @param onDenial     what a denied framework tool call of this agent does, or null for
     *                     {@code frameworks.onDenial}
     * @param codeSource   where this agent's classes must come from: path globs of jars or directories,
     *                     or {@code sha256:<hex>} of a jar (empty: anywhere)
     */
    public record AgentSpec(String id, List<Glob> classes, int ring, double trust, double minTrust,
                            Location location, List<Glob> aiServices, List<Glob> agenticNames, OnDenial onDenial,
                            List<String> codeSource) {
        public AgentSpec(String id, List<Glob> classes, int ring, double trust, double minTrust, Location location) {
            this(id, classes, ring, trust, minTrust, location, List.of(), List.of(), null);
        }

        /** An agent not pinned to a code source. */
        public AgentSpec(String id, List<Glob> classes, int ring, double trust, double minTrust,
                         Location location, List<Glob> aiServices, List<Glob> agenticNames, OnDenial onDenial) {
            this(id, classes, ring, trust, minTrust, location, aiServices, agenticNames, onDenial, List.of());
        }
    }

    /**
     * {@code rings.<n>.capabilities} and {@code agents.<id>.capabilities}: what agents may do through
     * the JDK (docs/capabilities.md). Keys are capability names ({@code network.connect}, ...).
     *
     * @param rings  per ring (1 to 3), the capabilities that replace the built-in defaults of that ring
     * @param agents per agent, grants added to (or, with {@code false}, taken from) its ring's defaults
     */
    public record CapabilitiesSpec(Map<Integer, Map<String, CapabilityGrant>> rings,
                                   Map<String, Map<String, CapabilityGrant>> agents) {
        public static final CapabilitiesSpec DEFAULTS = new CapabilitiesSpec(Map.of(), Map.of());
    }

    /**
     * One capability as written: {@code true} (every target), {@code false} (none), or a list of
     * patterns ({@code value} null).
     */
    public record CapabilityGrant(Boolean value, List<String> patterns, Location location) {
    }

    /** {@code frameworks.onDenial}: what a denied framework tool call does. */
    public enum OnDenial {
        /** The model reads a short tool error and the run goes on. */
        TELL_MODEL,
        /** The AI-service or ChatClient call ends with the {@code RingViolationException}. */
        ABORT
    }

    /**
     * {@code frameworks}.
     *
     * @param onDenial         default {@code tell-model}
     * @param unidentifiedRing ring of a framework tool call made outside every agent, default 3
     * @param offerDeniedTools whether the model is offered tools its agent may not call, default true
     * @param langchain4j      whether the LangChain4j integration is on, default true
     * @param springAi         whether the Spring AI integration is on, default true
     * @param reactor          whether Reactor assembly-time context capture is on, default true
     */
    public record FrameworksSpec(OnDenial onDenial, int unidentifiedRing, boolean offerDeniedTools, boolean langchain4j,
                                 boolean springAi, boolean reactor) {
        public static final FrameworksSpec DEFAULTS = new FrameworksSpec(OnDenial.TELL_MODEL, 3, true, true, true, true);
    }

    /**
     * One entry of {@code rules}: governs code that carries no annotation. Exactly one of
     * {@code methods} and {@code annotatedWith} is set.
     *
     * @param index         0-based position in {@code rules}, for messages ("policy rule #2")
     * @param methods       a method pattern {@code ClassGlob#methodGlob}, or null
     * @param annotatedWith a fully-qualified annotation name, or null
     * @param ring          the required ring, or null when the rule sets none
     * @param handoff       whether calls into the matched methods are hand-offs even when not public
     * @param partial       whether the matched methods are "partial" actions (risk weight 0.65)
     * @param tools         a glob on tool names as the model sees them, or null
     * @param approval      {@code approval: required}: each call waits for an approver (issue 15)
     */
    public record RuleSpec(int index, MethodPattern methods, String annotatedWith, Integer ring,
                           boolean handoff, boolean partial, Location location, Glob tools, boolean approval) {
        /** A rule without {@code approval: required}. */
        public RuleSpec(int index, MethodPattern methods, String annotatedWith, Integer ring, boolean handoff,
                        boolean partial, Location location, Glob tools) {
            this(index, methods, annotatedWith, ring, handoff, partial, location, tools, false);
        }

        public RuleSpec(int index, MethodPattern methods, String annotatedWith, Integer ring, boolean handoff,
                        boolean partial, Location location) {
            this(index, methods, annotatedWith, ring, handoff, partial, location, null);
        }

        /** How the rule reads in messages: "policy rule #3 (methods: com.acme.Db#execute*)". */
        public String describe() {
            return "policy rule #" + (index + 1) + " (" + selector() + ")";
        }

        /** What the rule selects: "methods: …", "annotatedWith: …" or "tools: …". */
        public String selector() {
            return methods != null ? "methods: " + methods.pattern()
                    : annotatedWith != null ? "annotatedWith: " + annotatedWith : "tools: " + tools.pattern();
        }
    }

    /**
     * One entry of {@code compensations}: makes a method a compensable step without annotating it.
     *
     * @param method            the step, {@code ClassGlob#methodGlob}
     * @param compensate        the compensating method's name, in the same class
     * @param compensateInDoubt whether compensating an in-doubt step is safe (default false)
     */
    public record CompensationSpec(int index, MethodPattern method, String compensate, boolean compensateInDoubt,
                                   Location location) {
    }

    /**
     * One entry of {@code sagas}: makes methods saga boundaries without annotating them.
     *
     * @param methods   {@code ClassGlob#methodGlob} of class methods, or null
     * @param name      optional saga name; null means {@code Class#method} (or the agentic agent's name)
     * @param aiService {@code InterfaceGlob#methodGlob} of LangChain4j AI-service methods, or null
     * @param agentic   a glob on langchain4j-agentic agent names, or null
     */
    public record SagaSpec(int index, MethodPattern methods, String name, Location location, MethodPattern aiService,
                           Glob agentic) {
        public SagaSpec(int index, MethodPattern methods, String name, Location location) {
            this(index, methods, name, location, null, null);
        }

        /** What the entry selects, for messages. */
        public String selector() {
            return methods != null ? "methods: " + methods.pattern()
                    : aiService != null ? "aiService: " + aiService.pattern() : "agentic: " + agentic.pattern();
        }
    }

    /**
     * {@code trust.thresholds}: ring r is available to an agent only while its trust is strictly
     * above {@code floor(r)}. Ring 3 needs nothing. Defaults 0.95, 0.95, 0.60 for rings 0, 1, 2.
     */
    public record TrustSpec(double ring0, double ring1, double ring2) {
        /** The floor of ring r (0 for ring 3, which needs nothing). */
        public double floor(int ring) {
            switch (ring) {
                case 0: return ring0;
                case 1: return ring1;
                case 2: return ring2;
                default: return 0.0;
            }
        }
    }

    /** {@code liability.signing} */
    public enum Signing { BATCHED, EACH }

    /**
     * {@code liability}.
     *
     * @param signing                 batched (default; covered by signed tree heads) or each
     * @param keysDir                 where agent keys live; null = {@code <dataDir>/keys}
     * @param ringViolationSeverity   a fixed severity of a ring violation for the violator; NaN (the default):
     *                                graded by {@link BreachSpec}
     * @param riskCompensable         risk weight of an action that has a compensation, default 0.2
     * @param riskPartial             risk weight of an action the policy marks partial, default 0.65
     * @param riskDefault             risk weight of any other action, default 0.95
     * @param floor                   lowest score a chain slash can leave, default 0.05
     * @param decay                   attenuation per hop beyond distance 1, default 0.5
     * @param maxDepth                deepest distance slashed; 0 = unlimited (default)
     * @param recovery                trust recovery, or null for none (default)
     * @param refusedHandoffSeverity  when &gt; 0, a refused hand-off is an anomaly of that severity
     *                                for the sender's chain (default 0: off)
     * @param stepFailureSeverity     when &gt; 0, a saga step that throws is an anomaly of that
     *                                severity for the step's chain (default 0: off)
     * @param compensationFailureSeverity severity for the step's agent (the actor) when a saga
     *                                step's compensation finally fails (default 1.0; 0: off)
     * @param retentionMillis         {@code liability.retention}: trust ledger records older than this
     *                                (and covered by the snapshot) leave the live ledger, default 90 days
     * @param archive                 {@code liability.archive}: what happens to them, default keep
     * @param breach                  {@code liability.breach}: graded breach detection and its circuit breaker
     */
    public record LiabilitySpec(Signing signing, String keysDir, double ringViolationSeverity,
                                double riskCompensable, double riskPartial, double riskDefault,
                                double floor, double decay, int maxDepth, Recovery recovery,
                                double refusedHandoffSeverity, double stepFailureSeverity,
                                double compensationFailureSeverity, long retentionMillis, Archive archive,
                                BreachSpec breach) {
        /** The default {@code liability.retention}: 90 days. */
        public static final long DEFAULT_RETENTION_MILLIS = 90L * 24 * 60 * 60 * 1000;

        /** Without a {@code breach} section: the default grading. */
        public LiabilitySpec(Signing signing, String keysDir, double ringViolationSeverity,
                             double riskCompensable, double riskPartial, double riskDefault,
                             double floor, double decay, int maxDepth, Recovery recovery,
                             double refusedHandoffSeverity, double stepFailureSeverity,
                             double compensationFailureSeverity, long retentionMillis, Archive archive) {
            this(signing, keysDir, ringViolationSeverity, riskCompensable, riskPartial, riskDefault, floor, decay,
                    maxDepth, recovery, refusedHandoffSeverity, stepFailureSeverity, compensationFailureSeverity,
                    retentionMillis, archive, BreachSpec.DEFAULTS);
        }

        /**
         * Whether a ring violation's severity follows the breach grade: {@code ringViolationSeverity}
         * is not set (NaN). When it is set, it overrides the grading with one fixed severity.
         */
        public boolean graded() {
            return Double.isNaN(ringViolationSeverity);
        }
    }

    /**
     * {@code liability.breach}: graded breach detection. Per agent, a sliding window of
     * {@code windowMillis}; the share of its calls above its effective ring (denied calls over the
     * larger of the calls seen and {@code minCalls}) grades the breach at the thresholds; the slash
     * severity follows the grade (unless {@code ringViolationSeverity} overrides it), and high or
     * critical quarantines the agent for {@code cooldownMillis}.
     */
    public record BreachSpec(long windowMillis, int minCalls, double low, double medium, double high, double critical,
                             double severityNone, double severityLow, double severityMedium, double severityHigh,
                             double severityCritical, long cooldownMillis) {
        /** The reference's 30/50/70/90 % over 60 s; 10 calls at least; severities 0.05 to 0.9; 5 minutes. */
        public static final BreachSpec DEFAULTS = new BreachSpec(60_000, 10, 0.3, 0.5, 0.7, 0.9,
                0.05, 0.1, 0.25, 0.5, 0.9, 5 * 60_000);

        /** The slash severity of a grade. */
        public double severity(org.agenthypervisor.core.breach.Grade grade) {
            switch (grade) {
                case LOW: return severityLow;
                case MEDIUM: return severityMedium;
                case HIGH: return severityHigh;
                case CRITICAL: return severityCritical;
                default: return severityNone;
            }
        }
    }

    /**
     * {@code liability.archive}: {@code keep} moves retired trust ledger segments to
     * {@code <dataDir>/trust/archive} (history stays readable); {@code delete} removes them.
     */
    public enum Archive { KEEP, DELETE }

    /**
     * {@code liability.recovery}: every {@code everyMillis}, each agent's trust rises by {@code rate}
     * up to its initial trust.
     */
    public record Recovery(double rate, long everyMillis) {
    }

    /** Durability of a journal or log: force each record, group commit, or leave it to the OS. */
    public enum Durability { FSYNC, BATCH, NONE }

    /**
     * {@code saga}.
     *
     * @param durability       journal durability, default fsync
     * @param retries          retries of a failing compensation after the first try, default 3
     * @param backoffMillis    delay before the first retry, default 50 ms; doubles each retry
     * @param maxBackoffMillis cap of the delay, default 2000 ms
     * @param recoverOnStart   recover unfinished sagas when the agent starts, default true
     * @param retentionMillis  how long a finished saga stays in the live journal, default 7 days (168h)
     * @param archive          what compaction does with the segments finished sagas leave, default keep
     */
    public record SagaSettings(Durability durability, int retries, long backoffMillis, long maxBackoffMillis,
                               boolean recoverOnStart, long retentionMillis, Archive archive) {
        public static final long DEFAULT_RETENTION_MILLIS = 7L * 24 * 3_600_000;

        /** With the default retention and archive. */
        public SagaSettings(Durability durability, int retries, long backoffMillis, long maxBackoffMillis,
                            boolean recoverOnStart) {
            this(durability, retries, backoffMillis, maxBackoffMillis, recoverOnStart, DEFAULT_RETENTION_MILLIS,
                    Archive.KEEP);
        }
    }

    /**
     * {@code sessions}.
     *
     * @param minTrust        default minimum trust to join, 0.5
     * @param maxParticipants default maximum number of agents, 16
     * @param keys            ring protection of state keys, first match wins
     * @param named           per-name overrides of the defaults, first match wins
     */
    /**
     * {@code sessions}. {@code readsWhileQuarantined}: whether a quarantined or killed agent may still
     * read the state of its sessions (never write it); default false.
     */
    public record SessionSettings(double minTrust, int maxParticipants, List<KeyProtection> keys,
                                  List<NamedSession> named, boolean readsWhileQuarantined) {
        public SessionSettings(double minTrust, int maxParticipants, List<KeyProtection> keys, List<NamedSession> named) {
            this(minTrust, maxParticipants, keys, named, false);
        }
    }

    /** {@code sessions.keys[]}: keys matching the glob need these rings to read and to write. */
    public record KeyProtection(Glob key, int readRing, int writeRing, Location location) {
    }

    /** {@code sessions.named[]}: overrides for sessions whose name matches the glob. */
    public record NamedSession(Glob name, double minTrust, int maxParticipants, Location location) {
    }

    /**
     * {@code audit}.
     *
     * @param durability         default batch
     * @param flushMillis        bounded delay of a batch flush, default 10 ms
     * @param treeHeadEvery      sign a tree head every N records, default 1000
     * @param treeHeadMillis     and at least every T ms when records arrived, default 5000
     * @param onWriteFailure     once the log cannot write: refuse the calls that must be audited (deny,
     *                           the default) or run them and count every lost record (continue)
     * @param retentionMillis    {@code audit.retention}: segments whose records are all older are archived;
     *                           0 (the default) keeps everything live
     * @param archive            {@code audit.archive}: where archived segments go, or null for
     *                           {@code <dataDir>/audit/archive}
     */
    public record AuditSettings(Durability durability, long flushMillis, int treeHeadEvery, long treeHeadMillis,
                                OnWriteFailure onWriteFailure, long retentionMillis, String archive) {
        public AuditSettings {
            if (onWriteFailure == null) {
                onWriteFailure = OnWriteFailure.DENY;
            }
            if (retentionMillis < 0) {
                throw new IllegalArgumentException("audit.retention " + retentionMillis + " ms < 0");
            }
        }

        /** Keeping every record live. */
        public AuditSettings(Durability durability, long flushMillis, int treeHeadEvery, long treeHeadMillis,
                             OnWriteFailure onWriteFailure) {
            this(durability, flushMillis, treeHeadEvery, treeHeadMillis, onWriteFailure, 0, null);
        }

        /** With the default {@code onWriteFailure: deny}. */
        public AuditSettings(Durability durability, long flushMillis, int treeHeadEvery, long treeHeadMillis) {
            this(durability, flushMillis, treeHeadEvery, treeHeadMillis, OnWriteFailure.DENY);
        }
    }

    /** {@code store.postgres.onUnavailable}: what a JVM does when the database cannot be reached at start. */
    public enum OnUnavailable { FAIL, FILES }

    /**
     * {@code store:} where the trust ledger (and, later, the saga journal and audit log) live.
     *
     * @param postgres null for {@code store: files} (the default: record logs under the data directory)
     */
    public record StoreSpec(PostgresStoreSpec postgres) {
        public static final StoreSpec FILES = new StoreSpec(null);

        public boolean files() {
            return postgres == null;
        }
    }

    /**
     * {@code store.postgres}: a shared PostgreSQL database. The password is never in the policy:
     * {@code passwordEnv} names the environment variable that holds it (null: no password).
     *
     * @param url           {@code jdbc:postgresql://host:port/database}
     * @param schema        the schema the hypervisor's tables live in (created if missing)
     * @param pool          connections a JVM may hold for writes
     * @param onUnavailable a database down at start: stop the JVM (fail) or run on local files
     * @param location      where {@code postgres:} was written, for messages
     */
    public record PostgresStoreSpec(String url, String user, String passwordEnv, String schema, int pool,
                                    OnUnavailable onUnavailable, Location location, long sagaLeaseMillis) {
        public static final String DEFAULT_SCHEMA = "agent_hypervisor";
        /** {@code store.postgres.sagaLease}: how long a JVM owns its sagas without renewing (renewed every third). */
        public static final long DEFAULT_SAGA_LEASE_MILLIS = 10_000;

        /** With the default saga lease. */
        public PostgresStoreSpec(String url, String user, String passwordEnv, String schema, int pool,
                                 OnUnavailable onUnavailable, Location location) {
            this(url, user, passwordEnv, schema, pool, onUnavailable, location, DEFAULT_SAGA_LEASE_MILLIS);
        }
    }
}
