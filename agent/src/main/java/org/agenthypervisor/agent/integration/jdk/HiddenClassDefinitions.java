package org.agenthypervisor.agent.integration.jdk;

import net.bytebuddy.asm.Advice;
import org.agenthypervisor.agent.integration.Integration;
import org.agenthypervisor.agent.integration.Target;
import org.agenthypervisor.core.gate.HiddenClasses;
import org.agenthypervisor.core.policy.Policy;

import java.lang.invoke.MethodHandles;
import java.util.List;
import java.util.Set;

/**
 * Governs hidden classes: {@code Lookup.defineHiddenClass(byte[], ...)} and
 * {@code defineHiddenClassWithClassData(byte[], ...)} hand their bytes to {@link HiddenClasses}
 * before the JVM defines them. The JDK's own hidden classes (lambda proxies, method handle forms)
 * are spun through internal entry points and are not affected.
 */
public final class HiddenClassDefinitions implements Integration {
    @Override
    public String name() {
        return "hidden classes";
    }

    @Override
    public String policySwitch() {
        return null;
    }

    @Override
    public boolean enabled(Policy policy) {
        return true;
    }

    @Override
    public String versionResource() {
        return null;
    }

    @Override
    public Set<String> testedVersions() {
        return Set.of("17", "21", "25");
    }

    @Override
    public List<Target> targets() {
        return List.of(
                Target.of("java.lang.invoke.MethodHandles$Lookup", "defineHiddenClass", "([B", WeaveBytes.class,
                        "governed hidden classes"),
                Target.of("java.lang.invoke.MethodHandles$Lookup", "defineHiddenClassWithClassData", "([B",
                        WeaveBytes.class, "governed hidden classes"));
    }

    /** Replaces the class file argument with its governed version. */
    public static final class WeaveBytes {
        private WeaveBytes() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.This MethodHandles.Lookup lookup,
                          @Advice.Argument(value = 0, readOnly = false) byte[] bytes) {
            bytes = HiddenClasses.weave(lookup.lookupClass(), bytes);
        }
    }
}
