package org.agenthypervisor.agent.integration.jdk;

import net.bytebuddy.asm.Advice;
import org.agenthypervisor.agent.integration.Target;
import org.agenthypervisor.bridge.CapabilityGate;

import java.io.File;
import java.nio.file.OpenOption;
import java.util.List;
import java.util.Set;

/**
 * The JDK's file entry points, as one table: each row is a method, the advice that reads its target
 * and the capability it needs ({@code files.read} or {@code files.write}). Every way the JDK opens,
 * creates, deletes, moves or links a file ends in one of them: {@code java.io} streams and
 * {@code RandomAccessFile} in their private {@code open} methods, {@code java.nio.file.Files} and
 * {@code FileChannel} in the platform's file system provider, {@code java.io.File}'s own mutators.
 * Rows are named by method name and descriptor prefix; one missing from a JDK version is simply
 * not woven (and the start-up report says so).
 */
public final class FileEntryPoints extends JdkIntegration {
    private static final String FEATURE = "file capabilities";
    static final String PROVIDER = "sun.nio.fs.UnixFileSystemProvider";

    @Override
    public String name() {
        return "JDK file entry points";
    }

    @Override
    public boolean weavesUnloadedJdkClassesOnLoad() {
        return true;
    }

    @Override
    public List<Target> targets() {
        return List.of(
                t("java.io.FileInputStream", "open", "(Ljava/lang/String;)V", "ReadName"),
                t("java.io.FileOutputStream", "open", "(Ljava/lang/String;Z)V", "WriteName"),
                t("java.io.RandomAccessFile", "open", "(Ljava/lang/String;I)V", "RandomAccessOpen"),
                t(PROVIDER, "newByteChannel", "(Ljava/nio/file/Path;Ljava/util/Set;", "NioOpen"),
                t(PROVIDER, "newFileChannel", "(Ljava/nio/file/Path;Ljava/util/Set;", "NioOpen"),
                t(PROVIDER, "newAsynchronousFileChannel", "(Ljava/nio/file/Path;Ljava/util/Set;", "NioOpen"),
                t(PROVIDER, "implDelete", "(Ljava/nio/file/Path;Z)", "WriteFirstPath"),
                t(PROVIDER, "createDirectory", "(Ljava/nio/file/Path;", "WriteFirstPath"),
                t(PROVIDER, "createSymbolicLink", "(Ljava/nio/file/Path;Ljava/nio/file/Path;", "CreateLink"),
                t(PROVIDER, "createLink", "(Ljava/nio/file/Path;Ljava/nio/file/Path;)", "CreateLink"),
                t(PROVIDER, "copy", "(Ljava/nio/file/Path;Ljava/nio/file/Path;", "CopyPaths"),
                t(PROVIDER, "move", "(Ljava/nio/file/Path;Ljava/nio/file/Path;", "WriteBothPaths"),
                t("java.io.File", "delete", "()Z", "WriteThisFile"),
                t("java.io.File", "deleteOnExit", "()V", "WriteThisFile"),
                t("java.io.File", "mkdir", "()Z", "WriteThisFile"),
                t("java.io.File", "createNewFile", "()Z", "WriteThisFile"),
                t("java.io.File", "renameTo", "(Ljava/io/File;)Z", "RenameFile"),
                // File.createTempFile creates its file through the file system directly, not createNewFile.
                t("java.io.File", "createTempFile", "(Ljava/lang/String;Ljava/lang/String;Ljava/io/File;)", "TempFileIn"));
    }

    /** A target whose advice is the class nested here under {@code advice}: named, and loaded only to weave. */
    private static Target t(String type, String method, String descriptorPrefix, String advice) {
        return Target.of(type, method, descriptorPrefix, FileEntryPoints.class.getName() + "$" + advice, FEATURE);
    }

    public static final class ReadName {
        private ReadName() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) String name) {
            CapabilityGate.read(name);
        }
    }

    public static final class WriteName {
        private WriteName() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) String name) {
            CapabilityGate.write(name);
        }
    }

    /** {@code RandomAccessFile.open(name, mode)}: bit 2 is read-write. */
    public static final class RandomAccessOpen {
        private RandomAccessOpen() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) String name, @Advice.Argument(1) int mode) {
            CapabilityGate.read(name);
            if ((mode & 2) != 0) {
                CapabilityGate.write(name);
            }
        }
    }

    public static final class NioOpen {
        private NioOpen() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Object path, @Advice.Argument(1) Set<? extends OpenOption> options) {
            CapabilityGate.open(path, options);
        }
    }

    public static final class WriteFirstPath {
        private WriteFirstPath() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Object path) {
            CapabilityGate.writePath(path);
        }
    }

    /** {@code move(source, target)}, {@code createLink(link, existing)}: both ends change. */
    public static final class WriteBothPaths {
        private WriteBothPaths() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Object first, @Advice.Argument(1) Object second) {
            CapabilityGate.writePath(first);
            CapabilityGate.writePath(second);
        }
    }

    /** {@code createSymbolicLink(link, target)}, {@code createLink(link, existing)}. */
    public static final class CreateLink {
        private CreateLink() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Object link, @Advice.Argument(1) Object target) {
            CapabilityGate.link(link, target);
        }
    }

    public static final class CopyPaths {
        private CopyPaths() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Object source, @Advice.Argument(1) Object target) {
            CapabilityGate.readPath(source);
            CapabilityGate.writePath(target);
        }
    }

    public static final class WriteThisFile {
        private WriteThisFile() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.This File file) {
            CapabilityGate.writeFile(file);
        }
    }

    /** {@code File.createTempFile(prefix, suffix, directory)}: creating a file in the directory (or the temporary one). */
    public static final class TempFileIn {
        private TempFileIn() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(2) File directory) {
            CapabilityGate.write(directory != null ? directory.getPath() : System.getProperty("java.io.tmpdir"));
        }
    }

    public static final class RenameFile {
        private RenameFile() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.This File file, @Advice.Argument(0) File target) {
            CapabilityGate.writeFile(file);
            CapabilityGate.writeFile(target);
        }
    }
}
