package org.agenthypervisor.bench.startup;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * How long a JVM takes from {@code exec} to exit, and how much memory it peaks at, with the agent
 * and without. A plain program (not JMH): each measurement is a whole child JVM, as a user starts
 * one. For each JDK given, every round runs each scenario once, so the scenarios of a JDK share
 * whatever drift the machine has (turbo, page cache, a neighbour); the order of the scenarios
 * rotates from round to round so that none is always first or always after the heaviest one.
 *
 * <p>The scenarios, per JDK:
 * <ul>
 *   <li>{@code hello}: a hello-world main, compiled once up front into a temporary directory (never
 *       {@code java Hello.java}, which would time the compiler);</li>
 *   <li>{@code hello + agent (warm data dir)}: the same with
 *       {@code -javaagent:JAR=policy=POLICY,dataDir=DIR}, the policy a one-line file
 *       {@code version: 1}, the data directory created by an unmeasured first run and reused by
 *       every measured run, as in a deployment that restarts;</li>
 *   <li>{@code hello + agent (fresh data dir)}: a new empty data directory for every run: the first
 *       start of a deployment (keys generated, logs created);</li>
 *   <li>{@code hello + agent, -Dagenthypervisor.enabled=false}: the kill switch;</li>
 *   <li>{@code java -jar agent --help}: the command line;</li>
 *   <li>{@code refund-desk} and {@code refund-desk + agent}: the sample application, without and with
 *       the agent and its policy, when {@code --refund-desk-cp} is given. Under the agent each run
 *       gets a fresh data directory, as {@code demo.sh} does: the trust ledger outlives the process
 *       (a slashed agent stays slashed), so a reused directory would tell another story at every
 *       run.</li>
 * </ul>
 *
 * <p>Wall time is {@link System#nanoTime()} around {@link ProcessBuilder#start()} and
 * {@link Process#waitFor()}. Peak RSS is GNU time's {@code %M} when {@code /usr/bin/time} exists
 * (the child then runs under it, which adds the same small fork/exec to every scenario); otherwise
 * {@code VmHWM} of {@code /proc/PID/status}, polled while the child runs, which misses whatever
 * the child allocates after the last poll (the report says so). The agent's own
 * "started in N ms", from its start-up log line on stderr, is collected too.
 *
 * <p>Run it from the repository root after building the agent, the sample and this module
 * ({@code bench/startup.sh} does all of it, for both JDKs of the project's machines):
 * <pre>
 * java -cp bench/target/benchmarks.jar org.agenthypervisor.bench.startup.StartupBenchmark \
 *     --agent agent/target/agent-hypervisor.jar \
 *     --java /usr/lib/jvm/java-17-openjdk-amd64/bin/java --java /usr/lib/jvm/temurin-25-jdk-amd64/bin/java \
 *     --refund-desk-cp samples/refund-desk/target/classes:$(cat samples/refund-desk/target/startup-classpath.txt) \
 *     --refund-desk-main org.agenthypervisor.samples.refund.RefundDesk \
 *     --refund-desk-policy policies/demo.yaml \
 *     --runs 11 --out /tmp/startup.md
 * </pre>
 * Options: {@code --agent JAR} (required); {@code --java PATH} (repeatable; a {@code java}
 * executable or a JDK home; default: the JVM running this); {@code --runs N} (measured rounds,
 * default 11); {@code --warmup N} (unmeasured rounds first, default 1); {@code --out FILE} (the
 * Markdown report, also printed); {@code --refund-desk-cp CP}, {@code --refund-desk-main CLASS}
 * (default {@value #REFUND_DESK_MAIN}), {@code --refund-desk-policy FILE}; {@code --timeout S}
 * (per run, default 300); {@code --keep} (keep the temporary directory).
 *
 * <p>Run nothing else on the machine meanwhile: with two cores a build or a test suite measures
 * against it. Compare figures from the same report only.
 */
public final class StartupBenchmark {
    static final String REFUND_DESK_MAIN = "org.agenthypervisor.samples.refund.RefundDesk";
    private static final Pattern STARTED = Pattern.compile("started in (\\d+) ms");
    private static final Path GNU_TIME = Path.of("/usr/bin/time");

    private StartupBenchmark() {
    }

    /** What the command line asked for. */
    record Options(Path agent, List<Path> javas, int runs, int warmup, Path out, String refundDeskCp,
                   String refundDeskMain, Path refundDeskPolicy, long timeoutSeconds, boolean keep) {
    }

    /** One JDK under test. */
    record Jdk(int index, Path java, String version) {
        String label() {
            return "JDK " + index + " (" + java + ")";
        }
    }

    /** How a run's data directory is chosen. */
    enum DataDir { NONE, WARM, FRESH, WARM_DESK }

    /** One kind of child JVM. {@code baseline} names the scenario its overhead is measured against. */
    record Scenario(String name, String baseline, DataDir dataDir, boolean agentLog, Function<Path, List<String>> args) {
    }

    /** One measured child JVM. */
    record Run(long nanos, long rssKb, int exitCode, Integer agentStartedMs) {
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException bad) {
            System.err.println("StartupBenchmark: " + bad.getMessage());
            System.err.println("usage: StartupBenchmark --agent JAR [--java JAVA]... [--runs N] [--warmup N] [--out FILE]"
                    + " [--refund-desk-cp CP [--refund-desk-main CLASS] --refund-desk-policy FILE] [--timeout S] [--keep]");
            System.exit(2);
            return;
        }
        String report = new StartupBenchmark().run(options, args);
        System.out.println(report);
        if (options.out() != null) {
            Files.writeString(options.out(), report, StandardCharsets.UTF_8);
            System.err.println("report written to " + options.out());
        }
    }

    static Options parse(String[] args) {
        Path agent = null;
        List<Path> javas = new ArrayList<>();
        int runs = 11;
        int warmup = 1;
        Path out = null;
        String cp = null;
        String main = REFUND_DESK_MAIN;
        Path policy = null;
        long timeout = 300;
        boolean keep = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--agent" -> agent = Path.of(value(args, ++i, arg));
                case "--java" -> javas.add(javaBinary(Path.of(value(args, ++i, arg))));
                case "--runs" -> runs = positive(value(args, ++i, arg), arg);
                case "--warmup" -> warmup = Integer.parseInt(value(args, ++i, arg));
                case "--out" -> out = Path.of(value(args, ++i, arg));
                case "--refund-desk-cp" -> cp = value(args, ++i, arg);
                case "--refund-desk-main" -> main = value(args, ++i, arg);
                case "--refund-desk-policy" -> policy = Path.of(value(args, ++i, arg));
                case "--timeout" -> timeout = positive(value(args, ++i, arg), arg);
                case "--keep" -> keep = true;
                default -> throw new IllegalArgumentException("unknown option " + arg);
            }
        }
        if (agent == null || !Files.isRegularFile(agent)) {
            throw new IllegalArgumentException("--agent must name the agent jar" + (agent == null ? "" : ": no file " + agent));
        }
        if (javas.isEmpty()) {
            javas.add(javaBinary(Path.of(System.getProperty("java.home"))));
        }
        if (cp != null && (policy == null || !Files.isRegularFile(policy))) {
            throw new IllegalArgumentException("--refund-desk-cp needs --refund-desk-policy FILE (policies/demo.yaml)");
        }
        if (cp != null) {
            // The children run in a temporary directory: relative entries are taken from here.
            cp = Arrays.stream(cp.split(File.pathSeparator)).filter(e -> !e.isEmpty())
                    .map(e -> Path.of(e).toAbsolutePath().toString()).collect(Collectors.joining(File.pathSeparator));
        }
        return new Options(agent.toAbsolutePath(), javas, runs, warmup, out, cp, main,
                policy == null ? null : policy.toAbsolutePath(), timeout, keep);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static int positive(String value, String option) {
        int n = Integer.parseInt(value);
        if (n < 1) {
            throw new IllegalArgumentException(option + " must be at least 1");
        }
        return n;
    }

    /** A {@code java} executable, or a JDK home's {@code bin/java}. */
    private static Path javaBinary(Path path) {
        Path java = Files.isDirectory(path) ? path.resolve("bin").resolve("java") : path;
        if (!Files.isExecutable(java)) {
            throw new IllegalArgumentException("not a java executable: " + java);
        }
        return java.toAbsolutePath();
    }

    String run(Options options, String[] args) throws IOException, InterruptedException {
        Path work = Files.createTempDirectory("startup-bench-");
        try {
            return measure(options, args, work);
        } finally {
            if (!options.keep()) {
                delete(work);
            } else {
                System.err.println("kept " + work);
            }
        }
    }

    private String measure(Options options, String[] args, Path work) throws IOException, InterruptedException {
        Path hello = compileHello(work, options.javas());
        Path policy = work.resolve("policy.yaml");
        Files.writeString(policy, "version: 1\n", StandardCharsets.UTF_8);
        boolean gnuTime = Files.isExecutable(GNU_TIME);

        List<Jdk> jdks = new ArrayList<>();
        for (Path java : options.javas()) {
            jdks.add(new Jdk(jdks.size() + 1, java, version(java)));
        }
        List<Scenario> scenarios = scenarios(options, hello, policy);
        // results.get(jdk).get(scenario)
        Map<Jdk, Map<Scenario, List<Run>>> results = new LinkedHashMap<>();
        Map<Jdk, Map<Scenario, List<String>>> examples = new LinkedHashMap<>();
        List<String> failures = new ArrayList<>();
        for (Jdk jdk : jdks) {
            Map<Scenario, List<Run>> byScenario = new LinkedHashMap<>();
            scenarios.forEach(s -> byScenario.put(s, new ArrayList<>()));
            results.put(jdk, byScenario);
            examples.put(jdk, new LinkedHashMap<>());
            // The warm data directories: created by unmeasured starts. Three, because the woven-class
            // cache settles over the first starts (a JDK class can reach the weaver with other bytes
            // at the second start than at the first) and a warm start then writes the class list.
            for (DataDir kind : List.of(DataDir.WARM, DataDir.WARM_DESK)) {
                Scenario first = scenarios.stream().filter(s -> s.dataDir() == kind).findFirst().orElse(null);
                if (first == null) {
                    continue;
                }
                Path warm = work.resolve((kind == DataDir.WARM ? "warm-" : "warm-desk-") + jdk.index());
                for (int i = 0; i < 3; i++) {
                    Run priming = once(options, jdk, first, warm, work, gnuTime, failures, "priming");
                    if (priming.exitCode() != 0) {
                        throw new IllegalStateException("a priming start in " + warm + " failed; see above");
                    }
                }
            }
        }

        int rounds = options.warmup() + options.runs();
        for (int round = 0; round < rounds; round++) {
            boolean measured = round >= options.warmup();
            System.err.printf(Locale.ROOT, "round %d/%d%s%n", round + 1, rounds, measured ? "" : " (warm-up)");
            for (Jdk jdk : jdks) {
                for (int k = 0; k < scenarios.size(); k++) {
                    Scenario scenario = scenarios.get((k + round) % scenarios.size());
                    Path dataDir = switch (scenario.dataDir()) {
                        case NONE -> null;
                        case WARM -> work.resolve("warm-" + jdk.index());
                        case WARM_DESK -> work.resolve("warm-desk-" + jdk.index());
                        case FRESH -> work.resolve("fresh-" + jdk.index() + "-" + round + "-" + k);
                    };
                    Run run = once(options, jdk, scenario, dataDir, work, gnuTime, failures, scenario.name());
                    examples.get(jdk).putIfAbsent(scenario, command(jdk, scenario, dataDir));
                    if (scenario.dataDir() == DataDir.FRESH) {
                        delete(dataDir);
                    }
                    if (measured && run.exitCode() == 0) {
                        results.get(jdk).get(scenario).add(run);
                    }
                }
            }
        }
        return report(options, args, jdks, scenarios, results, examples, failures, gnuTime);
    }

    private static List<Scenario> scenarios(Options options, Path hello, Path policy) {
        String agent = options.agent().toString();
        List<Scenario> list = new ArrayList<>();
        list.add(new Scenario("hello", null, DataDir.NONE, false,
                dir -> List.of("-cp", hello.toString(), "Hello")));
        list.add(new Scenario("hello + agent (warm data dir)", "hello", DataDir.WARM, true,
                dir -> List.of("-javaagent:" + agent + "=policy=" + policy + ",dataDir=" + dir, "-cp", hello.toString(), "Hello")));
        list.add(new Scenario("hello + agent (fresh data dir)", "hello", DataDir.FRESH, true,
                dir -> List.of("-javaagent:" + agent + "=policy=" + policy + ",dataDir=" + dir, "-cp", hello.toString(), "Hello")));
        list.add(new Scenario("hello + agent, -Dagenthypervisor.enabled=false", "hello", DataDir.WARM, false,
                dir -> List.of("-javaagent:" + agent + "=policy=" + policy + ",dataDir=" + dir,
                        "-Dagenthypervisor.enabled=false", "-cp", hello.toString(), "Hello")));
        list.add(new Scenario("java -jar agent --help", null, DataDir.NONE, false,
                dir -> List.of("-jar", agent, "--help")));
        if (options.refundDeskCp() != null) {
            String cp = options.refundDeskCp();
            String main = options.refundDeskMain();
            list.add(new Scenario("refund-desk", null, DataDir.NONE, false, dir -> List.of("-cp", cp, main)));
            list.add(new Scenario("refund-desk + agent (warm data dir)", "refund-desk", DataDir.WARM_DESK, true,
                    dir -> List.of("-javaagent:" + agent + "=policy=" + options.refundDeskPolicy() + ",dataDir=" + dir,
                            "-cp", cp, main)));
            list.add(new Scenario("refund-desk + agent (fresh data dir)", "refund-desk", DataDir.FRESH, true,
                    dir -> List.of("-javaagent:" + agent + "=policy=" + options.refundDeskPolicy() + ",dataDir=" + dir,
                            "-cp", cp, main)));
        }
        return list;
    }

    private static List<String> command(Jdk jdk, Scenario scenario, Path dataDir) {
        List<String> command = new ArrayList<>();
        command.add(jdk.java().toString());
        command.addAll(scenario.args().apply(dataDir));
        return command;
    }

    /** Runs one child JVM to completion. */
    private Run once(Options options, Jdk jdk, Scenario scenario, Path dataDir, Path work, boolean gnuTime,
                     List<String> failures, String what) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        Path rssFile = work.resolve("rss.txt");
        Files.deleteIfExists(rssFile);
        if (gnuTime) {
            command.addAll(List.of(GNU_TIME.toString(), "-f", "%M", "-o", rssFile.toString()));
        }
        command.addAll(command(jdk, scenario, dataDir));
        Path stderr = work.resolve("stderr.txt");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(work.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(stderr.toFile());
        HwmPoller poller = null;
        long start = System.nanoTime();
        Process process = builder.start();
        if (!gnuTime) {
            poller = new HwmPoller(process.pid());
            poller.start();
        }
        boolean done = process.waitFor(options.timeoutSeconds(), TimeUnit.SECONDS);
        long nanos = System.nanoTime() - start;
        if (!done) {
            process.destroyForcibly().waitFor();
        }
        long rss = -1;
        if (poller != null) {
            poller.interrupt();
            poller.join();
            rss = poller.peakKb;
        } else if (Files.exists(rssFile)) {
            rss = lastNumber(Files.readString(rssFile, StandardCharsets.UTF_8));
        }
        String err = Files.exists(stderr) ? Files.readString(stderr, StandardCharsets.UTF_8) : "";
        int exit = done ? process.exitValue() : -1;
        Integer started = null;
        Matcher m = STARTED.matcher(err);
        if (scenario.agentLog()) {
            if (m.find()) {
                started = Integer.valueOf(m.group(1));
            }
        }
        if (exit != 0) {
            String tail = err.length() > 2000 ? err.substring(err.length() - 2000) : err;
            String message = jdk.label() + ", " + what + ": " + (done ? "exit code " + exit : "timed out after "
                    + options.timeoutSeconds() + " s") + "\n  command: " + String.join(" ", command) + "\n  stderr (end):\n" + tail.indent(4);
            failures.add(message);
            System.err.println(message);
        }
        return new Run(nanos, rss, exit, started);
    }

    private static long lastNumber(String text) {
        String[] lines = text.strip().split("\\R");
        try {
            return Long.parseLong(lines[lines.length - 1].trim());
        } catch (NumberFormatException notANumber) {
            return -1;
        }
    }

    /** Polls the child's VmHWM (approximate: the child may grow after the last poll). */
    private static final class HwmPoller extends Thread {
        private final Path status;
        volatile long peakKb = -1;

        HwmPoller(long pid) {
            super("vmhwm-poller");
            setDaemon(true);
            this.status = Path.of("/proc/" + pid + "/status");
        }

        @Override
        public void run() {
            while (!isInterrupted()) {
                try {
                    for (String line : Files.readAllLines(status)) {
                        if (line.startsWith("VmHWM:")) {
                            peakKb = Math.max(peakKb, Long.parseLong(line.replaceAll("[^0-9]", "")));
                        }
                    }
                    Thread.sleep(5);
                } catch (IOException | NumberFormatException gone) {
                    return;
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    /** Compiles {@code Hello} once, for the oldest release among the JDKs (17: the project's). */
    private static Path compileHello(Path work, List<Path> javas) throws IOException, InterruptedException {
        Path src = work.resolve("hello-src");
        Path classes = work.resolve("hello-classes");
        Files.createDirectories(src);
        Files.createDirectories(classes);
        Path source = src.resolve("Hello.java");
        Files.writeString(source, "public class Hello {\n    public static void main(String[] args) {\n"
                + "        System.out.println(\"Hello, world\");\n    }\n}\n", StandardCharsets.UTF_8);
        String[] javacArgs = {"--release", "17", "-d", classes.toString(), source.toString()};
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        int status;
        if (compiler != null) {
            status = compiler.run(null, null, null, javacArgs);
        } else {
            // A JRE runs this: use the javac beside one of the JDKs under test.
            Path javac = javas.stream().map(j -> j.resolveSibling("javac")).filter(Files::isExecutable).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no Java compiler: run this on a JDK"));
            List<String> command = new ArrayList<>(List.of(javac.toString()));
            command.addAll(Arrays.asList(javacArgs));
            status = new ProcessBuilder(command).inheritIO().start().waitFor();
        }
        if (status != 0 || !Files.exists(classes.resolve("Hello.class"))) {
            throw new IllegalStateException("compiling Hello.java failed");
        }
        return classes;
    }

    private static String version(Path java) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(java.toString(), "-version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return String.join(" / ", out.strip().lines().limit(2).toList());
    }

    // ---------------------------------------------------------------- the report

    private String report(Options options, String[] args, List<Jdk> jdks, List<Scenario> scenarios,
                          Map<Jdk, Map<Scenario, List<Run>>> results, Map<Jdk, Map<Scenario, List<String>>> examples,
                          List<String> failures, boolean gnuTime) {
        StringBuilder md = new StringBuilder();
        md.append("## Start-up benchmark\n\n");
        md.append("- date: ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append('\n');
        md.append("- machine: ").append(nproc()).append(" CPU(s) (`nproc`), ").append(cpuModel())
                .append(", ").append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version")).append('\n');
        md.append("- command: `").append(commandLine(args)).append("`\n");
        md.append("- agent jar: ").append(options.agent()).append(" (").append(size(options.agent())).append(" bytes)\n");
        md.append("- rounds: ").append(options.runs()).append(" measured after ").append(options.warmup())
                .append(" warm-up, scenarios interleaved per round (order rotating), JDKs one after the other within a round\n");
        md.append("- wall: System.nanoTime() around ProcessBuilder.start() .. waitFor(), child stdout discarded, stderr to a file\n");
        md.append("- peak RSS: ").append(gnuTime ? "GNU time `%M` (the child runs under /usr/bin/time)"
                : "VmHWM polled every 5 ms from /proc/PID/status: APPROXIMATE (misses growth after the last poll)").append('\n');
        for (Jdk jdk : jdks) {
            md.append("\n### ").append(jdk.label()).append("\n\n`").append(jdk.version()).append("`\n\n");
            md.append("| scenario | n | wall median (ms) | p25–p75 | min–max | overhead (median − median of baseline) | ratio "
                    + "| peak RSS median (MB) | RSS overhead (MB) | agent \"started in\" median (ms) |\n");
            md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            Map<Scenario, List<Run>> byScenario = results.get(jdk);
            for (Scenario scenario : scenarios) {
                List<Run> runs = byScenario.get(scenario);
                md.append("| ").append(scenario.name()).append(" | ").append(runs.size()).append(" | ");
                if (runs.isEmpty()) {
                    md.append("— | — | — | — | — | — | — | — |\n");
                    continue;
                }
                double[] ms = runs.stream().mapToDouble(r -> r.nanos() / 1e6).sorted().toArray();
                double[] rss = runs.stream().filter(r -> r.rssKb() > 0).mapToDouble(r -> r.rssKb() / 1024.0).sorted().toArray();
                md.append(f(quantile(ms, 0.5))).append(" | ").append(f(quantile(ms, 0.25))).append("–").append(f(quantile(ms, 0.75)))
                        .append(" | ").append(f(ms[0])).append("–").append(f(ms[ms.length - 1])).append(" | ");
                Scenario baseline = scenario.baseline() == null ? null
                        : scenarios.stream().filter(s -> s.name().equals(scenario.baseline())).findFirst().orElse(null);
                List<Run> base = baseline == null ? List.of() : byScenario.get(baseline);
                if (!base.isEmpty()) {
                    double b = quantile(base.stream().mapToDouble(r -> r.nanos() / 1e6).sorted().toArray(), 0.5);
                    double a = quantile(ms, 0.5);
                    md.append(signed(a - b)).append(" vs ").append(baseline.name()).append(" | ")
                            .append(String.format(Locale.ROOT, "%.2f×", a / b)).append(" | ");
                } else {
                    md.append("— | — | ");
                }
                md.append(rss.length == 0 ? "—" : f(quantile(rss, 0.5))).append(" | ");
                double[] baseRss = base.stream().filter(r -> r.rssKb() > 0).mapToDouble(r -> r.rssKb() / 1024.0).sorted().toArray();
                md.append(rss.length == 0 || baseRss.length == 0 ? "—" : signed(quantile(rss, 0.5) - quantile(baseRss, 0.5))).append(" | ");
                double[] started = runs.stream().filter(r -> r.agentStartedMs() != null).mapToDouble(Run::agentStartedMs).sorted().toArray();
                md.append(started.length == 0 ? "—" : f(quantile(started, 0.5)) + " (n=" + started.length + ")").append(" |\n");
            }
            md.append("\nCommands (the temporary paths as in this run):\n\n");
            for (Map.Entry<Scenario, List<String>> e : examples.get(jdk).entrySet()) {
                md.append("- ").append(e.getKey().name()).append(": `").append(String.join(" ", e.getValue())).append("`\n");
            }
        }
        if (!failures.isEmpty()) {
            md.append("\n### Failed runs (left out of the figures)\n\n```\n");
            failures.forEach(f -> md.append(f).append('\n'));
            md.append("```\n");
        }
        return md.toString();
    }

    /** Linear interpolation between closest ranks of a sorted array. */
    static double quantile(double[] sorted, double q) {
        if (sorted.length == 1) {
            return sorted[0];
        }
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String signed(double v) {
        return String.format(Locale.ROOT, "%+.1f", v);
    }

    private static String commandLine(String[] args) {
        return ProcessHandle.current().info().commandLine()
                .orElseGet(() -> "java -cp ... " + StartupBenchmark.class.getName() + " " + String.join(" ", args));
    }

    private static String nproc() {
        try {
            Process p = new ProcessBuilder("nproc").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor() == 0 && !out.isEmpty()) {
                return out;
            }
        } catch (IOException | InterruptedException absent) {
            // below
        }
        return Runtime.getRuntime().availableProcessors() + " (availableProcessors)";
    }

    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse("unknown CPU");
        } catch (IOException | UncheckedIOException absent) {
            return "unknown CPU (no /proc/cpuinfo)";
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }

    private static void delete(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
