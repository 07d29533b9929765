package org.agenthypervisor.agent.integration;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IntegrationsTest {
    /**
     * Classes the JVM has loaded before an agent's premain runs, so never loaded by a transform:
     * the main thread's class, the class path's files, the superclass of every reflected method.
     */
    private static final Set<String> LOADED_BEFORE_ANY_AGENT = Set.of("java.lang.Thread", "java.io.File",
            "java.lang.reflect.AccessibleObject");

    /**
     * Targets name their advice (so that a start loads none it does not weave): every name is a class
     * of the agent with Byte Buddy advice in it, nested in the package of its integration.
     */
    @Test
    void everyTargetNamesAnAdviceClassThatExists() {
        int targets = 0;
        for (Integration integration : Integrations.all()) {
            for (Target target : integration.targets()) {
                Class<?> advice = target.adviceClass();
                assertTrue(advice.getName().equals(target.advice()));
                assertTrue(advice.getPackageName().equals(integration.getClass().getPackageName()),
                        target.advice() + " lives beside " + integration.getClass().getName());
                boolean hasAdvice = false;
                for (Method method : advice.getDeclaredMethods()) {
                    hasAdvice |= method.isAnnotationPresent(net.bytebuddy.asm.Advice.OnMethodEnter.class)
                            || method.isAnnotationPresent(net.bytebuddy.asm.Advice.OnMethodExit.class);
                }
                assertTrue(hasAdvice, target.advice() + " has an @OnMethodEnter or @OnMethodExit method");
                targets++;
            }
        }
        assertTrue(targets > 50, "all the integrations' targets were looked at: " + targets);
        Target misspelt = Target.of("java.lang.Thread", "run", "()", "org.agenthypervisor.NoSuchAdvice", "test");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, misspelt::adviceClass);
    }

    /**
     * A JDK class woven as it loads must never be loaded by describing an advice: that happens
     * inside a transform, where a class that loads is never shown to the transformers.
     */
    @Test
    void noAdviceSignatureLoadsAClassThatIsWovenOnLoad() {
        Set<String> wovenOnLoad = new TreeSet<>();
        for (Integration integration : Integrations.all()) {
            if (integration.weavesUnloadedJdkClassesOnLoad()) {
                for (Target target : integration.targets()) {
                    wovenOnLoad.add(target.className());
                }
            }
        }
        assertFalse(wovenOnLoad.isEmpty(), "some JDK classes are woven on load");
        Set<String> loadedBySignatures = new TreeSet<>();
        for (Integration integration : Integrations.all()) {
            for (Target target : integration.targets()) {
                Class<?> advice = target.adviceClass();
                for (Method method : advice.getDeclaredMethods()) {
                    typesOf(method.getReturnType(), loadedBySignatures);
                    for (Class<?> parameter : method.getParameterTypes()) {
                        typesOf(parameter, loadedBySignatures);
                    }
                }
                for (Field field : advice.getDeclaredFields()) {
                    typesOf(field.getType(), loadedBySignatures);
                }
            }
        }
        assertTrue(loadedBySignatures.contains("java.lang.Runnable"), "the walk sees the advice's parameter types");
        Set<String> both = new TreeSet<>(wovenOnLoad);
        both.retainAll(loadedBySignatures);
        both.removeAll(LOADED_BEFORE_ANY_AGENT);
        assertTrue(both.isEmpty(), "advice signatures load classes that are woven on load: " + both);
    }

    /** The type and every supertype: loading a class loads them all. */
    private static void typesOf(Class<?> type, Set<String> out) {
        Deque<Class<?>> todo = new ArrayDeque<>();
        Set<Class<?>> seen = new HashSet<>();
        todo.add(type);
        while (!todo.isEmpty()) {
            Class<?> next = todo.pop();
            while (next.isArray()) {
                next = next.getComponentType();
            }
            if (next.isPrimitive() || !seen.add(next)) {
                continue;
            }
            out.add(next.getName());
            if (next.getSuperclass() != null) {
                todo.add(next.getSuperclass());
            }
            for (Class<?> parent : next.getInterfaces()) {
                todo.add(parent);
            }
        }
    }
}
