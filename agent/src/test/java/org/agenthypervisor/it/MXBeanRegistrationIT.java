package org.agenthypervisor.it;

import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The MXBean is registered late to spare short-lived JVMs the platform MBean server, but at once when
 * something else creates that server: the application itself, or an operator's command attaching.
 * Both JVMs here put the registration ten minutes off ({@code agenthypervisor.jmx.delayMillis}), so
 * the MXBean only appears if creating the server brings it forward.
 */
class MXBeanRegistrationIT {
    static final String APP = "com.acme.jmx.JmxApp";
    static final String TEN_MINUTES = "-Dagenthypervisor.jmx.delayMillis=600000";

    static Path dir(String name) {
        Path dir = ChildJvm.freshWorkDir(name);
        ChildJvm.write(dir, "policy.yaml", "version: 1\nmode: enforce\n");
        return dir;
    }

    @Test
    void anApplicationThatCreatesThePlatformServerFindsTheMXBeanAtOnce() {
        Result r = ChildJvm.withAgent("policy=policy.yaml").jvmArg(TEN_MINUTES).in(dir("jmx-self")).run(APP, "self");
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("true", r.result("registered"), r::toString);
        assertEquals("enforce", r.result("mode"), r::toString);
    }

    @Test
    void anOperatorCommandAttachingToAJvmThatNeverUsedJmxFindsTheMXBean() throws Exception {
        Path dir = dir("jmx-attach");
        ChildJvm jvm = ChildJvm.withAgent("policy=policy.yaml").jvmArg(TEN_MINUTES).in(dir);
        Process p = jvm.start(APP, "wait");
        try {
            CompletableFuture<String> err = ChildJvm.drain(p.getErrorStream());
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String ready = out.readLine();
            assertTrue(ready != null && ready.startsWith("READY "), () -> ready + "\n" + err.getNow(""));
            Result list = Cli.run(dir, "trust", "list", "--pid", ready.substring(6));
            assertEquals(0, list.exitCode(), list::toString);
            p.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            assertEquals("RESULT done true", out.readLine());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), () -> err.getNow(""));
        } finally {
            p.destroyForcibly();
        }
    }
}
