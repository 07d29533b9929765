package org.agenthypervisor.core.store.postgres;

import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.saga.SharedSagaLog;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The saga journal in the shared store (schema version 2: {@code saga_instance}, {@code saga},
 * {@code saga_record}, {@code saga_number}).
 *
 * <h2>Ownership</h2>
 * Each JVM holds a lease, a row of {@code saga_instance} that its renewer thread moves forward every
 * third of the lease. It owns the sagas it began, and those it took over, each at an epoch. Every
 * write names the saga, this JVM and the epoch, in one statement that also checks the lease is
 * current in the database's clock: a JVM whose lease expired, or whose saga was taken over (epoch
 * bumped), writes nothing and is told so ({@link StaleOwnerException}); the engine then refuses new
 * steps and leaves compensations to the new owner. A JVM that cannot renew refuses new sagas and steps
 * locally as soon as its own lease may have run out (fail closed), before a taker could act.
 *
 * <h2>Take-over</h2>
 * The renewer also looks for unfinished sagas whose owner's lease expired and takes them in one
 * transaction ({@code FOR UPDATE SKIP LOCKED}, owner set to this JVM, epoch + 1): two JVMs looking at
 * once get disjoint sets, and each saga goes to exactly one. The records are read after the take-over
 * committed, so they include every write the old owner committed (a write that raced the take-over
 * waited for its row lock and then found the epoch moved on).
 *
 * <h2>Durability</h2>
 * Each write is its own transaction, committed before {@link #write} returns (PostgreSQL's
 * {@code synchronous_commit}, on by default, makes a commit durable): a step's record is committed
 * before its body runs, as the file journal's {@code fsync} mode forces it.
 */
final class PostgresSagaLog implements SharedSagaLog {
    private static final Log LOG = Log.get("saga");
    private static final int SOCKET_TIMEOUT_SECONDS = 30;
    /** Sagas taken over per transaction (the rest in the next round). */
    private static final int TAKE_BATCH = 50;

    private final PostgresStore store;
    private final String schema;
    private final long leaseMillis;
    /** The epoch at which this JVM owns each saga it writes for. */
    private final Map<String, Long> epochs = new ConcurrentHashMap<>();
    /** Sagas another JVM took from this one: their writes and compensations belong to the new owner. */
    private final Map<String, Boolean> lost = new ConcurrentHashMap<>();
    /** Guards {@link #writes}: one write at a time per JVM. */
    private final Object writeLock = new Object();
    /** Guards {@link #renewals}: renewals never wait for a slow write. */
    private final Object renewLock = new Object();
    private Connection writes;
    private Connection renewals;
    /** System.nanoTime() until which this JVM's lease is certainly current (measured from before the renewal). */
    private volatile long validUntil;
    private volatile boolean leaseWasLost;
    /**
     * The owner name of this JVM's current lease: its instance id and a generation. A lease that was lost
     * is never taken back: the next one has a new name, so every saga of the old one (taken over or not)
     * is fenced, and any live JVM, this one included, takes them over once the old lease expired.
     */
    private volatile String owner;
    private int generation = 1;
    /** Set when a write was refused for want of a current lease: the lease is given up at the next round. */
    private volatile boolean abandon;
    /** Whether {@link #owner} was ever acquired (a failed new lease keeps its name until it is). */
    private volatile boolean held;
    private volatile boolean closed;
    private Thread renewer;

    PostgresSagaLog(PostgresStore store, long leaseMillis) throws IOException {
        this.store = store;
        this.schema = store.schema();
        this.leaseMillis = leaseMillis;
        this.owner = store.instance() + "#1";
        renew(true);
        this.held = true;
    }

    // ---------------------------------------------------------------- lease

    /** Moves this JVM's lease forward; {@code acquire}: also if it had expired (a new lease). */
    private boolean renew(boolean acquire) throws IOException {
        synchronized (renewLock) {
            return renewLocked(acquire);
        }
    }

    private boolean renewLocked(boolean acquire) throws IOException {
        long before = System.nanoTime();
        try {
            Connection c = renewals();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".saga_instance AS i"
                    + " (instance, lease_expires) VALUES (?, now() + ? * interval '1 millisecond')"
                    + " ON CONFLICT (instance) DO UPDATE SET lease_expires = excluded.lease_expires"
                    + (acquire ? "" : " WHERE i.lease_expires > now()"))) {
                ps.setString(1, owner);
                ps.setLong(2, leaseMillis);
                if (ps.executeUpdate() == 0) {
                    return false;
                }
            }
            validUntil = before + TimeUnit.MILLISECONDS.toNanos(leaseMillis);
            return true;
        } catch (SQLException failure) {
            closeQuietly(renewals);
            renewals = null;
            throw new IOException("shared store " + store.describe() + ": cannot renew the saga lease of "
                    + owner + " (" + failure.getMessage() + ")", failure);
        }
    }

    @Override
    public boolean leaseValid() {
        return !closed && System.nanoTime() - validUntil < 0;
    }

    @Override
    public void start(BooleanSupplier takeOver, Consumer<List<Claimed>> taken) {
        renewer = new Thread(() -> renewLoop(takeOver, taken), "agent-hypervisor-saga-lease");
        renewer.setDaemon(true);
        renewer.start();
    }

    private void renewLoop(BooleanSupplier takeOver, Consumer<List<Claimed>> taken) {
        long period = Math.max(50, leaseMillis / 3);
        while (!closed) {
            try {
                // A renewal that fails while the lease is still current is simply tried again next round.
                boolean kept = !abandon && leaseValid() && renew(false);
                if (!kept) {
                    if (held) {
                        // Expired, or not renewed in time: another JVM may take (or have taken) this lease's
                        // sagas; this JVM writes nothing more for them and takes a new lease under a new name.
                        String old = owner;
                        abandon = false;
                        held = false;
                        epochs.clear();
                        owner = store.instance() + "#" + (++generation);
                        LOG.error("SAGA LEASE LOST by " + old + " in " + store.describe() + ": its unfinished sagas are"
                                + " taken over (once the lease has expired) by a live JVM of the application, which"
                                + " compensates them; this JVM writes nothing more for them. Next lease: " + owner);
                    }
                    leaseWasLost = true;
                    renew(true);
                    held = true;
                    LOG.warn("saga lease " + owner + " taken; new sagas and steps are journaled again");
                    leaseWasLost = false;
                } else if (leaseWasLost) {
                    LOG.warn("saga lease of " + owner + " is current again");
                    leaseWasLost = false;
                }
                List<Claimed> claimed = takeOver.getAsBoolean() ? takeExpired(java.util.Set.of()) : List.of();
                if (!claimed.isEmpty()) {
                    taken.accept(claimed);
                }
            } catch (IOException | RuntimeException failure) {
                if (!closed && !leaseWasLost) {
                    LOG.error("saga lease: " + failure.getMessage() + "; new saga steps are refused once the lease may"
                            + " have expired (fail closed)");
                }
                leaseWasLost = true;
            }
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Takes over the unfinished sagas of JVMs whose lease expired (those no other JVM is taking right now). */
    @Override
    public List<Claimed> takeExpired(java.util.Set<String> only) throws IOException {
        synchronized (renewLock) {
            return takeExpiredLocked(only);
        }
    }

    private List<Claimed> takeExpiredLocked(java.util.Set<String> only) throws IOException {
        List<Claimed> out = new ArrayList<>();
        try {
            Connection c = renewals();
            c.setAutoCommit(false);
            try {
                List<String> ids = new ArrayList<>();
                List<String> owners = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("SELECT s.id, s.owner FROM " + schema + ".saga s LEFT JOIN "
                        + schema + ".saga_instance i ON i.instance = s.owner WHERE s.state <> 'ended' AND s.owner <> ?"
                        + " AND (i.instance IS NULL OR i.lease_expires < now())"
                        + (only.isEmpty() ? "" : " AND s.id = ANY (?)") + " ORDER BY s.began_at LIMIT " + TAKE_BATCH
                        + " FOR UPDATE OF s SKIP LOCKED")) {
                    ps.setString(1, owner);
                    if (!only.isEmpty()) {
                        ps.setArray(2, c.createArrayOf("text", only.toArray()));
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            ids.add(rs.getString(1));
                            owners.add(rs.getString(2));
                        }
                    }
                }
                if (ids.isEmpty()) {
                    c.commit();
                    return out;
                }
                List<long[]> epochsTaken = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + schema + ".saga SET owner = ?, epoch = epoch + 1,"
                        + " taken_from = owner WHERE id = ? RETURNING epoch")) {
                    for (String id : ids) {
                        ps.setString(1, owner);
                        ps.setString(2, id);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            epochsTaken.add(new long[] {rs.getLong(1)});
                        }
                    }
                }
                c.commit();
                for (int i = 0; i < ids.size(); i++) {
                    epochs.put(ids.get(i), epochsTaken.get(i)[0]);
                    lost.remove(ids.get(i));
                }
                c.setAutoCommit(true);
                for (int i = 0; i < ids.size(); i++) {
                    out.add(new Claimed(ids.get(i), owners.get(i), epochsTaken.get(i)[0], records(c, ids.get(i))));
                }
                return out;
            } catch (SQLException | RuntimeException failure) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    failure.addSuppressed(ignored);
                }
                throw failure;
            } finally {
                if (!c.isClosed()) {
                    c.setAutoCommit(true);
                }
            }
        } catch (SQLException failure) {
            closeQuietly(renewals);
            renewals = null;
            throw new IOException("shared store " + store.describe() + ": taking over expired sagas failed ("
                    + failure.getMessage() + ")", failure);
        }
    }

    static List<byte[]> records(Connection c, String schema, String sagaId) throws SQLException {
        List<byte[]> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT payload FROM " + schema + ".saga_record WHERE saga = ?"
                + " ORDER BY seq")) {
            ps.setString(1, sagaId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getBytes(1));
                }
            }
        }
        return out;
    }

    /** One saga row, for the command line. */
    record Row(String id, String owner, long epoch, String state, boolean leaseCurrent, String takenFrom) {
    }

    /** Every saga row and every record (in the order written), read in one snapshot. */
    static List<Row> rows(Connection c, String schema, List<byte[]> records) throws SQLException {
        List<Row> out = new ArrayList<>();
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (var st = c.createStatement()) {
            st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
            try (ResultSet rs = st.executeQuery("SELECT s.id, s.owner, s.epoch, s.state, coalesce(i.lease_expires > now(),"
                    + " false), s.taken_from FROM " + schema + ".saga s LEFT JOIN " + schema + ".saga_instance i"
                    + " ON i.instance = s.owner ORDER BY s.began_at, s.id")) {
                while (rs.next()) {
                    out.add(new Row(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getBoolean(5),
                            rs.getString(6)));
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT payload FROM " + schema + ".saga_record ORDER BY seq")) {
                while (rs.next()) {
                    records.add(rs.getBytes(1));
                }
            }
            c.commit();
        } finally {
            c.setAutoCommit(auto);
        }
        return out;
    }

    private List<byte[]> records(Connection c, String sagaId) throws SQLException {
        return records(c, schema, sagaId);
    }

    // ---------------------------------------------------------------- writes

    @Override
    public long reserveNumbers(int size) throws IOException {
        try {
            synchronized (writeLock) {
                try (PreparedStatement ps = writes().prepareStatement("SELECT nextval('" + schema + ".saga_number')");
                     ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        } catch (SQLException failure) {
            dropWrites();
            throw new IOException("shared store " + store.describe() + ": cannot reserve saga numbers ("
                    + failure.getMessage() + ")", failure);
        }
    }

    @Override
    public void write(byte[] record) throws IOException {
        append(record);
    }

    /** Commits the record (there is nothing to wait for afterwards). */
    @Override
    public void append(byte[] record) throws IOException {
        if (closed) {
            throw new IOException("the shared saga journal is closed (the JVM is shutting down)");
        }
        Map<?, ?> r;
        try {
            r = (Map<?, ?>) CanonicalJson.parse(record);
        } catch (RuntimeException notJson) {
            throw new IOException("not a saga journal record: " + notJson.getMessage(), notJson);
        }
        String type = String.valueOf(r.get("type"));
        String saga = String.valueOf(r.get("saga"));
        Object step = r.get("step");
        boolean begin = "begin".equals(type);
        if (!leaseValid()) {
            abandon = true;
            lost.put(saga, Boolean.TRUE);
            throw new IOException("this JVM's saga lease in " + store.describe() + " is not current (the database could"
                    + " not be reached to renew it); saga records are refused until it is, so that this JVM never writes"
                    + " alongside a JVM that took its sagas over");
        }
        Long epoch = begin ? Long.valueOf(1) : epochs.get(saga);
        if (epoch == null) {
            lost.put(saga, Boolean.TRUE);
            throw new StaleOwnerException("saga " + saga + " is not owned by this JVM's lease (" + owner + "): it was"
                    + " taken over by another JVM, or belongs to a lease this JVM lost (then a live JVM takes it over)");
        }
        String sql;
        if (begin) {
            sql = "WITH s AS (INSERT INTO " + schema + ".saga (id, owner, epoch, state, name) SELECT ?, ?, 1, 'running', ?"
                    + " WHERE EXISTS (SELECT 1 FROM " + schema + ".saga_instance WHERE instance = ? AND lease_expires > now())"
                    + " RETURNING id) ";
        } else {
            String state = switch (type) {
                case "end" -> "'ended', ended_at = now()";
                case "rollback", "recovery", "compensating" -> "'compensating'";
                default -> null;
            };
            // FOR SHARE / the UPDATE wait for a take-over in progress and then see its new epoch.
            sql = "WITH s AS (" + (state == null
                    ? "SELECT id FROM " + schema + ".saga WHERE id = ? AND owner = ? AND epoch = ? AND EXISTS (SELECT 1 FROM "
                    + schema + ".saga_instance WHERE instance = ? AND lease_expires > now()) FOR SHARE"
                    : "UPDATE " + schema + ".saga SET state = " + state + " WHERE id = ? AND owner = ? AND epoch = ? AND"
                    + " EXISTS (SELECT 1 FROM " + schema + ".saga_instance WHERE instance = ? AND lease_expires > now())"
                    + " RETURNING id") + ") ";
        }
        sql += "INSERT INTO " + schema + ".saga_record (saga, type, step, epoch, instance, payload)"
                + " SELECT id, ?, ?, ?, ?, ? FROM s";
        int rows;
        try {
            synchronized (writeLock) {
                try (PreparedStatement ps = writes().prepareStatement(sql)) {
                    int i = 1;
                    ps.setString(i++, saga);
                    ps.setString(i++, owner);
                    if (begin) {
                        ps.setString(i++, r.get("name") == null ? null : String.valueOf(r.get("name")));
                    } else {
                        ps.setLong(i++, epoch);
                    }
                    ps.setString(i++, owner);
                    ps.setString(i++, type);
                    ps.setString(i++, step == null ? null : String.valueOf(step));
                    ps.setLong(i++, epoch);
                    ps.setString(i++, owner);
                    ps.setBytes(i, record);
                    rows = ps.executeUpdate();
                }
            }
        } catch (SQLException failure) {
            dropWrites();
            throw new IOException("shared store " + store.describe() + ": journaling a '" + type + "' record of saga "
                    + saga + " failed (" + failure.getMessage() + ", SQL state " + failure.getSQLState() + "); the record"
                    + " is not known to be committed", failure);
        }
        if (rows == 0) {
            if (begin) {
                throw new IOException("saga " + saga + " cannot begin: this JVM's saga lease in " + store.describe()
                        + " expired");
            }
            lost.put(saga, Boolean.TRUE);
            epochs.remove(saga);
            throw new StaleOwnerException("saga " + saga + " was taken over by another JVM (this JVM's epoch " + epoch
                    + " is stale, or its lease expired); the new owner compensates it");
        }
        if (begin) {
            epochs.put(saga, 1L);
        } else if ("end".equals(type)) {
            epochs.remove(saga);
        }
    }

    @Override
    public void awaitDurable() {
        // every append committed before it returned
    }

    @Override
    public boolean fenced(String sagaId) {
        // Without a current lease a taker may be compensating it right now.
        return lost.containsKey(sagaId) || !leaseValid();
    }

    @Override
    public String describe() {
        return store.describe() + " (saga journal)";
    }

    private Connection writes() throws SQLException {
        if (closed || store.closed()) {
            throw new SQLException("the shared store is closed", "08003");
        }
        if (writes == null) {
            writes = store.connect(SOCKET_TIMEOUT_SECONDS);
        }
        return writes;
    }

    private Connection renewals() throws SQLException {
        if (closed || store.closed()) {
            throw new SQLException("the shared store is closed", "08003");
        }
        if (renewals == null) {
            // A short timeout: a renewal that hangs must not outlive the lease it renews.
            renewals = store.connect((int) Math.max(1, leaseMillis / 3000));
        }
        return renewals;
    }

    private void dropWrites() {
        synchronized (writeLock) {
            closeQuietly(writes);
            writes = null;
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // gone either way
            }
        }
    }

    /** Stops renewing; the sagas still owned stay owned until the lease expires (another JVM then takes them). */
    @Override
    public void close() {
        closed = true;
        if (renewer != null) {
            renewer.interrupt();
            try {
                renewer.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (writeLock) {
            closeQuietly(writes);
            writes = null;
        }
        synchronized (renewLock) {
            closeQuietly(renewals);
            renewals = null;
        }
    }

    /** A write refused because another JVM owns the saga now. */
    static final class StaleOwnerException extends IOException {
        StaleOwnerException(String message) {
            super(message);
        }
    }
}
