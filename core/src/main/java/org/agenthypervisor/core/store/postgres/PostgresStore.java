package org.agenthypervisor.core.store.postgres;

import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.store.AppendLog;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.CRC32C;

/**
 * A JVM's connection to the shared PostgreSQL store: it migrates the schema when it opens, hands out
 * the shared logs ({@link #log}), and keeps one listening connection ({@link Listener}) that tells
 * the logs when other JVMs appended.
 *
 * <p>Connections come from the PostgreSQL driver inside the agent jar, relocated so that it neither
 * clashes with the application's own driver nor answers the application's {@code DriverManager}
 * look-ups (it is unregistered as soon as it loads).
 */
public final class PostgresStore implements AutoCloseable {
    private static final Log LOG = Log.get("store");
    /** The driver's connect and login limits: a database that does not answer fails the start, not hangs it. */
    static final int CONNECT_TIMEOUT_SECONDS = 5;
    /** Statements that run longer fail instead of holding a governed call forever. */
    static final int STATEMENT_TIMEOUT_SECONDS = 30;

    private final Policy.PostgresStoreSpec spec;
    private final String password;
    private final String instance;
    private final String channel;
    private final Map<String, PostgresLog> logs = new ConcurrentHashMap<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final Listener listener;
    private volatile boolean closed;

    private PostgresStore(Policy.PostgresStoreSpec spec, String password, String instance) {
        this.spec = spec;
        this.password = password;
        this.instance = instance;
        this.channel = channel(spec.schema());
        this.listener = new Listener(this);
    }

    /**
     * Connects, creates or migrates the schema, and starts listening for other JVMs' appends.
     *
     * @param env the environment ({@code System.getenv()}), where {@code passwordEnv} is looked up
     * @throws IOException naming the database and the reason if it cannot be reached or migrated
     */
    public static PostgresStore open(Policy.PostgresStoreSpec spec, Map<String, String> env) throws IOException {
        PostgresStore store = new PostgresStore(spec, password(spec, env), newInstanceId());
        try (Connection c = store.connect(0)) {
            int applied = Migrations.migrate(c, spec.schema(), store.instance);
            LOG.info("shared store " + store.describe() + ": schema version " + Migrations.CURRENT
                    + (applied == 0 ? "" : " (" + applied + " migration(s) applied now)") + ", instance " + store.instance);
        } catch (SQLException failure) {
            throw new IOException("cannot use the shared store " + store.describe() + ": " + failure.getMessage()
                    + " (SQL state " + failure.getSQLState() + ")", failure);
        }
        store.listener.start();
        return store;
    }

    private static String password(Policy.PostgresStoreSpec spec, Map<String, String> env) throws IOException {
        String password = null;
        if (spec.passwordEnv() != null) {
            password = env.get(spec.passwordEnv());
            if (password == null) {
                throw new IOException("store.postgres.passwordEnv names the environment variable " + spec.passwordEnv()
                        + ", which is not set (" + spec.location().file() + ":" + spec.location().line() + ")");
            }
        }
        return password;
    }

    /** host:pid:random, stable for the life of this JVM: names the writer of every row it appends. */
    private static String newInstanceId() {
        byte[] random = new byte[4];
        new SecureRandom().nextBytes(random);
        return hostName() + ":" + ProcessHandle.current().pid() + ":" + HexFormat.of().formatHex(random);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException unknown) {
            return "unknown-host";
        }
    }

    /** This machine's host name, as the audit records name it. */
    String host() {
        return instance.substring(0, instance.lastIndexOf(':', instance.lastIndexOf(':') - 1));
    }

    /**
     * This JVM's side of the shared audit log (issue 13 items 4-5): its key registered in the key
     * directory, its writer started.
     *
     * @param keysDir where this JVM's signing key is (created if missing)
     * @throws IOException if the key cannot be loaded or registered
     */
    public SharedAuditLog audit(java.nio.file.Path keysDir, Policy.AuditSettings settings) throws IOException {
        return SharedAuditLog.open(this, keysDir, settings);
    }

    /**
     * A connection for tools that only read (the CLI's {@code audit verify --store}): no migration, no
     * listener, nothing written. Use {@link #auditRows()} on it.
     */
    public static PostgresStore openForReading(Policy.PostgresStoreSpec spec, Map<String, String> env) throws IOException {
        return new PostgresStore(spec, password(spec, env), newInstanceId());
    }

    /** The shared audit log as rows, in one read-only snapshot. */
    public SharedAuditRows auditRows() throws IOException {
        return SharedAuditRows.open(this);
    }

    /** The database and schema, for messages (never the password). */
    public String describe() {
        return "PostgreSQL " + spec.url() + " schema " + spec.schema();
    }

    /** This JVM's instance id (host:pid:random). */
    public String instance() {
        return instance;
    }

    String schema() {
        return spec.schema();
    }

    String channel() {
        return channel;
    }

    /** The shared log of this name (one per name for the life of the store). */
    public AppendLog log(String name) {
        return logs.computeIfAbsent(name, n -> new PostgresLog(this, n));
    }

    /**
     * The shared saga journal of this JVM (issue 13 item 3): takes this JVM's lease at once.
     *
     * @param leaseMillis how long a lease lasts unless renewed (renewed every third of it)
     * @throws IOException if the lease cannot be taken (the database cannot be reached)
     */
    public synchronized org.agenthypervisor.core.saga.SharedSagaLog sagaLog(long leaseMillis) throws IOException {
        if (sagaLog == null) {
            sagaLog = new PostgresSagaLog(this, leaseMillis);
        }
        return sagaLog;
    }

    private PostgresSagaLog sagaLog;

    /** Who owns a saga of the shared journal, for the command line. */
    public record SagaOwner(String owner, long epoch, String state, boolean leaseCurrent, String takenFrom) {
    }

    /**
     * Reads the shared saga journal (one snapshot, nothing written): every record in the order written
     * into {@code records}, and each saga's owner by id.
     */
    public Map<String, SagaOwner> readSagas(List<byte[]> records) throws IOException {
        try (Connection c = connect(30)) {
            Map<String, SagaOwner> out = new java.util.LinkedHashMap<>();
            for (PostgresSagaLog.Row r : PostgresSagaLog.rows(c, spec.schema(), records)) {
                out.put(r.id(), new SagaOwner(r.owner(), r.epoch(), r.state(), r.leaseCurrent(), r.takenFrom()));
            }
            return out;
        } catch (SQLException failure) {
            throw new IOException("shared store " + describe() + ": cannot read the saga journal (" + failure.getMessage()
                    + ")", failure);
        }
    }

    void addListener(Runnable r) {
        listeners.add(r);
    }

    /** Someone may have appended (a notification, or a (re)connection after which anything may have). */
    void fireAppended() {
        for (Runnable r : listeners) {
            if (closed) {
                return; // shutting down: nothing is applied any more
            }
            r.run();
        }
    }

    boolean closed() {
        return closed;
    }

    /**
     * A new connection with the relocated driver.
     *
     * @param socketTimeoutSeconds 0 for none (the listener waits in short polls instead)
     */
    Connection connect(int socketTimeoutSeconds) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", spec.user());
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("connectTimeout", String.valueOf(CONNECT_TIMEOUT_SECONDS));
        p.setProperty("loginTimeout", String.valueOf(CONNECT_TIMEOUT_SECONDS * 2));
        p.setProperty("socketTimeout", String.valueOf(socketTimeoutSeconds));
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("ApplicationName", "agent-hypervisor " + instance);
        // The store's own work, though it may run on an agent's thread (a saga's first step opens the
        // journal's connection): as the host, so neither the capability gate nor the thread the driver
        // starts to time out the login (which inherits this thread's context) counts it as the agent's.
        org.agenthypervisor.core.context.ContextCell cell = org.agenthypervisor.core.context.ContextCell.peek();
        org.agenthypervisor.core.context.Context previous = cell == null ? null : cell.get();
        org.agenthypervisor.core.context.Context host = org.agenthypervisor.core.context.Propagation.host();
        if (cell != null && host != null) {
            cell.set(host);
        }
        Connection c;
        try {
            c = Drivers.driver().connect(spec.url(), p);
        } finally {
            if (cell != null && host != null) {
                cell.set(previous);
            }
        }
        if (c == null) {
            throw new SQLException("the PostgreSQL driver does not accept the URL " + spec.url(), "08001");
        }
        return c;
    }

    /** A stable advisory-lock key for a name (CRC32C in the high and low halves: no collisions with small ids). */
    static long lockKey(String name) {
        CRC32C crc = new CRC32C();
        crc.update(("agent-hypervisor:" + name).getBytes(StandardCharsets.UTF_8));
        long v = crc.getValue();
        return (v << 32) | (v ^ 0x5A5A5A5AL);
    }

    /** The NOTIFY channel of a schema (identifiers are at most 63 bytes). */
    static String channel(String schema) {
        String c = "agent_hypervisor_" + schema;
        return c.length() > 63 ? c.substring(0, 63) : c;
    }

    @Override
    public void close() {
        closed = true;
        listener.stop();
        PostgresSagaLog saga;
        synchronized (this) {
            saga = sagaLog;
        }
        if (saga != null) {
            saga.close();
        }
        for (PostgresLog l : logs.values()) {
            l.closeConnection();
        }
    }
}
