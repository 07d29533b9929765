package org.agenthypervisor.it;

import org.agenthypervisor.agent.integration.Target;
import org.agenthypervisor.agent.integration.jdk.FileEntryPoints;
import org.agenthypervisor.agent.integration.jdk.NetworkEntryPoints;
import org.agenthypervisor.agent.integration.jdk.SystemEntryPoints;
import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The capability tables against the JDK the child JVMs run on (17 in {@code mvn verify}, 25 in CI's
 * second run): every public method and constructor of the classes that reach a network, a file, a
 * process, the JVM's exit, native code or the environment is accounted for, either as reaching the
 * resource through a woven row (named here) or as not reaching it; and every row the tables weave
 * exists in this JDK, except the ones that are version-specific. A JDK that adds a method fails this
 * test until someone decides where it belongs.
 */
class EntryPointCoverageIT {
    /** "how it is covered" for the members that reach the resource. */
    private static final String NOT_A_RESOURCE = "-";

    /** Per class, member name → the row that covers it, or {@link #NOT_A_RESOURCE}. */
    static final Map<String, Map<String, String>> CLASSIFIED = new LinkedHashMap<>();

    private static void classify(String type, String covered, String... namesThatReachIt) {
        Map<String, String> m = CLASSIFIED.computeIfAbsent(type, k -> new LinkedHashMap<>());
        for (String n : namesThatReachIt) {
            m.put(n, covered);
        }
    }

    private static void plain(String type, String names) {
        for (String n : names.trim().split("\\s+")) {
            classify(type, NOT_A_RESOURCE, n);
        }
    }

    static {
        String socket = "java.net.Socket#connect";
        classify("java.net.Socket", socket, "<init>", "connect");
        plain("java.net.Socket", "bind close getChannel getInetAddress getInputStream getKeepAlive getLocalAddress"
                + " getLocalPort getLocalSocketAddress getOOBInline getOption getOutputStream getPort getReceiveBufferSize"
                + " getRemoteSocketAddress getReuseAddress getSendBufferSize getSoLinger getSoTimeout getTcpNoDelay"
                + " getTrafficClass isBound isClosed isConnected isInputShutdown isOutputShutdown sendUrgentData"
                + " setKeepAlive setOOBInline setOption setPerformancePreferences setReceiveBufferSize setReuseAddress"
                + " setSendBufferSize setSoLinger setSoTimeout setSocketImplFactory setTcpNoDelay setTrafficClass"
                + " shutdownInput shutdownOutput supportedOptions toString");
        classify("java.net.ServerSocket", "java.net.ServerSocket#bind", "<init>", "bind");
        plain("java.net.ServerSocket", "accept close getChannel getInetAddress getLocalPort getLocalSocketAddress getOption"
                + " getReceiveBufferSize getReuseAddress getSoTimeout isBound isClosed setOption setPerformancePreferences"
                + " setReceiveBufferSize setReuseAddress setSoTimeout setSocketFactory supportedOptions toString");
        String datagram = "sun.nio.ch.DatagramChannelImpl#connect/send/blockingSend";
        classify("java.net.DatagramSocket", datagram, "connect", "send");
        // Binding a datagram socket to receive is not guarded (docs/capabilities.md).
        plain("java.net.DatagramSocket", "<init> bind close disconnect getBroadcast getChannel getInetAddress getLocalAddress"
                + " getLocalPort getLocalSocketAddress getOption getPort getReceiveBufferSize getRemoteSocketAddress"
                + " getReuseAddress getSendBufferSize getSoTimeout getTrafficClass isBound isClosed isConnected joinGroup"
                + " leaveGroup receive setBroadcast setDatagramSocketImplFactory setOption setReceiveBufferSize"
                + " setReuseAddress setSendBufferSize setSoTimeout setTrafficClass supportedOptions");
        classify("java.nio.channels.SocketChannel", "sun.nio.ch.SocketChannelImpl#connect", "connect", "open");
        plain("java.nio.channels.SocketChannel", "bind finishConnect getLocalAddress getRemoteAddress isConnected"
                + " isConnectionPending read setOption shutdownInput shutdownOutput socket validOps write close"
                + " configureBlocking blockingLock isBlocking isRegistered keyFor register provider isOpen getOption"
                + " supportedOptions");
        classify("java.nio.channels.ServerSocketChannel", "sun.nio.ch.ServerSocketChannelImpl#bind", "bind");
        plain("java.nio.channels.ServerSocketChannel", "accept getLocalAddress open setOption socket validOps close"
                + " configureBlocking blockingLock isBlocking isRegistered keyFor register provider isOpen getOption"
                + " supportedOptions");
        classify("java.nio.channels.DatagramChannel", datagram, "connect", "send");
        plain("java.nio.channels.DatagramChannel", "bind disconnect getLocalAddress getRemoteAddress isConnected open read"
                + " receive setOption socket validOps write close configureBlocking blockingLock isBlocking isRegistered"
                + " keyFor register provider isOpen getOption supportedOptions join");
        classify("java.nio.channels.AsynchronousSocketChannel", "sun.nio.ch.AsynchronousSocketChannelImpl#connect", "connect");
        plain("java.nio.channels.AsynchronousSocketChannel", "bind getLocalAddress getRemoteAddress open provider read"
                + " setOption shutdownInput shutdownOutput write close isOpen getOption supportedOptions");
        classify("java.nio.channels.AsynchronousServerSocketChannel", "sun.nio.ch.AsynchronousServerSocketChannelImpl#bind",
                "bind");
        plain("java.nio.channels.AsynchronousServerSocketChannel", "accept getLocalAddress open provider setOption close"
                + " isOpen getOption supportedOptions");

        classify("java.io.FileInputStream", "java.io.FileInputStream#open", "<init>");
        plain("java.io.FileInputStream", "nullInputStream available close getChannel getFD read readAllBytes readNBytes skip transferTo"
                + " mark markSupported reset skipNBytes");
        classify("java.io.FileOutputStream", "java.io.FileOutputStream#open", "<init>");
        plain("java.io.FileOutputStream", "nullOutputStream close getChannel getFD write flush");
        classify("java.io.RandomAccessFile", "java.io.RandomAccessFile#open", "<init>");
        plain("java.io.RandomAccessFile", "close getChannel getFD getFilePointer length read readBoolean readByte readChar"
                + " readDouble readFloat readFully readInt readLine readLong readShort readUTF readUnsignedByte"
                + " readUnsignedShort seek setLength skipBytes write writeBoolean writeByte writeBytes writeChar writeChars"
                + " writeDouble writeFloat writeInt writeLong writeShort writeUTF");
        String provider = "sun.nio.fs.UnixFileSystemProvider";
        classify("java.nio.file.Files", provider + "#newByteChannel", "newInputStream", "newOutputStream", "newByteChannel",
                "newBufferedReader", "newBufferedWriter", "readAllBytes", "readString", "readAllLines", "lines", "write",
                "writeString", "createFile", "createTempFile", "mismatch");
        classify("java.nio.file.Files", provider + "#copy/move/implDelete/createDirectory/createLink/createSymbolicLink",
                "copy", "move", "delete", "deleteIfExists", "createDirectory", "createDirectories", "createTempDirectory",
                "createLink", "createSymbolicLink");
        // Metadata and listings are not guarded (docs/capabilities.md).
        plain("java.nio.file.Files", "exists find getAttribute getFileAttributeView getFileStore getLastModifiedTime getOwner"
                + " getPosixFilePermissions isDirectory isExecutable isHidden isReadable isRegularFile isSameFile"
                + " isSymbolicLink isWritable list newDirectoryStream notExists probeContentType readAttributes"
                + " readSymbolicLink setAttribute setLastModifiedTime setOwner setPosixFilePermissions size walk walkFileTree");
        classify("java.nio.channels.FileChannel", provider + "#newFileChannel", "open");
        plain("java.nio.channels.FileChannel", "force lock map position read size transferFrom transferTo truncate tryLock"
                + " write close isOpen");
        classify("java.nio.channels.AsynchronousFileChannel", provider + "#newAsynchronousFileChannel", "open");
        plain("java.nio.channels.AsynchronousFileChannel", "force lock read size truncate tryLock write close isOpen");
        classify("java.io.File", "java.io.File#delete/deleteOnExit/mkdir/createNewFile/renameTo/createTempFile", "createNewFile",
                "createTempFile", "delete", "deleteOnExit", "mkdir", "mkdirs", "renameTo");
        plain("java.io.File", "<init> canExecute canRead canWrite compareTo equals exists getAbsoluteFile getAbsolutePath"
                + " getCanonicalFile getCanonicalPath getFreeSpace getName getParent getParentFile getPath getTotalSpace"
                + " getUsableSpace hashCode isAbsolute isDirectory isFile isHidden lastModified length list listFiles"
                + " listRoots setExecutable setLastModified setReadOnly setReadable setWritable toPath toString toURI toURL");

        classify("java.lang.ProcessBuilder", "java.lang.ProcessImpl#start", "start", "startPipeline");
        plain("java.lang.ProcessBuilder", "<init> command directory environment inheritIO redirectError redirectErrorStream"
                + " redirectInput redirectOutput");
        classify("java.lang.Runtime", "java.lang.ProcessImpl#start", "exec");
        classify("java.lang.Runtime", "java.lang.Runtime#exit/halt", "exit", "halt");
        classify("java.lang.Runtime", "java.lang.Runtime#load0/loadLibrary0", "load", "loadLibrary");
        plain("java.lang.Runtime", "addShutdownHook availableProcessors freeMemory gc getRuntime maxMemory"
                + " removeShutdownHook runFinalization totalMemory version traceInstructions traceMethodCalls");
        classify("java.lang.System", "java.lang.Runtime#exit/halt", "exit");
        classify("java.lang.System", "java.lang.Runtime#load0/loadLibrary0", "load", "loadLibrary");
        classify("java.lang.System", "java.lang.System#getenv", "getenv");
        // System properties and the standard streams are not capabilities (docs/capabilities.md).
        plain("java.lang.System", "arraycopy clearProperty console currentTimeMillis gc getLogger getProperties getProperty"
                + " getSecurityManager identityHashCode inheritedChannel lineSeparator mapLibraryName nanoTime"
                + " runFinalization setErr setIn setOut setProperties setProperty setSecurityManager");
    }

    /** Rows that exist only on some JDK versions. */
    private static final Set<String> VERSION_SPECIFIC = Set.of("blockingSend", "nativeLinker", "libraryLookup", "suspend",
            "resume", "stop");

    @Test
    void everyPublicMemberIsAccountedForAndEveryRowExists() {
        List<String> args = new ArrayList<>();
        CLASSIFIED.keySet().forEach(c -> args.add("class:" + c));
        List<Target> rows = new ArrayList<>();
        rows.addAll(new FileEntryPoints().targets());
        rows.addAll(new NetworkEntryPoints().targets());
        rows.addAll(new SystemEntryPoints().targets());
        rows.forEach(t -> args.add("row:" + t.className() + "#" + t.method() + t.descriptorPrefix()));
        Result r = ChildJvm.withoutAgent().in(ChildJvm.freshWorkDir("entry-points"))
                .run("com.acme.capability.EntryPointInventory", args.toArray(new String[0]));
        assertEquals(0, r.exitCode(), r::toString);

        List<String> unaccounted = new ArrayList<>();
        for (String line : r.lines("MEMBER ")) {
            String[] p = line.substring("MEMBER ".length()).split(" ");
            if (!CLASSIFIED.get(p[0]).containsKey(p[1])) {
                unaccounted.add(p[0] + "#" + p[1]);
            }
        }
        assertEquals(List.of(), unaccounted, "public members this JDK has that the capability tables do not account for");
        assertFalse(r.lines("MEMBER ").isEmpty(), r::toString);

        List<String> missing = new ArrayList<>();
        int present = 0;
        for (String line : r.lines("ROW ")) {
            boolean here = line.startsWith("ROW present ");
            String row = line.substring(line.indexOf(' ', 4) + 1);
            String method = row.substring(row.indexOf('#') + 1, row.indexOf('('));
            present += here ? 1 : 0;
            if (!here && !VERSION_SPECIFIC.contains(method)) {
                missing.add(row);
            }
        }
        assertEquals(List.of(), missing, "rows the tables weave that this JDK does not have");
        assertTrue(present >= rows.size() - 5, r::toString);
        assertTrue(r.lines("ROW present sun.nio.ch.DatagramChannelImpl#blockingSend").size() == 1,
                "exactly one of the two blockingSend shapes exists: " + r.lines("ROW "));
        // Every row a classification names exists (the names above point at real rows).
        for (Map<String, String> members : CLASSIFIED.values()) {
            for (String covered : members.values()) {
                if (!covered.equals(NOT_A_RESOURCE)) {
                    String type = covered.substring(0, covered.indexOf('#'));
                    assertTrue(rows.stream().anyMatch(t -> t.className().equals(type)), () -> covered + " is no row");
                }
            }
        }
    }
}
