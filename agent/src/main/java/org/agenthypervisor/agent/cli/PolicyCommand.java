package org.agenthypervisor.agent.cli;

import org.agenthypervisor.core.governance.ClassInfo;
import org.agenthypervisor.core.governance.ClassPlan;
import org.agenthypervisor.core.governance.GovernancePlanner;
import org.agenthypervisor.core.governance.MethodPlan;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.PolicyException;
import org.agenthypervisor.core.policy.PolicyParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code policy check}: validate a policy and show what it governs on a class path. */
@Command(name = "policy", mixinStandardHelpOptions = true, description = "Work with policy files.",
        subcommands = {PolicyCommand.Check.class})
final class PolicyCommand extends CommandGroup {
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Validate a policy file and, given a class path, list the methods each annotation and rule governs.",
                    "Exit code 0: valid; 1: the policy is invalid or a governed class has a problem (such as a missing",
                    "compensation); 2: usage error."})
    static final class Check implements Callable<Integer> {
        @Option(names = {"-p", "--policy"}, required = true, paramLabel = "FILE", description = "The policy file.")
        Path policyFile;

        @Option(names = {"-cp", "--classpath"}, paramLabel = "CLASSPATH",
                description = "Directories and jars to scan (separated by the platform's path separator).")
        String classPath;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (!Files.isRegularFile(policyFile)) {
                throw new HypervisorCommand.UsageError("policy file not found: " + policyFile);
            }
            Policy policy;
            try {
                policy = PolicyParser.parse(policyFile);
            } catch (PolicyException invalid) {
                err.println(invalid.getMessage());
                return HypervisorCommand.FAILED;
            }
            out.println("policy " + policyFile + ": valid (version 1, sha256 " + policy.sha256().substring(0, 16) + "...)");
            out.println("  mode " + policy.mode().name().toLowerCase(Locale.ROOT) + ", onInternalError "
                    + policy.onInternalError().name().toLowerCase(Locale.ROOT) + ", dataDir " + policy.dataDir()
                    + ", host ring " + policy.host().ring());
            out.println();
            out.println("agents (" + policy.agents().size() + ")");
            for (Policy.AgentSpec a : policy.agents().values()) {
                out.printf(Locale.ROOT, "  %-20s ring %d  trust %.2f  minTrust %.2f%s%n", a.id(), a.ring(), a.trust(),
                        a.minTrust(), (a.classes().isEmpty() ? "" : "  classes " + a.classes())
                                + (a.aiServices().isEmpty() ? "" : "  aiServices " + a.aiServices())
                                + (a.agenticNames().isEmpty() ? "" : "  agenticNames " + a.agenticNames()));
            }
            List<String> capabilityWarnings = reportCapabilities(policy, out);
            if (classPath == null) {
                printWarnings(capabilityWarnings, out);
                out.println();
                out.println("(give --classpath to list the methods the policy and the annotations govern)");
                return HypervisorCommand.OK;
            }
            Map<String, String> origins = new HashMap<>();
            List<ClassInfo> classes = ClassPathScan.scan(classPath, origins);
            return report(policy, classes, origins, capabilityWarnings, out, err);
        }

        /**
         * What each agent may do through the JDK at its granted ring, and a warning for every agent at
         * ring 2 or 3 that may not connect anywhere: it cannot reach a language-model provider.
         */
        private static List<String> reportCapabilities(Policy policy, PrintWriter out) {
            Path workingDir = Path.of("").toAbsolutePath();
            org.agenthypervisor.core.capabilities.CapabilityTable table = org.agenthypervisor.core.capabilities.CapabilityTable
                    .of(policy, workingDir, Path.of(System.getProperty("user.home", "/")));
            List<String> warnings = new ArrayList<>();
            out.println();
            out.println("capabilities (relative paths resolved against " + workingDir + ")");
            for (int ring = 1; ring <= 3; ring++) {
                out.println("  ring " + ring + " default: " + table.ring(ring).describe());
            }
            for (Policy.AgentSpec a : policy.agents().values()) {
                org.agenthypervisor.core.capabilities.Grants g = a.ring() == 0
                        ? org.agenthypervisor.core.capabilities.Grants.ALL
                        : table.agent(a.id()) != null ? table.agent(a.id()) : table.ring(a.ring());
                out.println("  " + a.id() + " (ring " + a.ring() + "): " + (a.ring() == 0 ? "everything" : g.describe()));
                if (a.ring() >= 2 && g.patterns(org.agenthypervisor.core.capabilities.Capability.NETWORK_CONNECT).isEmpty()
                        && !g.allowsAll(org.agenthypervisor.core.capabilities.Capability.NETWORK_CONNECT)) {
                    warnings.add("agent '" + a.id() + "' (ring " + a.ring() + ") may not connect anywhere, so it cannot"
                            + " call a language-model provider; if it does, grant its host in one line: agents." + a.id()
                            + ".capabilities.network.connect: [\"api.openai.com:443\"]");
                }
            }
            return warnings;
        }

        private static void printWarnings(List<String> warnings, PrintWriter out) {
            if (!warnings.isEmpty()) {
                out.println();
                warnings.stream().distinct().forEach(w -> out.println("warning: " + w));
            }
        }

        private int report(Policy policy, List<ClassInfo> classes, Map<String, String> origins,
                           List<String> capabilityWarnings, PrintWriter out, PrintWriter err) {
            // First pass: agents' classes, so anonymous classes find their enclosing agent.
            Map<String, String> owners = new HashMap<>();
            for (ClassInfo c : classes) {
                ClassPlan plan = GovernancePlanner.plan(c, policy, name -> null);
                if (plan.owner() != null) {
                    owners.put(c.name(), plan.owner());
                }
            }
            Map<String, List<String>> byGovernor = new LinkedHashMap<>();
            for (Policy.RuleSpec rule : policy.rules()) {
                byGovernor.put(rule.describe(), new ArrayList<>());
            }
            for (Policy.SagaSpec saga : policy.sagas()) {
                if (saga.methods() != null) {
                    byGovernor.put("policy sagas[" + saga.index() + "] (" + saga.methods() + ")", new ArrayList<>());
                }
            }
            Map<String, List<String>> agents = new LinkedHashMap<>();
            List<String> problems = new ArrayList<>();
            List<String> warnings = new ArrayList<>(capabilityWarnings);
            int governedClasses = 0;
            for (ClassInfo c : classes) {
                ClassPlan plan = GovernancePlanner.plan(c, policy, owners::get);
                problems.addAll(plan.problems());
                warnings.addAll(plan.warnings());
                if (!plan.isGoverned()) {
                    continue;
                }
                governedClasses++;
                if (plan.owner() != null) {
                    long handoffs = plan.methods().stream().filter(MethodPlan::handoff).count();
                    agents.computeIfAbsent(plan.owner(), k -> new ArrayList<>()).add(c.name() + "  (" + plan.ownerSource()
                            + "; " + plan.methods().size() + " method(s) run as the agent, " + handoffs + " hand-off point(s);"
                            + " from " + origins.getOrDefault(c.name(), "?") + ")");
                }
                for (MethodPlan m : plan.methods()) {
                    for (String governor : m.governedBy()) {
                        if (governor.startsWith("runs as agent")) {
                            continue;
                        }
                        String key = governor.startsWith("@") ? annotationGroup(governor) : governor;
                        String detail = m.requiredRing() != null && governor.equals(m.requirementSource())
                                ? "  -> requires ring " + m.requiredRing() : "";
                        byGovernor.computeIfAbsent(key, k -> new ArrayList<>()).add(m.display() + detail);
                    }
                }
            }
            out.println();
            out.println("class path: " + classes.size() + " class(es) scanned, " + governedClasses + " governed");
            out.println();
            out.println("agents' classes");
            if (agents.isEmpty()) {
                out.println("  (none)");
            }
            agents.forEach((agent, list) -> {
                out.println("  " + agent);
                list.stream().sorted().forEach(line -> out.println("    " + line));
            });
            out.println();
            out.println("governed methods");
            for (Map.Entry<String, List<String>> e : byGovernor.entrySet()) {
                out.println("  " + e.getKey());
                if (e.getValue().isEmpty()) {
                    out.println("    (governs nothing on this class path)");
                    if (e.getKey().contains("(tools: ")) {
                        warnings.add(e.getKey() + " matches no @Tool method on the class path (it may still name"
                                + " MCP or programmatic tools, which have no method)");
                    } else if (!e.getKey().startsWith("@")) {
                        warnings.add(e.getKey() + " governs no method on the class path");
                    }
                }
                e.getValue().stream().distinct().forEach(line -> out.println("    " + line));
            }
            reportAiServices(policy, classes, out, warnings);
            for (Policy.AgentSpec a : policy.agents().values()) {
                if (!a.classes().isEmpty() && !agents.containsKey(a.id())) {
                    warnings.add("agents." + a.id() + ".classes " + a.classes() + " matches no class on the class path");
                }
            }
            printWarnings(warnings, out);
            if (!problems.isEmpty()) {
                err.println();
                problems.stream().distinct().forEach(p -> err.println("error: " + p));
                return HypervisorCommand.FAILED;
            }
            return HypervisorCommand.OK;
        }

        /** Interfaces that {@code aiServices} globs bind: what they are, and globs that bind nothing. */
        private static void reportAiServices(Policy policy, List<ClassInfo> classes, PrintWriter out, List<String> warnings) {
            boolean any = policy.agents().values().stream().anyMatch(a -> !a.aiServices().isEmpty());
            if (!any) {
                return;
            }
            out.println();
            out.println("AI services (LangChain4j)");
            for (Policy.AgentSpec a : policy.agents().values()) {
                for (org.agenthypervisor.core.policy.Glob glob : a.aiServices()) {
                    int bound = 0;
                    for (ClassInfo c : classes) {
                        if (!glob.matches(c.name())) {
                            continue;
                        }
                        if (!c.isInterface() || c.isAnnotationType()) {
                            warnings.add("agents." + a.id() + ".aiServices (" + glob + ") matches " + c.name()
                                    + ", which is not an interface; an AI service is the interface given to"
                                    + " AiServices.builder(...)");
                            continue;
                        }
                        ClassPlan plan = GovernancePlanner.planAiService(c, policy);
                        bound++;
                        out.println("  " + c.name() + "  (interface, bound as an AI service: runs as agent '" + plan.owner()
                                + "'; " + plan.methods().size() + " method(s), each a hand-off point"
                                + (plan.methods().stream().anyMatch(m -> m.saga() != null) ? ", saga boundaries" : "")
                                + ")");
                    }
                    if (bound == 0) {
                        warnings.add("agents." + a.id() + ".aiServices (" + glob + ") matches no interface on the class path");
                    }
                }
            }
        }

        private static String annotationGroup(String governor) {
            if (governor.startsWith("@Ring")) {
                return "@Ring annotations";
            } else if (governor.startsWith("@Saga")) {
                return "@Saga annotations";
            } else if (governor.startsWith("@Compensate")) {
                return "@Compensate annotations";
            }
            return governor;
        }
    }
}
