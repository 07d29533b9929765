package org.agenthypervisor.agent.integration.jdk;

import net.bytebuddy.asm.Advice;
import org.agenthypervisor.agent.integration.Target;
import org.agenthypervisor.bridge.CapabilityGate;

import java.lang.invoke.MethodHandles;
import java.util.List;

/**
 * The JDK's entry points for processes, exit, native code, the environment, other threads and private
 * reflection, as one table. Each is the funnel its public methods end in: {@code ProcessImpl.start}
 * for {@code ProcessBuilder.start}, {@code startPipeline} and {@code Runtime.exec}; {@code Runtime.exit}
 * and {@code halt} for {@code System.exit}; {@code Runtime.load0/loadLibrary0} (which receive the
 * calling class) for {@code System.load/loadLibrary}; {@code AccessibleObject.checkCanSetAccessible}
 * (which receives the caller and the declaring class) for {@code setAccessible(true)},
 * {@code trySetAccessible} and the array form. Rows missing from a JDK version are simply not woven
 * ({@code Thread.suspend} is gone in JDK 21+, the foreign function API arrives in JDK 22).
 */
public final class SystemEntryPoints extends JdkIntegration {
    private static final String FEATURE = "system capabilities";

    @Override
    public String name() {
        return "JDK system entry points";
    }

    @Override
    public boolean weavesUnloadedJdkClassesOnLoad() {
        return true;
    }

    @Override
    public List<Target> targets() {
        return List.of(
                t("java.lang.ProcessImpl", "start", "([Ljava/lang/String;", "StartProcess"),
                t("java.lang.Runtime", "exit", "(I)V", "Exit"),
                t("java.lang.Runtime", "halt", "(I)V", "Exit"),
                t("java.lang.Runtime", "load0", "(Ljava/lang/Class;Ljava/lang/String;)V", "LoadNative"),
                t("java.lang.Runtime", "loadLibrary0", "(Ljava/lang/Class;Ljava/lang/String;)V", "LoadNative"),
                t("java.lang.foreign.Linker", "nativeLinker", "()", "NativeLinker"),
                t("java.lang.foreign.SymbolLookup", "libraryLookup", "(Ljava/lang/String;", "LibraryLookup"),
                t("java.lang.foreign.SymbolLookup", "libraryLookup", "(Ljava/nio/file/Path;", "LibraryLookup"),
                t("java.lang.System", "getenv", "(Ljava/lang/String;)", "ReadEnv"),
                t("java.lang.System", "getenv", "()Ljava/util/Map;", "ReadWholeEnv"),
                t("java.lang.Thread", "stop", "()V", "ModifyThread"),
                t("java.lang.Thread", "suspend", "()V", "ModifyThread"),
                t("java.lang.Thread", "resume", "()V", "ModifyThread"),
                t("java.lang.reflect.AccessibleObject", "checkCanSetAccessible", "(Ljava/lang/Class;Ljava/lang/Class;Z)",
                        "SetAccessible"),
                t("java.lang.invoke.MethodHandles", "privateLookupIn", "(Ljava/lang/Class;Ljava/lang/invoke/MethodHandles$Lookup;)",
                        "PrivateLookup"));
    }

    /** A target whose advice is the class nested here under {@code advice}: named, and loaded only to weave. */
    private static Target t(String type, String method, String descriptorPrefix, String advice) {
        return Target.of(type, method, descriptorPrefix, SystemEntryPoints.class.getName() + "$" + advice, FEATURE);
    }

    public static final class StartProcess {
        private StartProcess() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) String[] command) {
            CapabilityGate.startProcess(command);
        }
    }

    public static final class Exit {
        private Exit() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) int status) {
            CapabilityGate.exit(status);
        }
    }

    public static final class LoadNative {
        private LoadNative() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Class<?> from, @Advice.Argument(1) String library) {
            CapabilityGate.loadNative(from, library);
        }
    }

    public static final class NativeLinker {
        private NativeLinker() {
        }

        @Advice.OnMethodEnter
        static void enter() {
            CapabilityGate.foreign("the native linker");
        }
    }

    public static final class LibraryLookup {
        private LibraryLookup() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Object library) {
            CapabilityGate.foreign(library);
        }
    }

    public static final class ReadEnv {
        private ReadEnv() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) String name) {
            CapabilityGate.readEnv(name);
        }
    }

    public static final class ReadWholeEnv {
        private ReadWholeEnv() {
        }

        @Advice.OnMethodEnter
        static void enter() {
            CapabilityGate.readEnv(null);
        }
    }

    public static final class ModifyThread {
        private ModifyThread() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.This Thread target) {
            CapabilityGate.modifyThread(target);
        }
    }

    /** {@code this} is the field, method or constructor being opened. */
    public static final class SetAccessible {
        private SetAccessible() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.This Object member, @Advice.Argument(0) Class<?> caller,
                          @Advice.Argument(1) Class<?> declaring) {
            CapabilityGate.privateAccess(member, caller, declaring);
        }
    }

    public static final class PrivateLookup {
        private PrivateLookup() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Class<?> target, @Advice.Argument(1) MethodHandles.Lookup caller) {
            CapabilityGate.privateAccess(null, caller == null ? null : caller.lookupClass(), target);
        }
    }
}
