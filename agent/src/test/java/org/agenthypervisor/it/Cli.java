package org.agenthypervisor.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the real agent jar's command line, {@code java -jar agent-hypervisor.jar ARGS}, as an operator would. */
public final class Cli {
    private Cli() {
    }

    public static ChildJvm.Result run(Path workDir, String... args) {
        List<String> command = new ArrayList<>();
        command.add(ChildJvm.javaBinary());
        command.add("-Xshare:auto");
        command.add("-jar");
        command.add(ChildJvm.agentJar());
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE).start();
            p.getOutputStream().close();
            CompletableFuture<String> out = ChildJvm.drain(p.getInputStream());
            CompletableFuture<String> err = ChildJvm.drain(p.getErrorStream());
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("command line " + command + " did not finish in 120 s");
            }
            return new ChildJvm.Result(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS), workDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
