package org.agenthypervisor.core.liability;

import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.store.CorruptLogException;
import org.agenthypervisor.core.store.Durability;
import org.agenthypervisor.core.store.LogRecord;
import org.agenthypervisor.core.store.OpenReport;
import org.agenthypervisor.core.store.RecordLog;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The persistent trust ledger: {@code <dataDir>/trust}, one {@link RecordLog} named {@code trust}
 * whose records are canonical JSON, one per event that changed scores:
 * <pre>
 * {"cause":"...","changes":[{"after":0.05,"agent":"b","before":1,"distance":1}],"kind":"slash",
 *  "time":"2025-01-01T00:00:00.123Z","version":1}
 * </pre>
 * {@code kind} is {@code slash} (an anomaly; every agent it slashed, in one record), {@code set} (an
 * operator; {@code before} is null when the writer did not know it) or {@code recover} (the policy's
 * recovery rate). Replaying the records in order gives each agent's live score: the {@code after} of
 * its latest change. Agents the ledger never mentions have their initial trust from the policy.
 *
 * <p>{@link #append} returns only once the record is on the device (group commit), and callers
 * change the live score only after it returns: a restart can never restore a slashed agent. A torn
 * tail (a crash during an append, whose change therefore never took effect) is cut when the ledger
 * is opened; anything else that is wrong with the files fails the open and is never rewritten.
 *
 * <p>The read-write open holds the log's lock for the life of the JVM, which is how the command
 * line knows whether a JVM is using the data directory.
 */
public final class TrustLedger implements AutoCloseable {
    public static final String NAME = "trust";
    public static final int VERSION = 1;

    private final RecordLog log;
    private final Map<String, Entry> latest = new ConcurrentHashMap<>();

    /** An agent's latest change: its score, what changed it, when, and the ledger record's index. */
    public record Entry(String agent, double trust, String kind, String cause, String time, long index) {
    }

    /** One agent's change in a record. {@code before} may be NaN (unknown, written as null). */
    public record Change(String agent, double before, double after, int distance) {
    }

    private TrustLedger(RecordLog log) {
        this.log = log;
    }

    /**
     * The ledger's log options: a slash is forced before it applies, so a ledger shorter than its
     * high-water mark lost slashes, and must not open as if trust had never dropped.
     */
    static RecordLog.Options options() {
        return RecordLog.Options.defaults().withHighWaterMark(true);
    }

    /** The ledger's directory in a data directory. */
    public static Path directory(Path dataDir) {
        return dataDir.resolve(NAME);
    }

    /**
     * Opens (creating if missing) the ledger of a data directory read-write and replays it.
     *
     * @throws IOException if another process holds it, or it is corrupted (a {@link CorruptLogException}
     *                     naming file, offset and record), or cannot be read
     */
    public static TrustLedger open(Path dataDir, Durability durability) throws IOException {
        RecordLog log = RecordLog.open(directory(dataDir), NAME, options().withDurability(durability));
        TrustLedger ledger = new TrustLedger(log);
        try {
            ledger.replay();
        } catch (IOException | RuntimeException failure) {
            log.close();
            throw failure;
        }
        return ledger;
    }

    /** What opening found: a torn tail that was cut, if any. */
    public OpenReport openReport() {
        return log.openReport();
    }

    /**
     * Reads a data directory's ledger without locking or changing it (works while a JVM uses it).
     *
     * @return the latest change of every agent it mentions, by agent id; empty if there is no ledger
     */
    public static Map<String, Entry> read(Path dataDir) throws IOException {
        Path dir = directory(dataDir);
        if (!Files.isDirectory(dir)) {
            return Map.of();
        }
        try (RecordLog log = RecordLog.open(dir, NAME, options().withReadOnly(true))) {
            TrustLedger reader = new TrustLedger(log);
            reader.replay();
            return new TreeMap<>(reader.latest);
        } catch (NoSuchFileException none) {
            return Map.of();
        }
    }

    /**
     * Whether a process (this one included) holds the ledger of {@code dataDir} open read-write,
     * i.e. whether a JVM with the agent is using the data directory.
     */
    public static boolean inUse(Path dataDir) throws IOException {
        Path lockFile = directory(dataDir).resolve(NAME + ".lock");
        if (!Files.exists(lockFile)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock lock = ch.tryLock();
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        } catch (OverlappingFileLockException inThisJvm) {
            return true;
        }
    }

    private void replay() throws IOException {
        log.forEach(0, (LogRecord r) -> apply(r.index(), r.payload()));
    }

    private void apply(long index, byte[] payload) {
        Object tree;
        try {
            tree = CanonicalJson.parse(payload);
        } catch (IllegalArgumentException bad) {
            throw new IllegalStateException("trust ledger " + log.dir() + ": record " + index + " is not JSON ("
                    + bad.getMessage() + "); the ledger is never rewritten: restore it from a backup", bad);
        }
        if (!(tree instanceof Map) || !(((Map<?, ?>) tree).get("changes") instanceof List)) {
            throw new IllegalStateException("trust ledger " + log.dir() + ": record " + index
                    + " has no \"changes\"; the ledger is never rewritten: restore it from a backup");
        }
        Map<?, ?> rec = (Map<?, ?>) tree;
        String kind = String.valueOf(rec.get("kind"));
        String cause = rec.get("cause") == null ? "" : String.valueOf(rec.get("cause"));
        String time = String.valueOf(rec.get("time"));
        for (Object o : (List<?>) rec.get("changes")) {
            if (!(o instanceof Map) || !(((Map<?, ?>) o).get("agent") instanceof String)
                    || !(((Map<?, ?>) o).get("after") instanceof Number)) {
                throw new IllegalStateException("trust ledger " + log.dir() + ": record " + index
                        + " has a change without agent or after: " + o);
            }
            Map<?, ?> c = (Map<?, ?>) o;
            String agent = (String) c.get("agent");
            double after = ((Number) c.get("after")).doubleValue();
            if (!(after >= 0.0 && after <= 1.0)) {
                throw new IllegalStateException("trust ledger " + log.dir() + ": record " + index + " sets '" + agent
                        + "' to " + after + ", outside [0, 1]");
            }
            latest.put(agent, new Entry(agent, after, kind, cause, time, index));
        }
    }

    /** The live score the ledger holds for an agent, if it ever changed. */
    public OptionalDouble trust(String agent) {
        Entry e = latest.get(agent);
        return e == null ? OptionalDouble.empty() : OptionalDouble.of(e.trust());
    }

    /** The latest change of every agent the ledger mentions, by id. */
    public Map<String, Entry> entries() {
        return Collections.unmodifiableMap(new TreeMap<>(latest));
    }

    /**
     * Appends one event and returns once it is durable; only then does it count.
     *
     * @return the record's index
     */
    public long append(String kind, String cause, List<Change> changes, long timeMillis) throws IOException {
        List<Object> list = new ArrayList<>(changes.size());
        for (Change c : changes) {
            list.add(CanonicalJson.object()
                    .put("agent", c.agent())
                    .put("before", Double.isNaN(c.before()) ? null : (Object) c.before())
                    .put("after", c.after())
                    .put("distance", (long) c.distance()));
        }
        String time = Instant.ofEpochMilli(timeMillis).toString();
        byte[] record = CanonicalJson.object()
                .put("version", (long) VERSION)
                .put("kind", kind)
                .put("cause", cause)
                .put("time", time)
                .put("changes", list)
                .toBytes();
        long index = log.appendDurable(record);
        for (Change c : changes) {
            latest.put(c.agent(), new Entry(c.agent(), c.after(), kind, cause, time, index));
        }
        return index;
    }

    /** The number of records. */
    public long size() {
        return log.size();
    }

    @Override
    public void close() throws IOException {
        log.close();
    }
}
