package org.agenthypervisor.core.saga;

import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.store.OpenReport;
import org.agenthypervisor.core.store.RecordLog;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The saga journal: one append-only {@link RecordLog} named {@value #NAME} in {@code <dataDir>/saga},
 * holding one canonical JSON object per record (see {@link JournalRecords} for the record types),
 * each stored sealed: prefixed with a MAC that binds it to its position and to the record before it
 * (format 2, see {@link JournalSeal}). Thread-safe.
 *
 * <h2>Authentication</h2>
 * The key is derived from the hypervisor's signing key in the key directory, loaded when the first
 * record is sealed or when a non-empty journal is read ({@link #seal()}), never before. Records are
 * sealed on the caller's thread under one lock together with the append (or, in {@code none} mode,
 * with the hand-off to the writer's queue, whose order is the append order), so the index a record's
 * MAC binds is the index the log gives it. Sealing costs one HMAC per record (a few hundred
 * nanoseconds); in {@code none} mode it stays off the writer, which then keeps up with any caller.
 *
 * <h2>Durability ({@code saga.durability})</h2>
 * <ul>
 *   <li>{@code fsync}: {@link #write} returns once the record has been forced to the device by a
 *   force of its own ({@code fsync}); so a step's "started" record is on the device before the step's
 *   body runs, and its "done" record before the step returns to its caller.</li>
 *   <li>{@code batch}: {@link #write} returns once the record is written to the operating system
 *   (it survives a crash of the JVM at once); a background thread forces the journal at most
 *   {@link #batchWindowMillis} after the first unforced record, so a record survives a power loss or
 *   an OS crash once at most that window plus the time of two forces has passed (a record that arrives
 *   while a force runs waits for the next one). Waiting for a force per step would cap the step rate at
 *   about one force per thread (≈ 4,500 steps/s here); this keeps the caller off the device.</li>
 *   <li>{@code none}: {@link #write} hands the record to a background writer and returns; nothing
 *   is ever forced except at {@link #close}. A JVM crash may lose the records still queued (normally
 *   a few microseconds' worth), a power loss whatever the OS had not written back.</li>
 * </ul>
 * The order of records is the order of the {@code write}/{@link #append} calls in every mode.
 * The mode is read when the journal opens; a reload that changes it takes effect at the next start.
 *
 * <h2>Failure</h2>
 * A failed write or force fails the underlying log (it never retries a force, see {@link RecordLog});
 * every later {@link #write} throws, so the engine refuses new steps instead of running them
 * unjournaled.
 */
public final class SagaJournal implements SagaLog {
    private static final Log LOG = Log.get("saga");

    /** The journal's directory under the data directory. */
    public static final String DIR = "saga";
    /** The journal's record log name. */
    public static final String NAME = "journal";
    /** Default bound of the batch window; override with {@code -Dagenthypervisor.saga.batchWindowMillis}. */
    public static final long DEFAULT_BATCH_WINDOW_MILLIS = 5;
    /** Records the none-mode writer may have queued before appenders wait for it. */
    private static final int QUEUE_LIMIT = 1 << 16;

    private final RecordLog log;
    private final Path keysDir;
    private volatile JournalSeal seal;
    /** Seals records in log order; guarded by itself. */
    private final JournalSeal.Chain chain;
    private final Policy.Durability durability;
    private final long batchWindowMillis;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean closed;

    // batch: the flusher
    private final Thread flusher;
    private final AtomicBoolean flushScheduled = new AtomicBoolean();

    // none: the writer
    private final Thread writer;
    private final ConcurrentLinkedQueue<byte[]> queue;
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean writerSleeping = new AtomicBoolean();

    private SagaJournal(RecordLog log, Path keysDir, Policy.Durability durability, long batchWindowMillis) throws IOException {
        this.log = log;
        this.keysDir = keysDir;
        long size = log.size();
        this.chain = new JournalSeal.Chain(new SealSupplier(this), size, size == 0 ? null : log.get(size - 1));
        this.durability = durability;
        this.batchWindowMillis = batchWindowMillis;
        if (durability == Policy.Durability.BATCH && !log.options().readOnly()) {
            flusher = new Thread(new FlushLoop(this), "agent-hypervisor-saga-flusher");
            flusher.setDaemon(true);
            flusher.start();
        } else {
            flusher = null;
        }
        if (durability == Policy.Durability.NONE && !log.options().readOnly()) {
            queue = new ConcurrentLinkedQueue<>();
            writer = new Thread(new WriteLoop(this), "agent-hypervisor-saga-writer");
            writer.setDaemon(true);
            writer.start();
        } else {
            queue = null;
            writer = null;
        }
    }

    // Classes, not method references: each costs ~0.5 ms to link at start-up (issue 11).

    /** {@link #seal()}, for the chain. */
    private static final class SealSupplier implements Supplier<JournalSeal> {
        private final SagaJournal journal;

        SealSupplier(SagaJournal journal) {
            this.journal = journal;
        }

        @Override
        public JournalSeal get() {
            return journal.seal();
        }
    }

    private static final class FlushLoop implements Runnable {
        private final SagaJournal journal;

        FlushLoop(SagaJournal journal) {
            this.journal = journal;
        }

        @Override
        public void run() {
            journal.flushLoop();
        }
    }

    private static final class WriteLoop implements Runnable {
        private final SagaJournal journal;

        WriteLoop(SagaJournal journal) {
            this.journal = journal;
        }

        @Override
        public void run() {
            journal.writeLoop();
        }
    }

    /** The journal's directory for a data directory. */
    public static Path directory(Path dataDir) {
        return dataDir.resolve(DIR);
    }

    /** The default key directory of a data directory ({@code <dataDir>/keys}). */
    public static Path defaultKeysDir(Path dataDir) {
        return dataDir.resolve("keys");
    }

    /**
     * Opens (creating if missing) the journal of a data directory read-write, cutting a torn tail
     * (see {@link #openReport()}); its key comes from {@code <dataDir>/keys}.
     *
     * @throws org.agenthypervisor.core.store.CorruptLogException if the journal holds damage a crash
     *         cannot explain; nothing was modified
     * @throws IOException if another JVM holds it, or it cannot be read or written
     */
    public static SagaJournal open(Path dataDir, Policy.Durability durability) throws IOException {
        return open(dataDir, defaultKeysDir(dataDir), durability, batchWindowFromProperty());
    }

    public static SagaJournal open(Path dataDir, Policy.Durability durability, long batchWindowMillis) throws IOException {
        return open(dataDir, defaultKeysDir(dataDir), durability, batchWindowMillis);
    }

    /** Like {@link #open(Path, Policy.Durability)}, with the key in {@code keysDir} (policy {@code liability.keysDir}). */
    public static SagaJournal open(Path dataDir, Path keysDir, Policy.Durability durability, long batchWindowMillis)
            throws IOException {
        RecordLog log = RecordLog.open(directory(dataDir), NAME, logOptions()
                .withDurability(durability == Policy.Durability.FSYNC ? org.agenthypervisor.core.store.Durability.FSYNC
                        : org.agenthypervisor.core.store.Durability.NONE));
        try {
            return new SagaJournal(log, keysDir, durability, Math.max(1, batchWindowMillis));
        } catch (IOException | RuntimeException e) {
            log.close();
            throw e;
        }
    }

    public static SagaJournal open(Path dataDir, Path keysDir, Policy.Durability durability) throws IOException {
        return open(dataDir, keysDir, durability, batchWindowFromProperty());
    }

    /**
     * The journal's seal, loading (or creating) the hypervisor's key on first use.
     *
     * @throws org.agenthypervisor.core.crypto.KeyDirectoryException if the key cannot be loaded or created
     */
    public JournalSeal seal() {
        JournalSeal s = seal;
        if (s == null) {
            synchronized (this) {
                s = seal;
                if (s == null) {
                    s = JournalSeal.loadOrCreate(keysDir);
                    seal = s;
                }
            }
        }
        return s;
    }

    /**
     * The journal's log options: with a high-water mark, so that a journal cut at a record boundary
     * or missing a segment (a lost {@code end}: its saga would be compensated again) fails the open.
     */
    static RecordLog.Options logOptions() {
        return RecordLog.Options.defaults().withHighWaterMark(true);
    }

    /** Opens the journal read-only: no lock, nothing modified, a torn tail only reported. */
    public static RecordLog openReadOnly(Path dataDir) throws IOException {
        return RecordLog.open(directory(dataDir), NAME, logOptions().withReadOnly(true));
    }

    private static long batchWindowFromProperty() {
        String value = System.getProperty("agenthypervisor.saga.batchWindowMillis");
        if (value == null || value.isBlank()) {
            return DEFAULT_BATCH_WINDOW_MILLIS;
        }
        try {
            long millis = Long.parseLong(value.trim());
            if (millis >= 1 && millis <= 10_000) {
                return millis;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        LOG.warn("-Dagenthypervisor.saga.batchWindowMillis=" + value + " is not a number of milliseconds in [1, 10000];"
                + " using " + DEFAULT_BATCH_WINDOW_MILLIS);
        return DEFAULT_BATCH_WINDOW_MILLIS;
    }

    static void warn(String message) {
        LOG.warn(message);
    }

    /** What opening found (a torn tail that was cut, records kept). */
    public OpenReport openReport() {
        return log.openReport();
    }

    /** The underlying log (for reading it back). */
    public RecordLog recordLog() {
        return log;
    }

    public Policy.Durability durability() {
        return durability;
    }

    public long batchWindowMillis() {
        return batchWindowMillis;
    }

    @Override
    public String describe() {
        return log.dir().toString();
    }

    /** Appends a record and waits as the durability mode says (see the class comment). */
    @Override
    public void write(byte[] record) throws IOException {
        append(record);
        awaitDurable();
    }

    /**
     * Appends a record without waiting for it to be durable; {@link #awaitDurable} then waits. Split
     * so that callers can append under their own lock (to keep journal order and memory order the
     * same) and wait outside it.
     */
    @Override
    public void append(byte[] record) throws IOException {
        checkUsable();
        if (queue != null) {
            if (queued.incrementAndGet() > QUEUE_LIMIT) {
                waitForRoom();
            }
            try {
                // Sealed here, in queue order (the order the writer appends), so the writer only writes: it
                // keeps up with any caller, and callers never wait for it.
                synchronized (chain) {
                    byte[] sealed = chain.seal(record);
                    chain.appended(sealed);
                    queue.offer(sealed);
                }
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
                throw new IOException("cannot seal a journal record: " + e, e);
            }
            if (writerSleeping.get() && writerSleeping.compareAndSet(true, false)) {
                LockSupport.unpark(writer);
            }
            return;
        }
        try {
            synchronized (chain) {
                byte[] sealed = chain.seal(record);
                log.append(sealed);
                chain.appended(sealed);
            }
        } catch (IOException | RuntimeException e) {
            failure.compareAndSet(null, e);
            throw e instanceof IOException ? (IOException) e : new IOException("cannot seal or append a journal record: " + e, e);
        }
    }

    /** Waits until what this thread appended is as durable as the mode promises. */
    @Override
    public void awaitDurable() throws IOException {
        switch (durability) {
            case FSYNC -> {
                try {
                    log.sync();
                } catch (IOException e) {
                    failure.compareAndSet(null, e);
                    throw e;
                }
            }
            case BATCH -> {
                if (!flushScheduled.get() && flushScheduled.compareAndSet(false, true)) {
                    LockSupport.unpark(flusher);
                }
            }
            case NONE -> { }
        }
    }

    /** What runs while compaction holds the journal ({@link #exclusive}). */
    interface Exclusive<T> {
        T run(Writer writer) throws IOException;
    }

    /** Appends in chain order while {@link #exclusive} holds the journal; a failure fails the journal, as any write. */
    final class Writer {
        private Writer() {
        }

        /** The index the next record gets. */
        long next() {
            return chain.next();
        }

        /** The stored tag of the last record: what the next one chains to. */
        byte[] previousTag() {
            return chain.previousTag();
        }

        long append(byte[] json) throws IOException {
            try {
                byte[] sealed = chain.seal(json);
                long index = log.append(sealed);
                chain.appended(sealed);
                return index;
            } catch (IOException | RuntimeException e) {
                failure.compareAndSet(null, e);
                throw e instanceof IOException ? (IOException) e : new IOException("cannot seal or append a journal record: " + e, e);
            }
        }

        /** Starts a new segment (unless the current one is empty): the next record is the first of its segment. */
        void roll() throws IOException {
            try {
                log.roll();
            } catch (IOException | RuntimeException e) {
                failure.compareAndSet(null, e);
                throw e;
            }
        }
    }

    /**
     * Runs {@code body} with no other record appended meanwhile: every record sealed so far is in the
     * log (in {@code none} mode this waits for the writer), and appends wait until it returns. For
     * compaction, whose checkpoint and carries must be the first records of a segment and must not
     * interleave with the records of the sagas they carry.
     */
    <T> T exclusive(Exclusive<T> body) throws IOException {
        checkUsable();
        synchronized (chain) {
            while (log.size() < chain.next()) {
                checkUsable();
                if (writer != null) {
                    LockSupport.unpark(writer);
                }
                LockSupport.parkNanos(50_000);
            }
            return body.run(new Writer());
        }
    }

    private void checkUsable() throws IOException {
        if (closed) {
            throw new IOException("the saga journal " + directory() + " is closed (the JVM is shutting down)");
        }
        Throwable f = failure.get();
        if (f != null) {
            throw new IOException("the saga journal " + directory() + " failed and accepts no more records until the"
                    + " JVM restarts: " + f, f);
        }
    }

    private Path directory() {
        return log.dir();
    }

    private void waitForRoom() {
        LockSupport.unpark(writer);
        while (queued.get() > QUEUE_LIMIT && !closed && failure.get() == null) {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(50));
        }
    }

    // ---------------------------------------------------------------- batch: bounded-delay flusher

    private void flushLoop() {
        while (!closed) {
            if (!flushScheduled.get()) {
                LockSupport.park(this);
                continue;
            }
            // Gather: everything appended during the window shares one force.
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(batchWindowMillis);
            for (long left; (left = deadline - System.nanoTime()) > 0 && !closed; ) {
                LockSupport.parkNanos(this, left);
            }
            // Cleared before the force: a record appended from now on schedules the next one.
            flushScheduled.set(false);
            if (closed) {
                return;
            }
            try {
                log.sync();
            } catch (IOException e) {
                if (failure.compareAndSet(null, e)) {
                    LOG.error("SAGA JOURNAL FORCE FAILED: new saga steps are refused until the JVM restarts: " + e, e);
                }
                return;
            }
        }
    }

    // ---------------------------------------------------------------- none: background writer

    private void writeLoop() {
        int idle = 0;
        java.util.List<byte[]> batch = new java.util.ArrayList<>();
        while (true) {
            for (byte[] record; batch.size() < 1024 && (record = queue.poll()) != null; ) {
                batch.add(record);
            }
            if (!batch.isEmpty()) {
                idle = 0;
                queued.addAndGet(-batch.size());
                if (failure.get() == null) {
                    try {
                        log.appendAll(batch); // one write call for many records, sealed by their callers
                    } catch (IOException | RuntimeException e) {
                        if (failure.compareAndSet(null, e)) {
                            LOG.error("SAGA JOURNAL WRITE FAILED: new saga steps are refused until the JVM restarts: " + e, e);
                        }
                    }
                }
                batch.clear();
                continue;
            }
            if (closed) {
                return;
            }
            // Poll for a while (appenders then never pay for a wake-up), then sleep until one comes.
            if (++idle < 200) {
                LockSupport.parkNanos(this, 50_000);
            } else {
                writerSleeping.set(true);
                if (queue.isEmpty() && !closed) {
                    LockSupport.park(this);
                }
                writerSleeping.set(false);
                idle = 0;
            }
        }
    }

    /** Writes what is queued, forces everything, and closes the log (releasing its lock). Idempotent. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        for (Thread t : new Thread[] {flusher, writer}) {
            if (t != null) {
                LockSupport.unpark(t);
                try {
                    t.join(10_000);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        log.close();
    }

    @Override
    public String toString() {
        return "SagaJournal[" + log + ", " + durability.name().toLowerCase() + "]";
    }
}
