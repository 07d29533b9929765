package org.agenthypervisor.it;

import com.sun.tools.attach.VirtualMachine;
import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The agent attached to a running JVM (Agent-Class): classes loaded before it are retransformed. */
class AttachIT {
    @Test
    void attachingToARunningJvmGovernsClassesItHadAlreadyLoaded() throws Exception {
        Path dir = ChildJvm.freshWorkDir("attach");
        Path policy = ChildJvm.write(dir, "policy.yaml", RingsIT.DESK_POLICY);
        ChildJvm jvm = ChildJvm.withoutAgent().in(dir);
        if (ChildJvm.javaVersion() >= 21) {
            jvm.jvmArg("-XX:+EnableDynamicAgentLoading");
        }
        Process process = jvm.start("com.acme.desk.DeskApp", "attach-wait");
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        String pid = null;
        for (String line; (line = out.readLine()) != null; ) {
            seen.append(line).append('\n');
            if (line.startsWith("READY ")) {
                pid = line.substring(6);
                break;
            }
        }
        assertTrue(seen.toString().contains("RESULT before-attach allowed"), seen::toString);
        VirtualMachine vm = VirtualMachine.attach(pid);
        try {
            vm.loadAgent(ChildJvm.agentJar(), "policy=" + policy.toAbsolutePath());
        } finally {
            vm.detach();
        }
        try (OutputStream in = process.getOutputStream()) {
            in.write("go\n".getBytes(StandardCharsets.UTF_8));
        }
        for (String line; (line = out.readLine()) != null; ) {
            seen.append(line).append('\n');
        }
        Result r = jvm.await(process);
        String all = seen + r.stderr();
        assertEquals(0, r.exitCode(), all);
        assertTrue(all.contains("RESULT after-attach denied:RingViolationException:agent 'support'"), all);
        assertTrue(all.contains("RESULT after-attach-executor allowed:support|denied:RingViolationException"), all);
        assertTrue(all.contains("Agent Hypervisor active (attached)"), all);
    }
}
