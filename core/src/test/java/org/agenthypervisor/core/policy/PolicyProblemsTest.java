package org.agenthypervisor.core.policy;

import static org.agenthypervisor.core.policy.PolicyTesting.FILE;
import static org.agenthypervisor.core.policy.PolicyTesting.assertProblem;
import static org.agenthypervisor.core.policy.PolicyTesting.problem;
import static org.agenthypervisor.core.policy.PolicyTesting.problems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.agenthypervisor.core.policy.PolicyException.Problem;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of problem, with its exact file, line, column, key path and message: these messages are
 * what a user sees when the JVM refuses to start, so they are part of the product.
 */
class PolicyProblemsTest {

    @Nested
    class Keys {
        @Test
        void unknownKeySuggestsTheClosestKnownKey() {
            assertProblem(problem("""
                    version: 1
                    agents:
                      billing:
                        rign: 1
                    """), 4, 5, "agents.billing.rign", "unknown key 'rign'; did you mean 'ring'?");
        }

        @Test
        void unknownKeyWithNothingCloseListsTheAllowedKeys() {
            assertProblem(problem("""
                    version: 1
                    saga:
                      retry: 5
                    """), 3, 3, "saga.retry", "unknown key 'retry'; keys allowed here: durability, retries, backoff,"
                    + " maxBackoff, recoverOnStart, retention, archive");
        }

        @Test
        void unknownTopLevelKeyListsTheTopLevelKeys() {
            assertProblem(problem("version: 1\npolicies: []\n"), 2, 1, "policies",
                    "unknown key 'policies'; keys allowed at the top level: version, mode, onInternalError, dataDir,"
                            + " host, agents, rules, compensations, sagas, trust, liability, saga, sessions, audit,"
                            + " frameworks, rings, observe, store, elevation, approval");
        }

        @Test
        void keyOfAnotherSectionSaysWhereItBelongs() {
            assertProblem(problem("version: 1\nring: 2\n"), 2, 1, "ring",
                    "unknown key 'ring' at the top level; 'ring' belongs under host, agents.<id>, rules[n]"
                            + " (check the indentation)");
        }

        @Test
        void keysAreCaseSensitiveButTheSuggestionIsNot() {
            assertProblem(problem("version: 1\nMode: audit\n"), 2, 1, "Mode", "unknown key 'Mode'; did you mean 'mode'?");
        }

        @Test
        void duplicateKeyIsReportedWhereItRepeats() {
            assertProblem(problem("""
                    version: 1
                    mode: audit
                    host: {ring: 1}
                    mode: enforce
                    """), 4, 1, "mode", "duplicate key 'mode' (first at line 2, column 1)");
        }

        @Test
        void duplicateKeyInsideASection() {
            assertProblem(problem("version: 1\nhost: {ring: 1, ring: 2}\n"), 2, 17, "host.ring",
                    "duplicate key 'ring' (first at line 2, column 8)");
        }

        @Test
        void duplicateAgent() {
            assertProblem(problem("""
                    version: 1
                    agents:
                      billing: {ring: 1}
                      billing: {ring: 2}
                    """), 4, 3, "agents.billing", "duplicate agent 'billing' (first at line 3, column 3)");
        }

        @Test
        void duplicateVersion() {
            assertProblem(problem("version: 1\nversion: 1\n"), 2, 1, "version",
                    "duplicate key 'version' (first at line 1, column 1)");
        }

        @Test
        void nonScalarKey() {
            assertProblem(problem("version: 1\nhost:\n  ? [ring]\n  : 1\n"), 3, 5, "host",
                    "a key must be a plain name, but this one is a list");
        }

        @Test
        void missingVersionIsReportedAtTheStartOfTheDocument() {
            assertProblem(problem("# policy\nmode: audit\n"), 2, 1, "version",
                    "missing required key 'version'; a policy starts with 'version: 1'");
        }
    }

    @Nested
    class Types {
        @Test
        void quotedNumberWhereARingIsExpected() {
            assertProblem(problem("""
                    version: 1
                    agents:
                      billing:
                        ring: "1"
                    """), 4, 11, "agents.billing.ring",
                    "expected a ring number (0, 1, 2 or 3), got the string '1'; remove the quotes");
        }

        @Test
        void wordWhereARingIsExpected() {
            assertProblem(problem("version: 1\nhost:\n  ring: kernel\n"), 3, 9, "host.ring",
                    "expected a ring number (0, 1, 2 or 3), got the string 'kernel'");
        }

        @Test
        void listWhereAMapIsExpected() {
            assertProblem(problem("version: 1\nhost: [1]\n"), 2, 7, "host", "expected a map, got a list");
        }

        @Test
        void mapWhereAListIsExpected() {
            assertProblem(problem("version: 1\nrules:\n  methods: a.B#c\n  ring: 1\n"), 3, 3, "rules",
                    "expected a list (entries start with '- '), got a map");
        }

        @Test
        void scalarWhereAListEntryMapIsExpected() {
            assertProblem(problem("version: 1\nrules:\n  - a.B#c\n"), 3, 5, "rules[0]",
                    "expected a rule (a map with methods, annotatedWith or tools, and ring), got the string 'a.B#c'");
        }

        @Test
        void floatWhereAnIntegerIsExpected() {
            assertProblem(problem("version: 1\nsaga:\n  retries: 1.5\n"), 3, 12, "saga.retries",
                    "expected an integer, got the number 1.5");
        }

        @Test
        void wholeFloatIsStillNotAnInteger() {
            assertProblem(problem("version: 1\nhost: {ring: 1.0}\n"), 2, 14, "host.ring",
                    "expected a ring number (0, 1, 2 or 3), got the number 1.0");
        }

        @Test
        void booleanWhereANumberIsExpected() {
            assertProblem(problem("version: 1\nagents:\n  a: {trust: true}\n"), 3, 14, "agents.a.trust",
                    "expected a number between 0 and 1, got the boolean true");
        }

        @Test
        void stringWhereABooleanIsExpectedExplainsYaml12() {
            assertProblem(problem("version: 1\nsaga: {recoverOnStart: yes}\n"), 2, 24, "saga.recoverOnStart",
                    "expected true or false, got the string 'yes'; policies use YAML 1.2, where only true and false"
                            + " are booleans");
        }

        @Test
        void booleanWhereAStringIsExpected() {
            assertProblem(problem("version: 1\nsagas:\n  - methods: a.B#c\n    name: true\n"), 4, 11, "sagas[0].name",
                    "expected a string, got the boolean true; quote it if you mean the text");
        }

        @Test
        void emptyValueNamesTheDefault() {
            assertProblem(problem("version: 1\nagents:\n  a:\n    ring:\n"), 4, 10, "agents.a.ring",
                    "has no value; write a ring number (0, 1, 2 or 3), or remove the key to use the default (3)");
        }

        @Test
        void agentSettingsThatAreNotAMapHintAtIndentation() {
            assertProblem(problem("version: 1\nagents:\n  billing:\n  ring: 1\n"), 4, 9, "agents.ring",
                    "expected the settings of agent 'ring' (a map with classes, aiServices, agenticNames, ring, trust, minTrust, onDenial) or nothing,"
                            + " got the integer 1; check the indentation");
        }

        @Test
        void agentsThatAreNotAMap() {
            assertProblem(problem("version: 1\nagents: [billing]\n"), 2, 9, "agents",
                    "expected a map from agent id to its settings, got a list");
        }

        @Test
        void versionMustBeAnInteger() {
            assertProblem(problem("version: \"1\"\n"), 1, 10, "version",
                    "expected an integer, got the string '1'; remove the quotes");
        }

        @Test
        void environmentVariablesAreNotExpanded() {
            assertProblem(problem("version: 1\ndataDir: ${DATA}\n"), 2, 10, "dataDir",
                    "'${DATA}' refers to an environment variable, but policies do not expand them; write the value"
                            + " itself, or quote it if you mean these characters");
            assertProblem(problem("version: 1\nliability:\n  keysDir: ${HOME}/keys\n"), 3, 12, "liability.keysDir",
                    "'${HOME}/keys' refers to an environment variable, but policies do not expand them; write the value"
                            + " itself, or quote it if you mean these characters");
            assertEquals("${HOME}/keys", PolicyTesting.parse("version: 1\nliability:\n  keysDir: '${HOME}/keys'\n")
                    .liability().keysDir());
        }

        @Test
        void customTagsAreNotUnderstood() {
            assertProblem(problem("version: 1\nhost: {ring: !kernel 0}\n"), 2, 14, "host.ring",
                    "expected a ring number (0, 1, 2 or 3), got a value tagged !kernel");
        }
    }

    @Nested
    class Ranges {
        @Test
        void ringOutOfRange() {
            assertProblem(problem("version: 1\nagents:\n  a: {ring: 4}\n"), 3, 13, "agents.a.ring",
                    "ring 4 does not exist; rings are 0 (kernel), 1 (privileged), 2 (standard) and 3 (user)");
        }

        @Test
        void negativeRing() {
            assertProblem(problem("version: 1\nhost: {ring: -1}\n"), 2, 14, "host.ring",
                    "ring -1 does not exist; rings are 0 (kernel), 1 (privileged), 2 (standard) and 3 (user)");
        }

        @Test
        void trustAboveOne() {
            assertProblem(problem("version: 1\nagents:\n  a:\n    trust: 1.5\n"), 4, 12, "agents.a.trust",
                    "1.5 is out of range; it must be between 0 and 1");
        }

        @Test
        void openLowerBound() {
            assertProblem(problem("version: 1\nliability:\n  decay: 0\n"), 3, 10, "liability.decay",
                    "0 is out of range; it must be greater than 0 and at most 1");
        }

        @Test
        void openUpperBound() {
            assertProblem(problem("version: 1\nliability:\n  floor: 1.0\n"), 3, 10, "liability.floor",
                    "1.0 is out of range; it must be at least 0 and less than 1");
        }

        @Test
        void notANumber() {
            assertProblem(problem("version: 1\nsessions: {minTrust: .nan}\n"), 2, 22, "sessions.minTrust",
                    ".nan is not a finite number; it must be between 0 and 1");
        }

        @Test
        void integerRanges() {
            List<Problem> problems = problems("""
                    version: 1
                    saga: {retries: 101}
                    sessions: {maxParticipants: 0}
                    audit: {treeHeadEvery: 0}
                    liability: {maxDepth: -1}
                    """);
            assertEquals(4, problems.size(), problems::toString);
            assertProblem(problems.get(0), 2, 17, "saga.retries", "101 is out of range; it must be between 0 and 100");
            assertProblem(problems.get(1), 3, 29, "sessions.maxParticipants",
                    "0 is out of range; it must be between 1 and 10000");
            assertProblem(problems.get(2), 4, 24, "audit.treeHeadEvery", "0 is out of range; it must be at least 1");
            assertProblem(problems.get(3), 5, 23, "liability.maxDepth", "-1 is out of range; it must be at least 0");
        }

        @Test
        void hugeIntegerDoesNotOverflowIntoRange() {
            assertProblem(problem("version: 1\nsaga: {retries: 4294967299}\n"), 2, 17, "saga.retries",
                    "4294967299 is out of range; it must be between 0 and 100");
        }

        @Test
        void unsupportedVersionIsTheOnlyProblemReported() {
            assertProblem(problem("version: 2\nfrobnicate: true\n"), 1, 10, "version",
                    "unsupported version 2; this hypervisor reads policy version 1");
        }
    }

    @Nested
    class Enums {
        @Test
        void enumsAreLowercase() {
            assertProblem(problem("version: 1\nmode: Enforce\n"), 2, 7, "mode",
                    "'Enforce' is not allowed here; write one of enforce, audit, off (values are lowercase: write"
                            + " 'enforce')");
        }

        @Test
        void unknownAuditWriteFailureChoiceNamesTheKey() {
            assertProblem(problem("version: 1\naudit:\n  onWriteFailure: ignore\n"), 3, 19, "audit.onWriteFailure",
                    "'ignore' is not allowed here; write one of deny, continue");
        }

        @Test
        void misspelledEnumValue() {
            assertProblem(problem("version: 1\nsaga: {durability: fsnyc}\n"), 2, 20, "saga.durability",
                    "'fsnyc' is not allowed here; write one of fsync, batch, none; did you mean 'fsync'?");
        }

        @Test
        void enumOfTheWrongType() {
            assertProblem(problem("version: 1\nonInternalError: false\n"), 2, 18, "onInternalError",
                    "expected one of deny, allow, got the boolean false");
        }

        @Test
        void offIsAStringInYaml12() {
            assertEquals(Policy.Mode.OFF, PolicyTesting.parse("version: 1\nmode: off\n").mode());
        }
    }

    @Nested
    class DurationValues {
        @Test
        void floatWithoutUnit() {
            assertProblem(problem("version: 1\nsaga: {backoff: 1.5}\n"), 2, 17, "saga.backoff",
                    "'1.5' has no unit, and a bare number means whole milliseconds; write it with a unit, for example"
                            + " 1.5s");
        }

        @Test
        void unknownUnit() {
            assertProblem(problem("version: 1\nsaga: {backoff: 5sec}\n"), 2, 17, "saga.backoff",
                    "'5sec' has an unknown unit 'sec'; the units are ms, s, m and h");
        }

        @Test
        void spaceOrUppercaseUnit() {
            assertProblem(problem("version: 1\naudit: {treeHeadInterval: 5 S}\n"), 2, 27, "audit.treeHeadInterval",
                    "'5 S' is not a duration; write 5s (lowercase unit, no space)");
        }

        @Test
        void zeroWhereAPositiveDurationIsNeeded() {
            assertProblem(problem("version: 1\naudit: {flushInterval: 0ms}\n"), 2, 24, "audit.flushInterval",
                    "'0ms' is too short; it must be greater than 0");
        }

        @Test
        void fractionOfAMillisecond() {
            assertProblem(problem("version: 1\naudit: {flushInterval: 0.5ms}\n"), 2, 24, "audit.flushInterval",
                    "'0.5ms' is not a whole number of milliseconds");
        }

        @Test
        void negative() {
            assertProblem(problem("version: 1\nsaga: {backoff: -5}\n"), 2, 17, "saga.backoff",
                    "'-5' is negative; a duration is 0 or more");
        }

        @Test
        void tooLong() {
            assertProblem(problem("version: 1\nsaga: {maxBackoff: 9000h}\n"), 2, 20, "saga.maxBackoff",
                    "'9000h' is too long; a duration is at most 365 days (8760h)");
        }

        @Test
        void maxBackoffBelowBackoffBlamesTheValueWritten() {
            assertProblem(problem("version: 1\nsaga:\n  backoff: 5s\n"), 3, 12, "saga.backoff",
                    "maxBackoff (2s, the default) is shorter than backoff (5s); the cap must be at least the first delay");
            assertProblem(problem("version: 1\nsaga:\n  backoff: 1s\n  maxBackoff: 500ms\n"), 4, 15, "saga.maxBackoff",
                    "maxBackoff (500ms) is shorter than backoff (1s); the cap must be at least the first delay");
        }
    }

    @Nested
    class Agents {
        @Test
        void reservedHost() {
            assertProblem(problem("version: 1\nagents:\n  host: {ring: 1}\n"), 3, 3, "agents.host",
                    "the agent id 'host' is reserved for the application itself; set its ring under the top-level key"
                            + " 'host'");
        }

        @Test
        void reservedHypervisorInAnyCase() {
            for (String id : List.of("hypervisor", "Hypervisor", "HYPERVISOR")) {
                assertProblem(problem("version: 1\nagents:\n  " + id + ": {ring: 3}\n"), 3, 3, "agents." + id,
                        "the agent id '" + id + "' is reserved (in any case) for the hypervisor's own signing key,"
                                + " hypervisor.key in the key directory (tree heads, sealed saga journals); an agent of"
                                + " that name would sign as the hypervisor: choose another id");
            }
        }

        @Test
        void uppercaseId() {
            assertProblem(problem("version: 1\nagents:\n  Billing: {}\n"), 3, 3, "agents.Billing",
                    "invalid agent id 'Billing': ids are lowercase; write 'billing'");
        }

        @Test
        void idWithForbiddenCharacters() {
            assertProblem(problem("version: 1\nagents:\n  -bot: {}\n"), 3, 3, "agents.-bot",
                    "invalid agent id '-bot': ids are 1 to 64 lowercase letters, digits, '.', '_' and '-', starting and"
                            + " ending with a letter or digit");
        }

        @Test
        void idTooLong() {
            String id = "a".repeat(65);
            assertProblem(problem("version: 1\nagents:\n  " + id + ":\n"), 3, 3, "agents." + id,
                    "invalid agent id '" + id + "': it is 65 characters long; the limit is 64");
        }

        @Test
        void badClassGlob() {
            assertProblem(problem("version: 1\nagents:\n  a:\n    classes: [com.acme.*, com/acme/**]\n"), 4, 27,
                    "agents.a.classes[1]", "'com/acme/**' uses '/'; class names are separated by dots, for example"
                            + " com.acme.Foo");
        }

        @Test
        void singleClassGlobHasNoIndexInItsPath() {
            assertProblem(problem("version: 1\nagents:\n  a:\n    classes: com.acme.Db#run\n"), 4, 14,
                    "agents.a.classes", "'com.acme.Db#run' is a method pattern (Class#method); a class glob names"
                            + " classes only, for example com.acme.billing.**");
        }

        @Test
        void classGlobBoundToTwoAgents() {
            assertProblem(problem("""
                    version: 1
                    agents:
                      a: {classes: [com.acme.**]}
                      b: {classes: [com.x.*, com.acme.**]}
                    """), 4, 26, "agents.b.classes[1]",
                    "'com.acme.**' is already bound to agent 'a'; a class belongs to one agent only");
        }

        @Test
        void classesOfTheWrongType() {
            assertProblem(problem("version: 1\nagents:\n  a: {classes: {x: 1}}\n"), 3, 16, "agents.a.classes",
                    "expected a class glob or a list of class globs, got a map");
        }
    }

    @Nested
    class Rules {
        @Test
        void bothMethodsAndAnnotatedWith() {
            assertProblem(problem("""
                    version: 1
                    rules:
                      - methods: "a.B#c"
                        annotatedWith: a.Tool
                        ring: 1
                    """), 4, 5, "rules[0].annotatedWith",
                    "a rule takes one of 'methods', 'annotatedWith' and 'tools', not several; write one rule each");
        }

        @Test
        void neitherMethodsNorAnnotatedWith() {
            assertProblem(problem("version: 1\nrules:\n  - ring: 1\n"), 3, 5, "rules[0]",
                    "a rule needs 'methods' (ClassGlob#methodGlob), 'annotatedWith' (an annotation's fully-qualified"
                            + " name) or 'tools' (a glob on tool names as the model sees them)");
        }

        @Test
        void ruleThatDoesNothing() {
            assertProblem(problem("""
                    version: 1
                    rules:
                      - methods: "a.B#c"
                        ring: 1
                      - methods: "a.B#d"
                        handoff: false
                    """), 5, 5, "rules[1]",
                    "this rule does nothing; give it a 'ring', 'handoff: true', 'partial: true' or 'approval: required'");
        }

        @Test
        void badMethodPattern() {
            assertProblem(problem("version: 1\nrules:\n  - methods: com.acme.Db.execute\n    ring: 0\n"), 3, 14,
                    "rules[0].methods", "'com.acme.Db.execute' is not a method pattern; write ClassGlob#methodGlob, for"
                            + " example com.acme.Db#execute*");
        }

        @Test
        void methodPatternWithParameters() {
            assertProblem(problem("version: 1\nrules:\n  - {methods: \"a.B#run(int)\", ring: 0}\n"), 3, 15,
                    "rules[0].methods", "'a.B#run(int)': parameter lists are not supported; name the method only");
        }

        @Test
        void annotationWithAt() {
            assertProblem(problem("version: 1\nrules:\n  - annotatedWith: \"@a.Tool\"\n    ring: 2\n"), 3, 20,
                    "rules[0].annotatedWith", "write the annotation's name without '@': a.Tool");
        }

        @Test
        void annotationThatIsNotAClassName() {
            assertProblem(problem("version: 1\nrules:\n  - annotatedWith: a.*.Tool\n    ring: 2\n"), 3, 20,
                    "rules[0].annotatedWith", "'a.*.Tool' is not a Java class name; write the annotation's"
                            + " fully-qualified name, for example dev.langchain4j.agent.tool.Tool");
        }

        @Test
        void duplicatePatternIsShadowed() {
            assertProblem(problem("""
                    version: 1
                    rules:
                      - {methods: "a.B#c", ring: 1}
                      - {methods: "a.B#c", ring: 2}
                    """), 4, 15, "rules[1]", "'a.B#c' is already used by rules[0] at line 3, column 15 in rules; the"
                    + " first matching rule wins, so this entry would never apply");
        }

        @Test
        void errorsInOneRuleDoNotAddADoesNothingError() {
            assertProblem(problem("version: 1\nrules:\n  - {methods: \"a.B#c\", ring: \"x\"}\n"), 3, 30,
                    "rules[0].ring", "expected a ring number (0, 1, 2 or 3), got the string 'x'");
        }
    }

    /** The framework keys: {@code frameworks}, {@code aiServices}, {@code agenticNames}, {@code tools}, saga selectors. */
    @Nested
    class Frameworks {
        private static final String NEVER_BINDS = " can never bind an AI service: name the interface given to"
                + " AiServices.builder(...), not the JDK's proxy class or a JDK package";

        @Test
        void aiServiceGlobNamingTheJdkProxyPackage() {
            assertProblem(problem("version: 1\nagents:\n  a:\n    aiServices: \"jdk.proxy2.*\"\n"), 4, 17,
                    "agents.a.aiServices", "'jdk.proxy2.*'" + NEVER_BINDS);
        }

        @Test
        void aiServiceGlobsNamingJdkPackagesInAList() {
            List<Problem> problems = problems("""
                    version: 1
                    agents:
                      a:
                        aiServices:
                          - com.acme.lc.Assistant
                          - com.sun.proxy.*
                          - java.util.function.*
                          - javax
                          - sun.**
                    """);
            assertEquals(4, problems.size(), problems::toString);
            assertProblem(problems.get(0), 6, 9, "agents.a.aiServices[1]", "'com.sun.proxy.*'" + NEVER_BINDS);
            assertProblem(problems.get(1), 7, 9, "agents.a.aiServices[2]", "'java.util.function.*'" + NEVER_BINDS);
            assertProblem(problems.get(2), 8, 9, "agents.a.aiServices[3]", "'javax'" + NEVER_BINDS);
            assertProblem(problems.get(3), 9, 9, "agents.a.aiServices[4]", "'sun.**'" + NEVER_BINDS);
        }

        @Test
        void aiServicesThatBindEveryInterface() {
            assertProblem(problem("version: 1\nagents:\n  a:\n    aiServices: \"*\"\n"), 4, 17, "agents.a.aiServices",
                    "'*' would bind every interface; name the AI-service interfaces (for example"
                            + " com.acme.assistants.*)");
            assertProblem(problem("version: 1\nagents:\n  a: {aiServices: [\"**\"]}\n"), 3, 20, "agents.a.aiServices[0]",
                    "'**' would bind every interface; name the AI-service interfaces (for example"
                            + " com.acme.assistants.*)");
        }

        @Test
        void javaLikeApplicationPackagesAreFine() {
            // Only the JDK's own packages are refused, not packages that merely start with the same letters.
            Policy p = PolicyTesting.parse("version: 1\nagents:\n  a: {aiServices: [javafx.Assistant, sunny.Bot, jdkx.*]}\n");
            assertEquals(3, p.agents().get("a").aiServices().size());
        }

        @Test
        void aiServiceGlobBoundToTwoAgents() {
            assertProblem(problem("""
                    version: 1
                    agents:
                      a:
                        aiServices: com.acme.lc.Assistant
                      b:
                        aiServices: [com.acme.lc.Other, com.acme.lc.Assistant]
                    """), 6, 37, "agents.b.aiServices[1]",
                    "'com.acme.lc.Assistant' is already bound to agent 'a'; an AI service belongs to one agent only");
        }

        @Test
        void aiServiceGlobListedTwiceForOneAgent() {
            assertProblem(problem("version: 1\nagents:\n  a: {aiServices: [com.acme.A, com.acme.A]}\n"), 3, 32,
                    "agents.a.aiServices[1]", "'com.acme.A' is listed twice for agent 'a'");
        }

        @Test
        void aClassGlobMayAlsoBeAnAiServiceGlob() {
            // classes and aiServices are bound separately: the same glob under both is not a conflict.
            Policy p = PolicyTesting.parse("version: 1\nagents:\n  a: {classes: com.acme.X}\n  b: {aiServices: com.acme.X}\n");
            assertEquals("com.acme.X", p.agents().get("b").aiServices().get(0).pattern());
        }

        @Test
        void agenticNameBoundToTwoAgents() {
            assertProblem(problem("version: 1\nagents:\n  a: {agenticNames: \"credit*\"}\n  b: {agenticNames: [\"credit*\"]}\n"),
                    4, 22, "agents.b.agenticNames[0]",
                    "'credit*' is already bound to agent 'a'; an agentic agent belongs to one agent only");
        }

        @Test
        void aiServicesOfTheWrongType() {
            assertProblem(problem("version: 1\nagents:\n  a: {aiServices: {x: 1}}\n"), 3, 19, "agents.a.aiServices",
                    "expected an AI-service interface glob or a list of AI-service interface globs, got a map");
            assertProblem(problem("version: 1\nagents:\n  a: {agenticNames: true}\n"), 3, 21, "agents.a.agenticNames",
                    "expected an agentic agent name glob, got the boolean true; quote it if you mean the text");
        }

        @Test
        void agentNamedUnidentifiedIsReserved() {
            assertProblem(problem("version: 1\nagents:\n  unidentified:\n    ring: 0\n"), 3, 3, "agents.unidentified",
                    "the agent id 'unidentified' is reserved for framework tool calls made outside every agent; set"
                            + " their ring with frameworks.unidentifiedRing");
        }

        @Test
        void ruleWithBothToolsAndMethods() {
            assertProblem(problem("""
                    version: 1
                    rules:
                      - methods: "a.B#c"
                        tools: "deleteAll*"
                        ring: 0
                    """), 4, 5, "rules[0].tools",
                    "a rule takes one of 'methods', 'annotatedWith' and 'tools', not several; write one rule each");
        }

        @Test
        void ruleWithToolsAndAnnotatedWith() {
            assertProblem(problem("version: 1\nrules:\n  - {annotatedWith: a.Tool, tools: x, ring: 0}\n"), 3, 29,
                    "rules[0].tools",
                    "a rule takes one of 'methods', 'annotatedWith' and 'tools', not several; write one rule each");
        }

        @Test
        void duplicateToolsRuleIsShadowed() {
            assertProblem(problem("version: 1\nrules:\n  - {tools: \"x*\", ring: 1}\n  - {tools: \"x*\", ring: 2}\n"),
                    4, 13, "rules[1]", "'x*' is already used by rules[0] at line 3, column 13 in rules; the"
                            + " first matching rule wins, so this entry would never apply");
        }

        @Test
        void toolsRuleOfTheWrongType() {
            assertProblem(problem("version: 1\nrules:\n  - {tools: [a, b], ring: 1}\n"), 3, 13, "rules[0].tools",
                    "expected a glob on tool names, got a list");
        }

        @Test
        void sagaWithBothMethodsAndAiService() {
            assertProblem(problem("""
                    version: 1
                    sagas:
                      - methods: "a.B#c"
                        aiService: "a.Assistant#*"
                    """), 3, 5, "sagas[0]",
                    "a saga boundary takes one of 'methods', 'aiService' and 'agentic'; write one entry each");
        }

        @Test
        void sagaWithAiServiceAndAgentic() {
            assertProblem(problem("version: 1\nsagas:\n  - {aiService: \"a.Assistant#*\", agentic: \"x*\"}\n"), 3, 5,
                    "sagas[0]", "a saga boundary takes one of 'methods', 'aiService' and 'agentic'; write one entry each");
        }

        @Test
        void sagaWithNoSelector() {
            assertProblem(problem("version: 1\nsagas:\n  - name: checkout\n"), 3, 5, "sagas[0]",
                    "a saga boundary needs 'methods' (ClassGlob#methodGlob), 'aiService' (InterfaceGlob#methodGlob of a"
                            + " LangChain4j AI service) or 'agentic' (a glob on langchain4j-agentic agent names)");
        }

        @Test
        void sagaAiServiceIsAMethodPattern() {
            assertProblem(problem("version: 1\nsagas:\n  - aiService: com.acme.Assistant\n"), 3, 16,
                    "sagas[0].aiService", "'com.acme.Assistant' is not a method pattern; write ClassGlob#methodGlob,"
                            + " for example com.acme.Db#execute*");
        }

        @Test
        void duplicateAgenticSaga() {
            assertProblem(problem("version: 1\nsagas:\n  - {agentic: \"x*\"}\n  - {agentic: \"x*\", name: y}\n"), 4, 15,
                    "sagas[1]", "'x*' is already used by sagas[0] at line 3, column 15 in sagas; it is listed"
                            + " twice, so this entry would never apply");
        }

        /** The allowed values are listed; their order is checked in {@link #onDenialListsTheAllowedValuesInOrder}. */
        @Test
        void onDenialListsTheAllowedValues() {
            Problem p = problem("version: 1\nframeworks:\n  onDenial: maybe\n");
            assertEquals(new Problem(FILE, 3, 13, "frameworks.onDenial", p.message()), p);
            assertTrue(p.message().startsWith("'maybe' is not allowed here; write one of "), p.message());
            assertTrue(p.message().contains("tell-model") && p.message().contains("abort"), p.message());
        }

        @Test
        void onDenialListsTheAllowedValuesInOrder() {
            assertProblem(problem("version: 1\nframeworks:\n  onDenial: maybe\n"), 3, 13, "frameworks.onDenial",
                    "'maybe' is not allowed here; write one of tell-model, abort");
            assertProblem(problem("version: 1\nframeworks:\n  onDenial: Abort\n"), 3, 13, "frameworks.onDenial",
                    "'Abort' is not allowed here; write one of tell-model, abort (values are lowercase: write"
                            + " 'abort')");
            assertProblem(problem("version: 1\nframeworks:\n  onDenial: tell_model\n"), 3, 13, "frameworks.onDenial",
                    "'tell_model' is not allowed here; write one of tell-model, abort; did you mean 'tell-model'?");
        }

        @Test
        void perAgentOnDenialListsTheAllowedValues() {
            assertProblem(problem("version: 1\nagents:\n  a:\n    onDenial: maybe\n"), 4, 15, "agents.a.onDenial",
                    "'maybe' is not allowed here; write one of tell-model, abort");
        }

        @Test
        void emptyOnDenialNamesTheDefaultAsWritten() {
            assertProblem(problem("version: 1\nframeworks:\n  onDenial:\n"), 3, 12, "frameworks.onDenial",
                    "has no value; write one of tell-model, abort, or remove the key to use the default (tell-model)");
        }

        @Test
        void unidentifiedRingOutOfRange() {
            assertProblem(problem("version: 1\nframeworks:\n  unidentifiedRing: 5\n"), 3, 21,
                    "frameworks.unidentifiedRing",
                    "ring 5 does not exist; rings are 0 (kernel), 1 (privileged), 2 (standard) and 3 (user)");
        }

        @Test
        void frameworkSwitchesAreBooleans() {
            assertProblem(problem("version: 1\nframeworks: {springAi: off}\n"), 2, 24, "frameworks.springAi",
                    "expected true or false, got the string 'off'; policies use YAML 1.2, where only true and false"
                            + " are booleans");
        }

        @Test
        void unknownFrameworksKeySuggestsTheClosest() {
            assertProblem(problem("version: 1\nframeworks:\n  langChain4j: false\n"), 3, 3, "frameworks.langChain4j",
                    "unknown key 'langChain4j'; did you mean 'langchain4j'?");
        }

        @Test
        void onDenialAtTheTopLevelSaysWhereItBelongs() {
            assertProblem(problem("version: 1\nonDenial: abort\n"), 2, 1, "onDenial",
                    "unknown key 'onDenial' at the top level; 'onDenial' belongs under agents.<id>, frameworks"
                            + " (check the indentation)");
        }
    }

    @Nested
    class Other {
        @Test
        void compensationMissingItsCompensate() {
            assertProblem(problem("version: 1\ncompensations:\n  - method: \"a.B#pay\"\n"), 3, 5,
                    "compensations[0].compensate", "missing required key 'compensate' (the name of the compensating"
                            + " method)");
        }

        @Test
        void compensateIsAMethodNameNotAPattern() {
            assertProblem(problem("version: 1\ncompensations:\n  - {method: \"a.B#pay\", compensate: \"a.B#refund\"}\n"),
                    3, 37, "compensations[0].compensate",
                    "'a.B#refund' is not a Java method name; name only the method, which must be in the same class as"
                            + " the step");
        }

        @Test
        void compensateCannotBeAKeyword() {
            assertProblem(problem("version: 1\ncompensations:\n  - {method: \"a.B#pay\", compensate: new}\n"),
                    3, 37, "compensations[0].compensate", "'new' is not a Java method name");
        }

        @Test
        void sagaNameMustNotBeBlank() {
            assertProblem(problem("version: 1\nsagas:\n  - {methods: \"a.B#c\", name: \" \"}\n"), 3, 30,
                    "sagas[0].name", "must not be blank");
        }

        @Test
        void thresholdForRingThree() {
            assertProblem(problem("version: 1\ntrust:\n  thresholds:\n    3: 0.1\n"), 4, 5, "trust.thresholds.3",
                    "ring 3 needs no trust: it is always available, so it has no threshold");
        }

        @Test
        void thresholdForAnUnknownRing() {
            assertProblem(problem("version: 1\ntrust:\n  thresholds:\n    ring0: 0.1\n"), 4, 5,
                    "trust.thresholds.ring0", "unknown ring 'ring0'; thresholds are set for rings 0, 1 and 2");
        }

        @Test
        void thresholdsMustNotIncrease() {
            assertProblem(problem("version: 1\ntrust:\n  thresholds:\n    1: 0.5\n    2: 0.7\n"), 5, 8,
                    "trust.thresholds.2", "ring 2's floor 0.7 is above ring 1's 0.5; floors must not increase from"
                            + " ring 0 to ring 2, or a less privileged ring would be harder to reach than a more"
                            + " privileged one");
        }

        @Test
        void thresholdsAboveADefault() {
            assertProblem(problem("version: 1\ntrust:\n  thresholds: {\"2\": 0.99}\n"), 3, 21,
                    "trust.thresholds.2", "ring 2's floor 0.99 is above ring 1's 0.95 (the default); floors must not"
                            + " increase from ring 0 to ring 2, or a less privileged ring would be harder to reach"
                            + " than a more privileged one");
        }

        @Test
        void thresholdBelowADefaultBlamesTheValueWritten() {
            assertProblem(problem("version: 1\ntrust:\n  thresholds: {0: 0.5}\n"), 3, 19,
                    "trust.thresholds.0", "ring 0's floor 0.5 is below ring 1's 0.95 (the default); floors must not"
                            + " increase from ring 0 to ring 2, or a less privileged ring would be harder to reach"
                            + " than a more privileged one");
        }

        @Test
        void recoveryOtherThanNone() {
            assertProblem(problem("version: 1\nliability:\n  recovery: slow\n"), 3, 13, "liability.recovery",
                    "expected 'none' or a map with 'rate' and 'every', got the string 'slow'");
        }

        /** Issue 15: the breach grades must not decrease, and the blame goes to the key that breaks the order. */
        @Test
        void breachThresholdsOutOfOrder() {
            assertProblem(problem("version: 1\nliability:\n  breach:\n    thresholds: {low: 0.3, medium: 0.2}\n"), 4, 36,
                    "liability.breach.thresholds.medium",
                    "the thresholds must not decrease from low to critical: medium (0.2) is below low (0.3)");
        }

        /** Issue 15: approval on a constructor would ask nobody: refused (a tools rule asks). */
        @Test
        void approvalOnAConstructorRule() {
            assertProblem(problem("version: 1\nrules:\n  - methods: \"com.acme.Pay#<init>\"\n    approval: required\n"), 4, 15,
                    "rules[0].approval", "approval: required applies to methods and framework tools (rules with"
                            + " 'methods', 'annotatedWith' or 'tools'); a constructor cannot ask for approval yet");
        }

        @Test
        void approvalOnAToolsRuleIsAccepted() throws Exception {
            assertTrue(PolicyParser.parse("version: 1\nrules:\n  - tools: \"pay*\"\n    approval: required\n", "p.yaml")
                    .rules().get(0).approval());
        }

        /** Issue 15: the approver is named by its class. */
        @Test
        void approvalApproverNotAClassName() {
            assertProblem(problem("version: 1\napproval:\n  approver: com.acme/Desk\n"), 3, 13, "approval.approver",
                    "'com.acme/Desk' is not a class name; write the fully-qualified name of a class implementing"
                            + " org.agenthypervisor.api.Approver");
        }

        /** Issue 15: a default grant longer than the longest allowed one is a contradiction, blamed on the default. */
        @Test
        void elevationDefaultTtlAboveMaxTtl() {
            assertProblem(problem("version: 1\nelevation:\n  maxTtl: 10m\n  defaultTtl: 20m\n"), 4, 15,
                    "elevation.defaultTtl", "elevation.defaultTtl (20m) is longer than elevation.maxTtl (10m)");
        }

        @Test
        void breachWindowBelowOneSecond() {
            assertProblem(problem("version: 1\nliability:\n  breach: {window: 10ms}\n"), 3, 20,
                    "liability.breach.window", "'10ms' is too short; it must be at least 1s");
        }

        @Test
        void recoveryMissingEvery() {
            assertProblem(problem("version: 1\nliability:\n  recovery:\n    rate: 0.1\n"), 4, 5,
                    "liability.recovery.every",
                    "missing required key 'every' (a duration such as 50ms, 2s, 1.5s, 5m or 1h)");
        }

        @Test
        void sessionKeyGlobRequired() {
            assertProblem(problem("version: 1\nsessions:\n  keys:\n    - readRing: 1\n"), 4, 7, "sessions.keys[0].key",
                    "missing required key 'key' (a glob on session keys)");
        }

        @Test
        void duplicateSessionKeyGlob() {
            assertProblem(problem("version: 1\nsessions:\n  keys:\n    - {key: \"a.*\"}\n    - {key: \"a.*\", readRing: 1}\n"),
                    5, 13, "sessions.keys[1]", "'a.*' is already used by sessions.keys[0] at line 4, column 13 in"
                            + " sessions.keys; the first matching entry wins, so this entry would never apply");
        }

        @Test
        void blankDataDir() {
            assertProblem(problem("version: 1\ndataDir: \"\"\n"), 2, 10, "dataDir", "must not be blank");
        }
    }

    @Nested
    class Documents {
        @Test
        void emptyDocument() {
            assertProblem(problem(""), 1, 1, "", "the policy is empty; a policy needs at least the line 'version: 1'");
            assertProblem(problem("# nothing here\n\n"), 1, 1, "",
                    "the policy is empty; a policy needs at least the line 'version: 1'");
            assertProblem(problem("~\n"), 1, 1, "", "the policy is empty; a policy needs at least the line 'version: 1'");
        }

        @Test
        void documentThatIsNotAMap() {
            assertProblem(problem("- version: 1\n"), 1, 1, "",
                    "a policy is a map of keys (version, mode, agents, rules, …), but this document is a list");
        }

        @Test
        void syntaxErrorHasAPositionAndNoKeyPath() {
            assertProblem(problem("version: 1\nmode: audit: now\n"), 2, 12, "",
                    "YAML syntax error: mapping values are not allowed here; a value that contains ': ' must be"
                            + " quoted, and a nested map must start on its own line");
        }

        @Test
        void unclosedFlowSequence() {
            assertProblem(problem("version: 1\nrules: [\n"), 3, 1, "",
                    "YAML syntax error: expected the node content, but found '<stream end>' (while parsing a flow"
                            + " node)");
        }

        @Test
        void tabIndentation() {
            Problem p = problem("version: 1\nhost:\n\tring: 1\n");
            assertEquals(3, p.line());
            assertEquals(1, p.column());
            assertTrue(p.message().startsWith("YAML syntax error: found character '\\t(TAB)'"), p.message());
        }

        @Test
        void unclosedQuoteNamesWhereTheScalarStarted() {
            assertProblem(problem("version: 1\ndataDir: 'data\n"), 3, 1, "",
                    "YAML syntax error: found unexpected end of stream (while scanning a quoted scalar at line 2,"
                            + " column 10)");
        }

        @Test
        void twoDocuments() {
            assertProblem(problem("version: 1\n---\nversion: 1\n"), 2, 1, "",
                    "YAML syntax error: expected a single document in the stream, but found another document");
        }

        @Test
        void controlCharacter() {
            assertProblem(problem("version: 1\nmode: a\u0001\n"), 2, 8, "",
                    "YAML syntax error: the character U+0001 is not allowed in YAML; remove it");
        }

        @Test
        void undefinedAlias() {
            assertProblem(problem("version: 1\nhost: *h\n"), 2, 7, "", "YAML syntax error: found undefined alias h");
        }

        @Test
        void recursiveAliasIsReportedNotFollowed() {
            assertProblem(problem("version: 1\nrules: &r [*r]\n"), 2, 8, "rules[0]",
                    "expected a rule (a map with methods, annotatedWith or tools, and ring), got a list");
        }

        @Test
        void notUtf8(@TempDir Path dir) throws Exception {
            Path file = dir.resolve("latin1.yaml");
            Files.write(file, "version: 1\ndataDir: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
            PolicyException e = assertThrows(PolicyException.class, () -> PolicyParser.parse(file));
            assertEquals(List.of(new Problem(file.toString(), 2, 13, "",
                    "the file is not valid UTF-8 (byte 0xE9 at offset 23); save it as UTF-8")), e.problems());
        }
    }

    @Nested
    class Reporting {
        @Test
        void allProblemsAreCollectedInFileOrder() {
            List<Problem> problems = problems("""
                    mode: Audit
                    agents:
                      billing:
                        ring: 5
                        trust: high
                    rules:
                      - methods: "a.B#c"
                    saga:
                      retries: -1
                    """);
            assertEquals(List.of(
                    new Problem(FILE, 1, 1, "version", "missing required key 'version'; a policy starts with 'version: 1'"),
                    new Problem(FILE, 1, 7, "mode", "'Audit' is not allowed here; write one of enforce, audit, off"
                            + " (values are lowercase: write 'audit')"),
                    new Problem(FILE, 4, 11, "agents.billing.ring",
                            "ring 5 does not exist; rings are 0 (kernel), 1 (privileged), 2 (standard) and 3 (user)"),
                    new Problem(FILE, 5, 12, "agents.billing.trust",
                            "expected a number between 0 and 1, got the string 'high'"),
                    new Problem(FILE, 7, 5, "rules[0]",
                            "this rule does nothing; give it a 'ring', 'handoff: true', 'partial: true' or 'approval: required'"),
                    new Problem(FILE, 9, 12, "saga.retries", "-1 is out of range; it must be between 0 and 100")),
                    problems);
        }

        @Test
        void exceptionMessageNamesFileLineColumnAndKeyPath() {
            PolicyException e = assertThrows(PolicyException.class,
                    () -> PolicyParser.parse("version: 1\nagents:\n  billing:\n    rign: 1\n", "policies/app.yaml"));
            assertEquals("invalid policy: policies/app.yaml:4:5: agents.billing.rign: unknown key 'rign'; did you mean"
                    + " 'ring'?", e.getMessage());
        }

        @Test
        void severalProblemsAreListedOnePerLine() {
            PolicyException e = assertThrows(PolicyException.class,
                    () -> PolicyParser.parse("version: 1\nhost: {ring: 9}\nmode: x\n", "a.yaml"));
            assertEquals("invalid policy (2 problems):\n"
                    + "  a.yaml:2:14: host.ring: ring 9 does not exist; rings are 0 (kernel), 1 (privileged), 2"
                    + " (standard) and 3 (user)\n"
                    + "  a.yaml:3:7: mode: 'x' is not allowed here; write one of enforce, audit, off", e.getMessage());
        }

        @Test
        void fileNameIsThePathAsGiven(@TempDir Path dir) throws Exception {
            Path file = dir.resolve("bad.yaml");
            Files.writeString(file, "version: 1\nhost: {ring: 7}\n");
            PolicyException e = assertThrows(PolicyException.class, () -> PolicyParser.parse(file));
            assertEquals(file.toString(), e.problems().get(0).file());
        }
    
    }

    /** {@code store}: files or a PostgreSQL database; the password only through an environment variable. */
    @Nested
    class Store {
        @Test
        void anUnknownStoreKindIsNamed() {
            assertProblem(problem("version: 1\nstore: mysql\n"), 2, 8, "store",
                    "expected 'files' or a map with 'postgres', got the string 'mysql'");
        }

        @Test
        void urlAndUserAreRequired() {
            List<Problem> problems = problems("version: 1\nstore:\n  postgres:\n    schema: desk\n");
            assertEquals(2, problems.size(), problems::toString);
            assertEquals("missing required key 'url' (a JDBC URL such as jdbc:postgresql://db:5432/app)",
                    problems.get(0).message());
            assertEquals(4, problems.get(0).line());
            assertEquals("store.postgres.url", problems.get(0).keyPath());
            assertEquals("store.postgres.user", problems.get(1).keyPath());
        }

        @Test
        void onlyPostgresUrlsAreAccepted() {
            assertProblem(problem("version: 1\nstore:\n  postgres:\n    url: jdbc:mysql://db/x\n    user: u\n"),
                    4, 10, "store.postgres.url",
                    "must start with jdbc:postgresql:// (only PostgreSQL is supported), got 'jdbc:mysql://db/x'");
        }

        @Test
        void aPasswordInThePolicyIsRefused() {
            List<Problem> problems = problems("version: 1\nstore:\n  postgres:\n    url: jdbc:postgresql://db/x\n"
                    + "    user: u\n    password: secret\n");
            assertEquals(1, problems.size(), problems::toString);
            assertEquals(6, problems.get(0).line());
            assertEquals("store.postgres.password", problems.get(0).keyPath());
            assertTrue(problems.get(0).message().contains("did you mean 'passwordEnv'"), problems::toString);
        }

        @Test
        void passwordEnvMustBeAVariableNameAndSchemaAnIdentifier() {
            List<Problem> problems = problems("version: 1\nstore:\n  postgres:\n    url: jdbc:postgresql://db/x\n"
                    + "    user: u\n    passwordEnv: \"hunter 2\"\n    schema: Desk-1\n    onUnavailable: retry\n");
            assertEquals(List.of("store.postgres.passwordEnv", "store.postgres.schema", "store.postgres.onUnavailable"),
                    problems.stream().map(Problem::keyPath).toList(), problems::toString);
            assertEquals(List.of(6, 7, 8), problems.stream().map(Problem::line).toList());
        }

        @Test
        void aSagaLeaseShorterThan300MillisecondsIsRefused() {
            // Renewed every third of the lease: shorter than 300 ms, a renewal would race the database's answer.
            List<Problem> problems = problems("version: 1\nstore:\n  postgres:\n    url: jdbc:postgresql://db/x\n"
                    + "    user: u\n    sagaLease: 100ms\n");
            assertEquals(List.of("store.postgres.sagaLease"), problems.stream().map(Problem::keyPath).toList(),
                    problems::toString);
            assertEquals(6, problems.get(0).line());
        }
    }
}
