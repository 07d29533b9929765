package org.agenthypervisor.core.policy;

import static org.agenthypervisor.core.policy.PolicyTesting.FILE;
import static org.agenthypervisor.core.policy.PolicyTesting.parse;
import static org.agenthypervisor.core.policy.PolicyTesting.problem;
import org.agenthypervisor.core.policy.PolicyException.Problem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.agenthypervisor.core.policy.Policy.AgentSpec;
import org.agenthypervisor.core.policy.Policy.AuditSettings;
import org.agenthypervisor.core.policy.Policy.CompensationSpec;
import org.agenthypervisor.core.policy.Policy.Durability;
import org.agenthypervisor.core.policy.Policy.FrameworksSpec;
import org.agenthypervisor.core.policy.Policy.HostSpec;
import org.agenthypervisor.core.policy.Policy.KeyProtection;
import org.agenthypervisor.core.policy.Policy.LiabilitySpec;
import org.agenthypervisor.core.policy.Policy.Location;
import org.agenthypervisor.core.policy.Policy.Mode;
import org.agenthypervisor.core.policy.Policy.NamedSession;
import org.agenthypervisor.core.policy.Policy.OnDenial;
import org.agenthypervisor.core.policy.Policy.OnInternalError;
import org.agenthypervisor.core.policy.Policy.Recovery;
import org.agenthypervisor.core.policy.Policy.RuleSpec;
import org.agenthypervisor.core.policy.Policy.SagaSettings;
import org.agenthypervisor.core.policy.Policy.SagaSpec;
import org.agenthypervisor.core.policy.Policy.SessionSettings;
import org.agenthypervisor.core.policy.Policy.Signing;
import org.agenthypervisor.core.policy.Policy.TrustSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Valid policies: defaults, every key, and the finer points of the format. */
class PolicyParserTest {

    /** A policy that sets every key to something other than its default. */
    static final String EVERY_KEY = """
            version: 1
            mode: audit
            onInternalError: allow
            dataDir: /var/lib/hypervisor
            host:
              ring: 1
            agents:
              support-bot:
                classes: com.acme.support.**
                ring: 3
                trust: 0.9
                minTrust: 0.7
              billing:
                classes:
                  - com.acme.billing.*
                  - com.acme.Invoice
                ring: 2
                trust: 1
                minTrust: 0
              idle: {capabilities: {network.connect: ["api.openai.com:443", "*.internal:8000-8100"], network.listen: [8080], files.read: ["./kb/**", "~/.cache/*.bin"], files.write: false, process.start: true, exit: false, native: false, env.read: "OPENAI_*", threads.modify: false, reflection.private: false}, codeSource: ["./build/classes/**", "sha256:abababababababababababababababababababababababababababababababab"], rate: {calls: {rate: 10/s, burst: 20}, tools: {rate: 30/min, onLimit: wait, maxWait: 2s}, handoffs: {rate: 1/s}}}
              assistant:
                aiServices:
                  - com.acme.lc.SupportAssistant
                  - com.acme.lc.*Desk
                agenticNames: credit*
            rules:
              - methods: "com.acme.Db#execute*"
                ring: 0
                approval: required
              - annotatedWith: dev.langchain4j.agent.tool.Tool
                ring: 2
                handoff: true
                partial: true
              - methods: "com.acme.billing.Ledger#<init>"
                handoff: true
              - tools: "deleteAll*"
                ring: 0
            compensations:
              - method: "com.acme.Payments#charge"
                compensate: refund
                compensateInDoubt: true
              - method: "com.acme.Mail#send"
                compensate: recall
            sagas:
              - methods: "com.acme.Checkout#place*"
                name: checkout
              - methods: "com.acme.Returns#process"
              - aiService: "com.acme.lc.TransferAssistant#transfer*"
                name: transfer
              - agentic: "refund-*"
            trust:
              thresholds:
                0: 0.99
                "1": 0.9
                2: 0.5
            liability:
              signing: each
              keysDir: /etc/hypervisor/keys
              ringViolationSeverity: 0.5
              riskWeights:
                compensable: 0.1
                partial: 0.5
                default: 0.9
              floor: 0.0
              decay: 1
              maxDepth: 4
              recovery:
                rate: 0.05
                every: 1h
              anomalies:
                refusedHandoff: 0.3
                stepFailure: 0.1
                compensationFailure: 0.4
              retention: 720h
              archive: delete
              breach: {window: 30s, minCalls: 5, thresholds: {low: 0.2, medium: 0.4, high: 0.6, critical: 0.8}, severity: {none: 0.01, low: 0.02, medium: 0.3, high: 0.6, critical: 1}, cooldown: 2m}
            saga:
              durability: none
              retries: 0
              backoff: 1.5s
              maxBackoff: 1m
              recoverOnStart: false
              retention: 36h
              archive: delete
            sessions:
              named:
                - name: "refund-*"
                  minTrust: 0.8
                - name: "bulk-?"
                  maxParticipants: 100
              minTrust: 0.6
              maxParticipants: 8
              readsWhileQuarantined: true
              keys:
                - key: "ledger.*"
                  readRing: 2
                  writeRing: 1
                - key: "notes"
            audit:
              durability: fsync
              flushInterval: 250
              treeHeadEvery: 1
              treeHeadInterval: 2m
              onWriteFailure: continue
              retention: 2160h
              archive: /var/lib/hypervisor-archive/audit
            frameworks:
              onDenial: abort
              unidentifiedRing: 2
              offerDeniedTools: false
              langchain4j: false
              springAi: false
              reactor: false
            rings:
              "2":
                capabilities:
                  files.read: ["./**", "/srv/shared/**"]
              3:
                capabilities:
                  network.connect: []
                rate: {calls: {rate: 5/s}}
            observe:
              opentelemetry: off
            store:
              postgres:
                url: jdbc:postgresql://db:5432/desk
                user: hypervisor
                passwordEnv: HYPERVISOR_DB_PASSWORD
                schema: desk
                pool: 8
                onUnavailable: files
                sagaLease: 20s
            elevation:
              defaultTtl: 2m
              maxTtl: 15m
              allowRing0: true
            approval:
              timeout: 90s
              approver: com.acme.desk.TicketApprover
            """;

    @Test
    void everyKey() {
        Policy p = parse(EVERY_KEY);
        assertFalse(p.observe().openTelemetry(), "observe.opentelemetry: off");
        assertEquals(new Policy.ElevationSpec(120_000, 900_000, true), p.elevation());
        assertEquals(new Policy.ApprovalSpec(90_000, "com.acme.desk.TicketApprover"), p.approval());
        assertEquals(new Policy.ApprovalSpec(60_000, null), PolicyParser.defaults().approval());
        assertEquals(new Policy.ElevationSpec(300_000, 3_600_000, false), PolicyParser.defaults().elevation());
        assertTrue(PolicyParser.defaults().observe().openTelemetry(), "auto by default");
        assertEquals("agents.idle.rate.tools (30/min, burst 1, waits up to 2000 ms)",
                p.rates().agents().get("idle").tools().describe());
        assertEquals("rings.3.rate.calls (5/s, burst 5)", p.rates().rings().get(3).calls().describe());
        Map<String, Policy.CapabilityGrant> idle = p.capabilities().agents().get("idle");
        assertEquals(List.of("api.openai.com:443", "*.internal:8000-8100"), idle.get("network.connect").patterns());
        assertEquals(Boolean.TRUE, idle.get("process.start").value());
        assertEquals(Boolean.FALSE, idle.get("files.write").value());
        assertEquals(List.of("OPENAI_*"), idle.get("env.read").patterns());
        assertEquals(List.of("./**", "/srv/shared/**"), p.capabilities().rings().get(2).get("files.read").patterns());
        assertEquals(List.of(), p.capabilities().rings().get(3).get("network.connect").patterns());
        assertEquals(FILE, p.source());
        assertEquals(PolicyParser.sha256(EVERY_KEY.getBytes(StandardCharsets.UTF_8)), p.sha256());
        assertEquals(Mode.AUDIT, p.mode());
        assertEquals(OnInternalError.ALLOW, p.onInternalError());
        assertEquals("/var/lib/hypervisor", p.dataDir());
        assertEquals(new HostSpec(1), p.host());

        assertEquals(List.of("support-bot", "billing", "idle", "assistant"), List.copyOf(p.agents().keySet()));
        assertEquals(new AgentSpec("support-bot", List.of(Glob.classGlob("com.acme.support.**")), 3, 0.9, 0.7,
                new Location(FILE, 8, 3)), p.agents().get("support-bot"));
        assertEquals(new AgentSpec("billing", List.of(Glob.classGlob("com.acme.billing.*"),
                Glob.classGlob("com.acme.Invoice")), 2, 1.0, 0.0, new Location(FILE, 13, 3)), p.agents().get("billing"));
        assertEquals(new AgentSpec("idle", List.of(), 3, 1.0, 0.5, new Location(FILE, 20, 3), List.of(), List.of(), null,
                List.of("./build/classes/**", "sha256:abababababababababababababababababababababababababababababababab")), p.agents().get("idle"));
        // agents.<id>.onDenial is covered by perAgentOnDenial.
        assertEquals(new AgentSpec("assistant", List.of(), 3, 1.0, 0.5, new Location(FILE, 21, 3),
                List.of(Glob.classGlob("com.acme.lc.SupportAssistant"), Glob.classGlob("com.acme.lc.*Desk")),
                List.of(Glob.simple("credit*")), null), p.agents().get("assistant"));

        assertEquals(List.of(
                new RuleSpec(0, MethodPattern.parse("com.acme.Db#execute*"), null, 0, false, false, new Location(FILE, 27, 5),
                        null, true),
                new RuleSpec(1, null, "dev.langchain4j.agent.tool.Tool", 2, true, true, new Location(FILE, 30, 5)),
                new RuleSpec(2, MethodPattern.parse("com.acme.billing.Ledger#<init>"), null, null, true, false,
                        new Location(FILE, 34, 5)),
                new RuleSpec(3, null, null, 0, false, false, new Location(FILE, 36, 5), Glob.simple("deleteAll*"))),
                p.rules());
        assertEquals(List.of(
                new CompensationSpec(0, MethodPattern.parse("com.acme.Payments#charge"), "refund", true,
                        new Location(FILE, 39, 5)),
                new CompensationSpec(1, MethodPattern.parse("com.acme.Mail#send"), "recall", false,
                        new Location(FILE, 42, 5))),
                p.compensations());
        assertEquals(List.of(
                new SagaSpec(0, MethodPattern.parse("com.acme.Checkout#place*"), "checkout", new Location(FILE, 45, 5)),
                new SagaSpec(1, MethodPattern.parse("com.acme.Returns#process"), null, new Location(FILE, 47, 5)),
                new SagaSpec(2, null, "transfer", new Location(FILE, 48, 5),
                        MethodPattern.parse("com.acme.lc.TransferAssistant#transfer*"), null),
                new SagaSpec(3, null, null, new Location(FILE, 50, 5), null, Glob.simple("refund-*"))),
                p.sagas());
        assertEquals(new TrustSpec(0.99, 0.9, 0.5), p.trust());
        assertEquals(new LiabilitySpec(Signing.EACH, "/etc/hypervisor/keys", 0.5, 0.1, 0.5, 0.9, 0.0, 1.0, 4,
                new Recovery(0.05, 3_600_000), 0.3, 0.1, 0.4, 30L * 24 * 3_600_000, Policy.Archive.DELETE,
                new Policy.BreachSpec(30_000, 5, 0.2, 0.4, 0.6, 0.8, 0.01, 0.02, 0.3, 0.6, 1.0, 120_000)), p.liability());
        assertEquals(new SagaSettings(Durability.NONE, 0, 1_500, 60_000, false, 36 * 3_600_000L, Policy.Archive.DELETE),
                p.saga());
        assertEquals(new SessionSettings(0.6, 8,
                List.of(new KeyProtection(Glob.simple("ledger.*"), 2, 1, new Location(FILE, 95, 7)),
                        new KeyProtection(Glob.simple("notes"), 3, 3, new Location(FILE, 98, 7))),
                List.of(new NamedSession(Glob.simple("refund-*"), 0.8, 8, new Location(FILE, 87, 7)),
                        new NamedSession(Glob.simple("bulk-?"), 0.6, 100, new Location(FILE, 89, 7))), true),
                p.sessions());
        assertEquals(new AuditSettings(Durability.FSYNC, 250, 1, 120_000, Policy.OnWriteFailure.CONTINUE, 2160L * 3_600_000,
                "/var/lib/hypervisor-archive/audit"), p.audit());
        assertEquals(new FrameworksSpec(OnDenial.ABORT, 2, false, false, false, false), p.frameworks());
        Policy.PostgresStoreSpec pg = p.store().postgres();
        assertEquals(List.of("jdbc:postgresql://db:5432/desk", "hypervisor", "HYPERVISOR_DB_PASSWORD", "desk"),
                List.of(pg.url(), pg.user(), pg.passwordEnv(), pg.schema()));
        assertEquals(8, pg.pool());
        assertEquals(Policy.OnUnavailable.FILES, pg.onUnavailable());
        assertEquals(20_000, pg.sagaLeaseMillis());
        assertEquals(126, pg.location().line()); // after the observe section (and rings.3.rate, rules[0].approval, sessions.readsWhileQuarantined)
    }

    @Test
    void defaults() {
        Policy p = PolicyParser.defaults();
        assertEquals("built-in default", p.source());
        assertEquals(PolicyParser.sha256("version: 1\n".getBytes(StandardCharsets.UTF_8)), p.sha256());
        assertEquals(Mode.ENFORCE, p.mode());
        assertEquals(OnInternalError.DENY, p.onInternalError());
        assertEquals(".agent-hypervisor", p.dataDir());
        assertEquals(new HostSpec(0), p.host());
        assertEquals(Map.of(), p.agents());
        assertEquals(List.of(), p.rules());
        assertEquals(List.of(), p.compensations());
        assertEquals(List.of(), p.sagas());
        assertEquals(new TrustSpec(0.95, 0.95, 0.60), p.trust());
        assertEquals(new LiabilitySpec(Signing.BATCHED, null, Double.NaN, 0.2, 0.65, 0.95, 0.05, 0.5, 0, null, 0.0, 0.0, 1.0,
                90L * 24 * 3_600_000, Policy.Archive.KEEP), p.liability());
        assertEquals(new SagaSettings(Durability.FSYNC, 3, 50, 2_000, true), p.saga());
        assertEquals(new SessionSettings(0.5, 16, List.of(), List.of()), p.sessions());
        assertEquals(new AuditSettings(Durability.BATCH, 10, 1000, 5_000, Policy.OnWriteFailure.DENY), p.audit());
        assertEquals(new FrameworksSpec(OnDenial.TELL_MODEL, 3, true, true, true, true), p.frameworks());
        assertTrue(p.store().files());
        assertSame(p, PolicyParser.defaults());
    }

    @Test
    void emptySectionsAndListsMeanDefaults() {
        Policy p = parse("""
                version: 1
                host:
                agents:
                rules:
                compensations: []
                sagas: ~
                trust: {thresholds: {}}
                liability: {riskWeights: , anomalies: {}, recovery: none, keysDir: null}
                saga: {}
                sessions: {keys: [], named: }
                audit:
                frameworks:
                """);
        Policy d = PolicyParser.defaults();
        assertEquals(d, new Policy(d.source(), d.sha256(), p.mode(), p.onInternalError(), p.dataDir(), p.host(),
                p.agents(), p.rules(), p.compensations(), p.sagas(), p.trust(), p.liability(), p.saga(), p.sessions(),
                p.audit(), p.frameworks()));
        Policy emptyAgent = parse("version: 1\nagents:\n  a:\n");
        assertEquals(List.of(), emptyAgent.agents().get("a").aiServices());
        assertEquals(List.of(), emptyAgent.agents().get("a").agenticNames());
        assertNull(emptyAgent.agents().get("a").onDenial());
    }

    @Test
    void fileAndStringGiveTheSameSourceRulesAndDigest(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, EVERY_KEY);
        Policy fromFile = PolicyParser.parse(file);
        Policy fromString = PolicyParser.parse(EVERY_KEY, file.toString());
        assertEquals(fromString, fromFile);
        assertEquals(file.toString(), fromFile.source());
        assertEquals(64, fromFile.sha256().length());
        assertTrue(fromFile.sha256().matches("[0-9a-f]{64}"));
    }

    @Test
    void sha256IsOfTheUtf8Bytes() {
        // printf 'version: 1' | sha256sum
        assertEquals("1a6ddd3533d91cae4b3742d4294fb07ee863a4d667fe598f01365bd68a18bcfd", parse("version: 1").sha256());
        assertFalse(parse("version: 1").sha256().equals(parse("version: 1\n").sha256()));
    }

    @Test
    void integersAreAcceptedWhereNumbersAreExpected() {
        Policy p = parse("version: 1\nagents:\n  a: {trust: 1, minTrust: 0}\n");
        assertEquals(1.0, p.agents().get("a").trust());
        assertEquals(0.0, p.agents().get("a").minTrust());
    }

    @Test
    void yamlCoreSchemaIntegers() {
        assertEquals(2, parse("version: 1\nhost: {ring: 0x2}\n").host().ring());
        assertEquals(3, parse("version: 1\nhost: {ring: +3}\n").host().ring());
        assertEquals(8, parse("version: 1\nsaga: {retries: 0o10}\n").saga().retries());
    }

    @Test
    void durations() {
        assertEquals(1_500, parse("version: 1\nsaga: {backoff: 1.5s, maxBackoff: 1h}\n").saga().backoffMillis());
        assertEquals(3_600_000, parse("version: 1\nsaga: {backoff: 1.5s, maxBackoff: 1h}\n").saga().maxBackoffMillis());
        assertEquals(0, parse("version: 1\nsaga: {backoff: 0}\n").saga().backoffMillis());
        assertEquals(90_000, parse("version: 1\naudit: {treeHeadInterval: 1.5m}\n").audit().treeHeadMillis());
        assertEquals(7, parse("version: 1\naudit: {flushInterval: 7}\n").audit().flushMillis());
        assertEquals(7, parse("version: 1\naudit: {flushInterval: \"7ms\"}\n").audit().flushMillis());
    }

    @Test
    void recoveryNoneOrNull() {
        assertNull(parse("version: 1\nliability: {recovery: none}\n").liability().recovery());
        assertNull(parse("version: 1\nliability: {recovery: null}\n").liability().recovery());
        assertEquals(new Recovery(1.0, 1), parse("version: 1\nliability: {recovery: {rate: 1, every: 1}}\n")
                .liability().recovery());
    }

    @Test
    void thresholdKeysMayBeIntegersOrStrings() {
        assertEquals(new TrustSpec(0.9, 0.8, 0.7),
                parse("version: 1\ntrust:\n  thresholds: {\"0\": 0.9, 1: 0.8, '2': 0.7}\n").trust());
        assertEquals(new TrustSpec(0.5, 0.5, 0.5),
                parse("version: 1\ntrust:\n  thresholds: {0: 0.5, 1: 0.5, 2: 0.5}\n").trust());
    }

    @Test
    void thresholdsAreMergedWithTheDefaults() {
        assertEquals(new TrustSpec(0.95, 0.95, 0.3), parse("version: 1\ntrust: {thresholds: {2: 0.3}}\n").trust());
        assertEquals(new TrustSpec(0.99, 0.95, 0.6), parse("version: 1\ntrust: {thresholds: {0: 0.99}}\n").trust());
    }

    @Test
    void namedSessionsInheritTheSessionDefaultsWhereverTheyAreWritten() {
        SessionSettings s = parse("""
                version: 1
                sessions:
                  named:
                    - name: a
                  minTrust: 0.7
                  maxParticipants: 3
                """).sessions();
        assertEquals(0.7, s.named().get(0).minTrust());
        assertEquals(3, s.named().get(0).maxParticipants());
    }

    @Test
    void anchorsAndAliasesAreOrdinaryYaml() {
        Policy p = parse("""
                version: 1
                agents:
                  a: &settings {ring: 2, trust: 0.8}
                  b: *settings
                """);
        assertEquals(2, p.agents().get("b").ring());
        assertEquals(0.8, p.agents().get("b").trust());
    }

    @Test
    void jsonIsYaml() {
        Policy p = parse("{\"version\": 1, \"mode\": \"audit\", \"agents\": {\"a\": {\"ring\": 1}},"
                + " \"rules\": [{\"methods\": \"a.B#c\", \"ring\": 0}]}");
        assertEquals(Mode.AUDIT, p.mode());
        assertEquals(1, p.agents().get("a").ring());
        assertEquals(1, p.rules().size());
    }

    @Test
    void byteOrderMarkIsIgnored(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bom.yaml");
        Files.write(file, "\uFEFFversion: 1\nmode: off\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(Mode.OFF, PolicyParser.parse(file).mode());
    }

    @Test
    void numbersAsTextAreFineForStrings() {
        Policy p = parse("version: 1\ndataDir: 2024\nsagas:\n  - {methods: \"a.B#c\", name: 42}\n");
        assertEquals("2024", p.dataDir());
        assertEquals("42", p.sagas().get(0).name());
    }

    @Test
    void ruleDescribesItselfOneBased() {
        List<RuleSpec> rules = parse("version: 1\nrules:\n  - {methods: \"a.B#c\", ring: 1}\n"
                + "  - {annotatedWith: a.Tool, ring: 2}\n").rules();
        assertEquals("policy rule #1 (methods: a.B#c)", rules.get(0).describe());
        assertEquals("policy rule #2 (annotatedWith: a.Tool)", rules.get(1).describe());
    }

    @Test
    void theModelIsImmutable() {
        Policy p = parse(EVERY_KEY);
        assertThrows(UnsupportedOperationException.class, () -> p.agents().clear());
        assertThrows(UnsupportedOperationException.class, () -> p.rules().clear());
        assertThrows(UnsupportedOperationException.class, () -> p.compensations().clear());
        assertThrows(UnsupportedOperationException.class, () -> p.sagas().clear());
        assertThrows(UnsupportedOperationException.class, () -> p.agents().get("billing").classes().clear());
        assertThrows(UnsupportedOperationException.class, () -> p.agents().get("assistant").aiServices().clear());
        assertThrows(UnsupportedOperationException.class, () -> p.agents().get("assistant").agenticNames().clear());
        assertThrows(UnsupportedOperationException.class, () -> p.sessions().keys().clear());
        assertThrows(UnsupportedOperationException.class, () -> p.sessions().named().clear());
    }

    @Test
    void fullFrameworksSection() {
        Policy p = parse("""
                version: 1
                frameworks:
                  onDenial: tell-model
                  unidentifiedRing: 0
                  offerDeniedTools: false
                  langchain4j: true
                  springAi: false
                  reactor: true
                """);
        assertEquals(new FrameworksSpec(OnDenial.TELL_MODEL, 0, false, true, false, true), p.frameworks());
        assertEquals(OnDenial.ABORT, parse("version: 1\nframeworks: {onDenial: abort}\n").frameworks().onDenial());
        assertEquals(FrameworksSpec.DEFAULTS, parse("version: 1\nframeworks: {}\n").frameworks());
        assertEquals(FrameworksSpec.DEFAULTS, parse("version: 1\n").frameworks());
    }

    @Test
    void aiServicesAndAgenticNamesAreOneGlobOrAList() {
        Policy p = parse("""
                version: 1
                agents:
                  support:
                    aiServices: com.acme.lc.SupportAssistant
                    agenticNames: [credit*, "scoring"]
                  ops:
                    aiServices:
                      - com.acme.lc.OpsAssistant
                      - com.acme.ops.**
                    agenticNames: "ops-?"
                  plain:
                    aiServices: []
                    agenticNames:
                """);
        AgentSpec support = p.agents().get("support");
        assertEquals(List.of(Glob.classGlob("com.acme.lc.SupportAssistant")), support.aiServices());
        assertEquals(List.of(Glob.simple("credit*"), Glob.simple("scoring")), support.agenticNames());
        AgentSpec ops = p.agents().get("ops");
        assertEquals(List.of(Glob.classGlob("com.acme.lc.OpsAssistant"), Glob.classGlob("com.acme.ops.**")),
                ops.aiServices());
        assertEquals(List.of(Glob.simple("ops-?")), ops.agenticNames());
        assertEquals(List.of(), p.agents().get("plain").aiServices());
        assertEquals(List.of(), p.agents().get("plain").agenticNames());
        // aiServices are class globs (nested types included, '*' stays in a segment); names are simple globs.
        assertTrue(ops.aiServices().get(1).matches("com.acme.ops.deep.Assistant"));
        assertTrue(support.aiServices().get(0).matches("com.acme.lc.SupportAssistant$Inner"));
        assertTrue(support.agenticNames().get(0).matches("credit.check"));
        assertTrue(ops.agenticNames().get(0).matches("ops-1"));
        assertFalse(ops.agenticNames().get(0).matches("ops-12"));
    }

    @Test
    void perAgentOnDenial() {
        Policy p = parse("""
                version: 1
                frameworks:
                  onDenial: abort
                agents:
                  support: {onDenial: tell-model}
                  ops: {onDenial: abort}
                  quiet: {ring: 2}
                """);
        assertEquals(OnDenial.TELL_MODEL, p.agents().get("support").onDenial());
        assertEquals(OnDenial.ABORT, p.agents().get("ops").onDenial());
        assertNull(p.agents().get("quiet").onDenial(), "no override: frameworks.onDenial applies");
        assertEquals(OnDenial.ABORT, p.frameworks().onDenial());
    }

    @Test
    void toolsRule() {
        Policy p = parse("""
                version: 1
                rules:
                  - tools: "deleteAll*"
                    ring: 0
                  - tools: search
                    partial: true
                """);
        RuleSpec rule = p.rules().get(0);
        assertEquals(new RuleSpec(0, null, null, 0, false, false, new Location(FILE, 3, 5), Glob.simple("deleteAll*")),
                rule);
        assertTrue(rule.tools().matches("deleteAllRefunds"));
        assertTrue(rule.tools().matches("deleteAll.v2"), "a tool name is not a class name: '*' crosses dots");
        assertFalse(rule.tools().matches("delete"));
        assertEquals("tools: deleteAll*", rule.selector());
        assertEquals("policy rule #1 (tools: deleteAll*)", rule.describe());
        assertEquals(new RuleSpec(1, null, null, null, false, true, new Location(FILE, 5, 5), Glob.simple("search")),
                p.rules().get(1));
    }

    @Test
    void sagasOnAiServicesAndAgenticAgents() {
        Policy p = parse("""
                version: 1
                sagas:
                  - aiService: "com.acme.lc.TransferAssistant#*"
                  - agentic: "transfer*"
                    name: transfers
                  - methods: "com.acme.Flow#run"
                """);
        assertEquals(List.of(
                new SagaSpec(0, null, null, new Location(FILE, 3, 5), MethodPattern.parse("com.acme.lc.TransferAssistant#*"),
                        null),
                new SagaSpec(1, null, "transfers", new Location(FILE, 4, 5), null, Glob.simple("transfer*")),
                new SagaSpec(2, MethodPattern.parse("com.acme.Flow#run"), null, new Location(FILE, 6, 5), null, null)),
                p.sagas());
        assertEquals("aiService: com.acme.lc.TransferAssistant#*", p.sagas().get(0).selector());
        assertEquals("agentic: transfer*", p.sagas().get(1).selector());
        assertEquals("methods: com.acme.Flow#run", p.sagas().get(2).selector());
        assertTrue(p.sagas().get(0).aiService().matches("com.acme.lc.TransferAssistant", "transferFunds"));
    }

    @Test
    void sameGlobInASagaSelectorOfAnotherKindIsNotADuplicate() {
        Policy p = parse("version: 1\nsagas:\n  - {methods: \"a.B#c\"}\n  - {aiService: \"a.B#c\"}\n"
                + "rules:\n  - {methods: \"a.B#c\", ring: 1}\n  - {tools: \"a.B#c\", ring: 1}\n");
        assertEquals(2, p.sagas().size());
        assertEquals(2, p.rules().size());
    }

    @Test
    void knownKeysAreTheKeysOfEveryKey() {
        // EVERY_KEY really does use every key, so the parser's own "key accepted but never read" check
        // has run over all of them.
        Policy p = parse(EVERY_KEY);
        assertEquals(37, PolicyParser.KNOWN_KEYS.size());
        assertTrue(p.liability().recovery() != null);
        for (Map.Entry<String, java.util.Set<String>> e : PolicyParser.KNOWN_KEYS.entrySet()) {
            for (String key : e.getValue()) {
                assertTrue(EVERY_KEY.contains(key + ":") || EVERY_KEY.contains("\"" + key + "\":"),
                        () -> "EVERY_KEY does not use " + e.getKey() + " " + key);
            }
        }
    }

    /** Issue 12: the trust ledger's retention and what happens to retired segments. */
    @Test
    void liabilityRetentionAndArchive() {
        Policy p = parse("version: 1\nliability:\n  retention: 720h\n  archive: delete\n");
        assertEquals(30L * 24 * 3_600_000, p.liability().retentionMillis());
        assertEquals(Policy.Archive.DELETE, p.liability().archive());
        assertEquals(Policy.Archive.KEEP, parse("version: 1\nliability:\n  archive: keep\n").liability().archive());
        Problem bad = problem("version: 1\nliability:\n  archive: move\n");
        assertEquals("liability.archive", bad.keyPath());
        assertTrue(bad.message().contains("keep") && bad.message().contains("delete"), bad.message());
        assertEquals("liability.retention", problem("version: 1\nliability:\n  retention: 0s\n").keyPath());
    }
}
