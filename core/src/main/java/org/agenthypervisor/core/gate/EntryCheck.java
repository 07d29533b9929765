package org.agenthypervisor.core.gate;

import java.lang.StackWalker.Option;
import java.lang.StackWalker.StackFrame;
import java.util.Iterator;
import java.util.Set;

/**
 * Who entered a restricted method (a non-public method of an agent, see {@link SiteBinding#restricted})
 * while another principal's context was current. Only on that slow path, so a stack walk is affordable.
 *
 * <p>Legitimate: a plain bytecode call (the JVM already enforced Java's access rules, so the caller
 * is a nestmate, the same package or a subclass), or the agent's own lambda or method reference (a
 * hidden class whose nest host is the method's). Refused: reflection ({@code setAccessible}) or a
 * method handle ({@code privateLookupIn}) used by any other code, which is how a red-team agent entered a
 * ring-0 agent's private helper and ran it as that agent.
 */
final class EntryCheck {
    private static final StackWalker WALKER = StackWalker.getInstance(
            Set.of(Option.RETAIN_CLASS_REFERENCE, Option.SHOW_REFLECT_FRAMES, Option.SHOW_HIDDEN_FRAMES));
    /** Java serialization calls these reflectively on any class; they are declared for it. */
    private static final Set<String> SERIALIZATION = Set.of(
            "readObject", "writeObject", "readObjectNoData", "readResolve", "writeReplace");

    private EntryCheck() {
    }

    static boolean legitimate(Class<?> target, String methodName) {
        if (SERIALIZATION.contains(methodName)) {
            return true;
        }
        return WALKER.walk(frames -> {
            Iterator<StackFrame> it = frames.iterator();
            boolean found = false;
            boolean indirect = false;
            while (it.hasNext()) {
                StackFrame frame = it.next();
                Class<?> c = frame.getDeclaringClass();
                if (!found) {
                    found = c == target && frame.getMethodName().equals(methodName);
                    continue;
                }
                if (isInvocationMachinery(c.getName())) {
                    indirect = true;
                    continue;
                }
                Class<?> host = target.getNestHost();
                if (c.getNestHost() == host) {
                    return true;
                }
                return !indirect && !c.isHidden();
            }
            // No frame of the method itself: something is off; refuse (fail closed).
            return false;
        });
    }

    private static boolean isInvocationMachinery(String name) {
        return name.startsWith("java.lang.invoke.") || name.startsWith("java.lang.reflect.")
                || name.startsWith("jdk.internal.reflect.") || name.startsWith("jdk.internal.invoke.")
                || name.startsWith("sun.reflect.") || name.startsWith("jdk.internal.vm.");
    }
}
