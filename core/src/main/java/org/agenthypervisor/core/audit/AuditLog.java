package org.agenthypervisor.core.audit;

import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.store.Durability;
import org.agenthypervisor.core.store.OpenReport;
import org.agenthypervisor.core.store.RecordLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The audit log under {@code <dataDir>/audit}: one append-only {@link RecordLog} of canonical JSON
 * records {@code {"seq":N,"time":"...","type":"...",...fields}}, where {@code seq} is the record's
 * index in the log.
 *
 * <p>Callers only queue a record; one writer thread appends, and forces the file according to
 * {@code audit.durability}: {@code fsync} forces every record and makes {@link #record} wait for
 * it, {@code batch} forces whatever arrived within {@code audit.flushInterval} (a bounded loss
 * window of about that much on power failure), {@code none} leaves it to the operating system.
 *
 * <p>Opening reports a torn tail (the crash case: cut and recorded as {@code audit.tail-cut}) and
 * refuses a corrupted log: it is never rewritten.
 */
public final class AuditLog implements AuditTrail {
    private static final Log LOG = Log.get("audit");
    private static final int QUEUE_CAPACITY = 65_536;

    private final RecordLog log;
    private final Durability durability;
    private final long flushMillis;
    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final Thread writer;
    private final Object progress = new Object();
    private long enqueued;
    private long durable;
    private volatile boolean closing;
    private volatile IOException failure;

    private record Pending(long ticket, String type, Map<String, Object> fields, long timeMillis) {
    }

    private AuditLog(RecordLog log, Durability durability, long flushMillis) {
        this.log = log;
        this.durability = durability;
        this.flushMillis = Math.max(1, flushMillis);
        this.writer = new Thread(this::writeLoop, "agent-hypervisor-audit-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** Opens (or creates) the audit log of a data directory with the policy's settings. */
    public static AuditLog open(Path dataDir, Policy.AuditSettings settings) throws IOException {
        Durability durability = Durability.valueOf(settings.durability().name());
        RecordLog log = RecordLog.open(dataDir.resolve("audit"), "audit",
                RecordLog.Options.defaults().withDurability(durability));
        AuditLog audit = new AuditLog(log, durability, settings.flushMillis());
        OpenReport report = log.openReport();
        if (report.tornTail()) {
            LOG.warn("audit log: " + report);
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("bytesCut", report.bytesCut());
            fields.put("file", String.valueOf(report.cutFile()));
            fields.put("offset", report.cutOffset());
            fields.put("recordsKept", report.recordsRecovered());
            audit.record("audit.tail-cut", fields);
        }
        return audit;
    }

    /** For {@code HypervisorRuntime.start}: the audit log of the data directory, policy defaults. */
    public static AuditTrail openFor(Path dataDir, Policy policy) {
        try {
            return open(dataDir, policy.audit());
        } catch (IOException failure) {
            throw new UncheckedIOException("cannot open the audit log in " + dataDir.resolve("audit") + ": "
                    + failure.getMessage(), failure);
        }
    }

    /** The underlying log (for tools that read it). */
    public RecordLog recordLog() {
        return log;
    }

    @Override
    public void record(String type, Map<String, Object> fields) {
        if (closing) {
            LOG.warn("audit log closed; dropped a '" + type + "' record: " + fields);
            return;
        }
        long ticket;
        synchronized (progress) {
            ticket = ++enqueued;
        }
        Pending pending = new Pending(ticket, type, fields, System.currentTimeMillis());
        try {
            queue.put(pending);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            // Never lose a record because the caller was interrupted: queue it without blocking.
            if (!queue.offer(pending)) {
                LOG.error("audit queue full and caller interrupted; dropped a '" + type + "' record: " + fields);
            }
        }
        if (durability == Durability.FSYNC) {
            awaitDurable(ticket);
        }
    }

    @Override
    public void flush() {
        long target;
        synchronized (progress) {
            target = enqueued;
        }
        awaitDurable(target);
    }

    private void awaitDurable(long ticket) {
        synchronized (progress) {
            while (durable < ticket && failure == null && writer.isAlive()) {
                try {
                    progress.wait(100);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        if (closing) {
            return;
        }
        flush();
        closing = true;
        writer.interrupt();
        try {
            writer.join(5_000);
            log.close();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        } catch (IOException failed) {
            LOG.error("closing the audit log failed: " + failed, failed);
        }
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>();
        while (true) {
            try {
                Pending first = closing ? queue.poll() : queue.poll(flushMillis, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closing) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch);
                write(batch);
                batch.clear();
            } catch (InterruptedException interrupted) {
                if (!closing) {
                    continue;
                }
                queue.drainTo(batch);
                if (!batch.isEmpty()) {
                    write(batch);
                }
                return;
            }
        }
    }

    private void write(List<Pending> batch) {
        long last = 0;
        try {
            for (Pending p : batch) {
                long seq = log.size();
                Map<String, Object> record = new LinkedHashMap<>(p.fields());
                record.put("seq", seq);
                record.put("time", Instant.ofEpochMilli(p.timeMillis()).toString());
                record.put("type", p.type());
                log.append(CanonicalJson.write(record));
                if (durability == Durability.FSYNC) {
                    log.sync();
                }
                last = p.ticket();
            }
            if (durability == Durability.BATCH) {
                log.sync();
            }
        } catch (IOException | RuntimeException failed) {
            failure = failed instanceof IOException ? (IOException) failed : new IOException(failed);
            LOG.error("AUDIT LOG WRITE FAILED; records are being lost: " + failed, failed);
        }
        synchronized (progress) {
            durable = Math.max(durable, last);
            progress.notifyAll();
        }
    }
}
