package org.agenthypervisor.agent.integration.jdk;

import net.bytebuddy.asm.Advice;
import org.agenthypervisor.agent.integration.Target;
import org.agenthypervisor.bridge.HiddenClasses;

import java.lang.invoke.MethodHandles;
import java.util.List;

/**
 * Governs hidden classes: {@code Lookup.defineHiddenClass(byte[], ...)} and
 * {@code defineHiddenClassWithClassData(byte[], ...)} hand their bytes to {@link HiddenClasses}
 * before the JVM defines them. The JDK's own hidden classes (lambda proxies, method handle forms)
 * are spun through internal entry points and are not affected.
 */
public final class HiddenClassDefinitions extends JdkIntegration {
    @Override
    public String name() {
        return "hidden classes";
    }

    @Override
    public List<Target> targets() {
        return List.of(
                Target.of("java.lang.invoke.MethodHandles$Lookup", "defineHiddenClass", "([B", advice("WeaveBytes"),
                        "governed hidden classes"),
                Target.of("java.lang.invoke.MethodHandles$Lookup", "defineHiddenClassWithClassData", "([B",
                        advice("WeaveBytes"), "governed hidden classes"));
    }

    /** The binary name of the advice class nested here under {@code nested}: named, and loaded only to weave. */
    private static String advice(String nested) {
        return HiddenClassDefinitions.class.getName() + "$" + nested;
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
