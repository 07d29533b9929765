package com.acme.otheragent;

import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;

import java.io.InputStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static net.bytebuddy.matcher.ElementMatchers.named;

/**
 * Another agent, as a user might attach beside ours: built with the application's own Byte Buddy.
 * Options: {@code advice} instruments {@code com.acme.desk.Ledger#rawSql} to print a line;
 * {@code observe=a.B;c.D} records whether the bytes it receives for those classes equal the class
 * files on the class path, and prints {@code OBSERVED <class> unchanged=<bool>} at exit.
 */
public final class OtherAgent {
    private OtherAgent() {
    }

    public static void premain(String options, Instrumentation instrumentation) {
        String opts = options == null ? "" : options;
        if (opts.contains("advice")) {
            new AgentBuilder.Default()
                    .disableClassFormatChanges()
                    .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                    .type(named("com.acme.desk.Ledger"))
                    .transform((builder, type, loader, module, domain) ->
                            builder.visit(Advice.to(SawIt.class).on(named("rawSql"))))
                    .installOn(instrumentation);
        }
        for (String part : opts.split(",")) {
            if (part.startsWith("observe=")) {
                observe(Set.of(part.substring("observe=".length()).split(";")), instrumentation);
            }
        }
    }

    private static void observe(Set<String> classes, Instrumentation instrumentation) {
        Map<String, Boolean> unchanged = new ConcurrentHashMap<>();
        // Retransformation-capable, so it runs after ours (incapable transformers run first).
        instrumentation.addTransformer(new ClassFileTransformer() {
            @Override
            public byte[] transform(ClassLoader loader, String name, Class<?> redefined, ProtectionDomain domain, byte[] bytes) {
                if (name != null && classes.contains(name.replace('/', '.')) && loader != null) {
                    try (InputStream original = loader.getResourceAsStream(name + ".class")) {
                        unchanged.put(name.replace('/', '.'), Arrays.equals(original.readAllBytes(), bytes));
                    } catch (Exception e) {
                        unchanged.put(name.replace('/', '.'), false);
                    }
                }
                return null;
            }
        }, true);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
                unchanged.forEach((name, same) -> System.out.println("OBSERVED " + name + " unchanged=" + same))));
    }

    /** The other agent's advice. */
    public static final class SawIt {
        private SawIt() {
        }

        @Advice.OnMethodEnter
        static void enter() {
            System.out.println("OTHER AGENT SAW rawSql");
        }
    }
}
