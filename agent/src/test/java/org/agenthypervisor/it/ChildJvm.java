package org.agenthypervisor.it;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts a child JVM the way a user would: {@code java -javaagent:agent-hypervisor.jar=OPTIONS -cp
 * ... Main args}, in a fresh working directory, and collects what it printed and its exit code.
 * The JVM is the one the integration tests run on, or {@code -Dit.java=...} (CI runs them again on
 * Java 25 that way).
 */
public final class ChildJvm {
    private static final AtomicInteger RUNS = new AtomicInteger();

    private final List<String> jvmArgs = new ArrayList<>();
    private final List<String> classpath = new ArrayList<>();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private String agentOptions;
    private boolean agent = true;
    private Path workDir;
    private long timeoutSeconds = 90;
    private Path jarFile;
    private final List<String> wrapper = new ArrayList<>();

    private ChildJvm() {
        if (System.getProperty("it.testClasses") != null) {
            classpath.add(testClasses());
        }
    }

    /** A child JVM with the real shaded agent attached. */
    public static ChildJvm withAgent(String options) {
        ChildJvm jvm = new ChildJvm();
        jvm.agentOptions = options;
        return jvm;
    }

    /** A child JVM without the agent. */
    public static ChildJvm withoutAgent() {
        ChildJvm jvm = new ChildJvm();
        jvm.agent = false;
        return jvm;
    }

    public static String agentJar() {
        return required("it.agentJar");
    }

    public static String apiJar() {
        return required("it.apiJar");
    }

    public static String testClasses() {
        return required("it.testClasses");
    }

    public static String javaBinary() {
        String java = System.getProperty("it.java");
        return java == null || java.isBlank() ? Path.of(System.getProperty("java.home"), "bin", "java").toString() : java;
    }

    /** The feature version of the child JVM (17, 21, 25...). */
    public static int javaVersion() {
        try {
            Process p = new ProcessBuilder(javaBinary(), "-version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("version \"(\\d+)").matcher(out);
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null) {
            throw new IllegalStateException("system property " + property + " is not set; run the integration tests with Maven (mvn verify)");
        }
        return value;
    }

    /** A fresh working directory under target/it-work named after the test. */
    public static Path freshWorkDir(String name) {
        Path dir = Path.of(required("it.work")).resolve(name + "-" + RUNS.incrementAndGet() + "-" + System.nanoTime());
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** Runs {@code java -jar jar args} instead of a main class on the test class path. */
    public ChildJvm jar(Path jar) {
        this.jarFile = jar;
        return this;
    }

    /**
     * Runs the JVM through a shell script first, which ends with {@code exec "$@"} (the JVM's command
     * line): {@code bash -c script bash java ...}. For process limits ({@code ulimit}) and signal
     * dispositions the JVM inherits.
     */
    public ChildJvm underShell(String script) {
        wrapper.clear();
        wrapper.addAll(List.of("bash", "-c", script, "bash"));
        return this;
    }

    public ChildJvm in(Path dir) {
        this.workDir = dir;
        return this;
    }

    public ChildJvm jvmArg(String arg) {
        jvmArgs.add(arg);
        return this;
    }

    public ChildJvm classpath(String entry) {
        classpath.add(entry);
        return this;
    }

    /** Puts an entry before the test classes. */
    public ChildJvm classpathFirst(String entry) {
        classpath.add(0, entry);
        return this;
    }

    public ChildJvm env(String key, String value) {
        environment.put(key, value);
        return this;
    }

    public ChildJvm timeout(long seconds) {
        this.timeoutSeconds = seconds;
        return this;
    }

    public Path workDir() {
        if (workDir == null) {
            workDir = freshWorkDir("run");
        }
        return workDir;
    }

    public List<String> command(String mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        if (agent) {
            command.add("-javaagent:" + agentJar() + (agentOptions == null || agentOptions.isEmpty() ? "" : "=" + agentOptions));
        }
        command.addAll(jvmArgs);
        if (jarFile != null) {
            command.add("-jar");
            command.add(jarFile.toString());
        } else {
            command.add("-cp");
            command.add(String.join(File.pathSeparator, classpath));
            command.add(mainClass);
        }
        command.addAll(List.of(args));
        return command;
    }

    /** Runs the jar given to {@link #jar(Path)} to completion. */
    public Result runJar(String... args) {
        return run(null, args);
    }

    /** Runs to completion. */
    public Result run(String mainClass, String... args) {
        try {
            Process process = start(mainClass, args);
            return await(process);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts without waiting, for tests that interact with a running application. */
    public Process start(String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(command(mainClass, args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir().toFile());
        builder.environment().putAll(environment);
        return builder.start();
    }

    public Result await(Process process) {
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("child JVM did not finish in " + timeoutSeconds + " s; output so far:\n"
                        + out.getNow("") + err.getNow(""));
            }
            return new Result(process.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS), workDir());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static CompletableFuture<String> drain(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "<unreadable: " + e + ">";
            }
        });
    }

    /** What a child JVM did. */
    public record Result(int exitCode, String stdout, String stderr, Path workDir) {
        public String output() {
            return stdout + stderr;
        }

        /** The lines starting with {@code prefix}. */
        public List<String> lines(String prefix) {
            List<String> out = new ArrayList<>();
            for (String line : output().split("\\R")) {
                if (line.startsWith(prefix)) {
                    out.add(line);
                }
            }
            return out;
        }

        /** The value of a {@code RESULT name value...} line the fixture printed. */
        public String result(String name) {
            for (String line : stdout.split("\\R")) {
                if (line.startsWith("RESULT " + name + " ")) {
                    return line.substring(("RESULT " + name + " ").length());
                }
            }
            throw new AssertionError("no 'RESULT " + name + "' line; exit " + exitCode + ", output:\n" + output());
        }

        public Path dataDir() {
            return workDir.resolve(".agent-hypervisor");
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    /** Writes a file into a directory (policies, mostly). */
    public static Path write(Path dir, String name, String content) {
        try {
            Path file = dir.resolve(name);
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
