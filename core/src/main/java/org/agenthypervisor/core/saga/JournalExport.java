package org.agenthypervisor.core.saga;

import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.store.RecordLog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A data directory's file saga journal read for {@code store import}: every saga it holds (finished
 * ones too, and the archive compaction kept), each with its records as the shared journal stores them
 * (the file journal's JSON, unsealed, carries expanded into the records they stand for), in journal
 * order. Read-only: no lock, nothing modified.
 *
 * <p>Only a journal that can be trusted whole is exported, since the shared store cannot authenticate
 * records afterwards and a live JVM compensates what it shows unfinished. A journal is refused
 * (IOException naming the file and record) when a record fails authentication (forged, edited, format
 * 1, or the key is missing), when it is damaged (corrupt segments, records that do not fit), or when
 * it lost records at its tail that the audit log proves were there (a saga's end): importing it would
 * compensate finished steps again.
 */
public final class JournalExport {
    /** One record: its type, step (or null), time and unsealed canonical JSON. */
    public record Record(String type, String step, long time, byte[] json) {
    }

    /**
     * One saga.
     *
     * @param sharedState the state column PostgresSagaLog keeps: running, compensating or ended
     * @param began       epoch milliseconds of its begin record
     * @param ended       epoch milliseconds of its end record, or -1
     */
    public record Saga(String id, String name, String sharedState, long began, long ended, List<Record> records) {
        public boolean unfinished() {
            return !sharedState.equals("ended");
        }
    }

    /**
     * What the journal holds.
     *
     * @param highestNumber the highest saga number the journal mentions (archived sagas included): the
     *                      shared journal must never give such an id out again
     * @param note          what the reader saw and the import should say, or null
     */
    public record Export(List<Saga> sagas, long highestNumber, String note) {
        public long unfinished() {
            return sagas.stream().filter(Saga::unfinished).count();
        }
    }

    private JournalExport() {
    }

    /**
     * Reads the journal of {@code dataDir}, authenticating it with the key in {@code keysDir}.
     *
     * @return null if the directory has no saga journal
     * @throws IOException naming the file and record when the journal cannot be exported whole
     */
    public static Export read(Path dataDir, Path keysDir) throws IOException {
        Path dir = SagaJournal.directory(dataDir);
        if (!Files.isDirectory(dir)) {
            return null;
        }
        SagaHistory history;
        RecordLog archive = null;
        String note = null;
        try (RecordLog live = SagaJournal.openReadOnly(dataDir)) {
            if (live.size() == 0) {
                return null;
            }
            archive = openArchive(dir, live);
            if (live.firstIndex() > 0 && archive == null) {
                note = "records 0-" + (live.firstIndex() - 1) + " of the journal were taken out by compaction"
                        + " (saga.archive: delete): sagas that finished before them are not imported";
            }
            if (live.openReport().tornTail()) {
                note = (note == null ? "" : note + "; ") + "the journal ends in a torn tail (" + live.openReport().message()
                        + "), an append a crash interrupted: it is not imported";
            }
            JournalSeal seal = JournalSeal.load(keysDir).orElse(null);
            try {
                history = SagaHistory.replayWithArchive(archive, live, seal, true, true);
            } catch (org.agenthypervisor.core.store.CorruptLogException corrupt) {
                throw corrupt;
            } catch (IOException unfit) {
                // records that do not fit the journal (a second end, a saga never begun, ...), or unreadable
                throw new IOException("the saga journal in " + dir + " cannot be imported: " + unfit.getMessage(), unfit);
            }
            refuseUnauthenticated(history, seal, keysDir, live, archive);
            refuseLostEnds(dataDir, live, history);
        } catch (org.agenthypervisor.core.store.CorruptLogException corrupt) {
            throw new IOException("the saga journal in " + dir + " is damaged, so it is not imported: "
                    + corrupt.getMessage(), corrupt);
        } finally {
            if (archive != null) {
                archive.close();
            }
        }
        List<Saga> sagas = new ArrayList<>();
        for (SagaHistory.SagaView view : history.sagas()) {
            sagas.add(export(view));
        }
        return new Export(sagas, history.highestNumber(), note);
    }

    private static RecordLog openArchive(Path dir, RecordLog live) throws IOException {
        Path archiveDir = JournalCompaction.archiveDir(dir);
        if (live.firstIndex() == 0 || !Files.isDirectory(archiveDir)) {
            return null;
        }
        return RecordLog.open(archiveDir, SagaJournal.NAME, RecordLog.Options.defaults().withReadOnly(true));
    }

    /** Every record must verify: the shared store cannot authenticate them later, and recovery trusts them. */
    private static void refuseUnauthenticated(SagaHistory history, JournalSeal seal, Path keysDir, RecordLog live,
                                              RecordLog archive) throws IOException {
        List<SagaHistory.Unauthenticated> bad = history.unauthenticated();
        if (bad.isEmpty()) {
            return;
        }
        SagaHistory.Unauthenticated first = bad.get(0);
        RecordLog holder = archive != null && first.index() < live.firstIndex() ? archive : live;
        throw new IOException("the saga journal does not authenticate, so it is not imported: record " + first
                + " (in " + segmentOf(holder, first.index()) + ")" + (bad.size() > 1 ? " and " + (bad.size() - 1)
                + " more record(s)" : "") + (seal == null ? "; the hypervisor's key is not in " + keysDir
                + " (--keys-dir names another)" : "") + ". Inspect it with `saga list --data-dir`; accept it as it is with"
                + " `saga seal --accept` only if you trust it, then import");
    }

    /** The segment file that holds a record (the one whose first index is the highest not above it). */
    private static Path segmentOf(RecordLog log, long index) {
        long start = log.firstIndex();
        for (long s : log.segmentStarts()) {
            if (s <= index) {
                start = s;
            }
        }
        return log.dir().resolve(String.format("%s-%020d.seg", log.name(), start));
    }

    /**
     * A torn tail, or a missing high-water mark, may have taken a saga's end with it: then the saga looks
     * unfinished and a live JVM would compensate it again. The audit log records every end after the
     * journal does, as the file engine checks at start.
     */
    private static void refuseLostEnds(Path dataDir, RecordLog live, SagaHistory history) throws IOException {
        boolean tailUnsure = live.openReport().tornTail()
                || !Files.exists(live.dir().resolve(SagaJournal.NAME + ".hwm"));
        if (!tailUnsure || history.unfinished().isEmpty()) {
            return;
        }
        Set<String> unfinished = new LinkedHashSet<>();
        for (SagaHistory.SagaView saga : history.unfinished()) {
            unfinished.add(saga.id());
        }
        Map<String, Long> proven = org.agenthypervisor.core.audit.AuditEvidence.sagaEnds(dataDir, unfinished);
        if (!proven.isEmpty()) {
            throw new IOException("the saga journal in " + live.dir() + " lost records at its tail ("
                    + live.openReport().message() + "): it shows saga(s) " + proven.keySet() + " unfinished, but the"
                    + " audit log recorded their end (audit record(s) " + proven.values() + "); imported, they would be"
                    + " compensated again, so the journal is not imported. Start the application on the directory"
                    + " once (it holds those sagas and cuts the tail), settle them by hand, then import");
        }
    }

    private static Saga export(SagaHistory.SagaView view) {
        List<Record> records = new ArrayList<>();
        String state = "running";
        for (Map<String, Object> r : view.records()) {
            Map<String, Object> record = new LinkedHashMap<>(r);
            record.remove("index"); // added by the replay; carried records hold it too, never a journal member
            String type = (String) record.get("type");
            Object step = record.get("step");
            long time = record.get("time") instanceof Number n ? n.longValue() : 0;
            records.add(new Record(type, step instanceof String s ? s : null, time, CanonicalJson.write(record)));
            // As PostgresSagaLog sets it while it writes; nothing reopens an ended saga.
            if (!state.equals("ended")) {
                state = switch (type) {
                    case JournalRecords.END -> "ended";
                    case JournalRecords.ROLLBACK, JournalRecords.RECOVERY, JournalRecords.COMPENSATING -> "compensating";
                    default -> state;
                };
            }
        }
        return new Saga(view.id(), view.name(), state, view.began(), view.ended(), List.copyOf(records));
    }
}
