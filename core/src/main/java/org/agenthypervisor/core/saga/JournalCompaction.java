package org.agenthypervisor.core.saga;

import org.agenthypervisor.core.saga.SagaHistory.Checkpoint;
import org.agenthypervisor.core.saga.SagaHistory.SagaView;
import org.agenthypervisor.core.store.RecordLog;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Compaction of the saga journal: finished sagas leave the live journal once they are older than
 * {@code saga.retention}, so that opening reads what is unfinished and recent, not the whole history.
 *
 * <h2>Carry forward</h2>
 * A run holds the journal ({@link SagaJournal#exclusive}), starts a new segment and writes there a
 * {@value JournalRecords#CHECKPOINT} record followed by one {@value JournalRecords#CARRY} per unfinished
 * saga, holding all its records so far (each with its original index, which orders its steps). From
 * then on nothing before the checkpoint is needed by a saga that was unfinished: the checkpoint is a
 * possible cut point. It becomes the cut once every saga that ended before it ended longer than the
 * retention ago (the checkpoint remembers the latest end before it). The run then forces the journal
 * and takes every segment before the cut out of the live log ({@link RecordLog#archiveBefore}): into
 * {@code saga/archive} ({@code saga.archive: keep}, the default: the history stays readable) or
 * deleted ({@code delete}). A run writes a new checkpoint only once enough records followed the last
 * one ({@code -Dagenthypervisor.saga.compactionMinRecords}, default {@value #DEFAULT_MIN_RECORDS}), or
 * when an older checkpoint became the cut (the new one names it); otherwise it only archives.
 *
 * <h2>Authentication across the cut</h2>
 * The live part's first record is then a checkpoint; its MAC binds its index and the tag of the
 * archived record before it, which it names ({@code previous}), so the chain verifies from there
 * without the archive. The replay refuses a live part that starts anywhere but at a whole checkpoint
 * (segments removed and {@code journal.start} written by hand), or later than the cut the last
 * checkpoint names ({@code cut}: removing segments the hypervisor kept is seen too). Checkpoints also
 * carry the highest saga number so far, so ids are never reused after their sagas were archived.
 *
 * <h2>Crashes</h2>
 * A crash before the checkpoint's carries are all written leaves an incomplete checkpoint, never a
 * cut point (the next run writes a new one); after them and before the archive, the next run cuts;
 * inside {@link RecordLog#archiveBefore}, the log's start file decides (see there). Compaction never
 * carries a saga whose records fail authentication: it does nothing while any record does.
 */
public final class JournalCompaction {
    /** The archive's directory under the journal's. */
    public static final String ARCHIVE = "archive";
    /** Default of {@code -Dagenthypervisor.saga.compactionMinRecords}: records between checkpoints. */
    public static final long DEFAULT_MIN_RECORDS = 10_000;

    /**
     * What a run did.
     *
     * @param checkpoint  the index of the checkpoint written, or -1 if none
     * @param carried     unfinished sagas carried into it
     * @param firstBefore the live part's first record before the run
     * @param firstAfter  and after it
     * @param skipped     why the run did nothing, or null
     */
    /** Why a run on an empty journal did nothing: not worth a warning. */
    static final String EMPTY = "the journal is empty";

    public record Result(long checkpoint, int carried, long firstBefore, long firstAfter, String skipped) {
        public long archivedRecords() {
            return firstAfter - firstBefore;
        }

        @Override
        public String toString() {
            if (skipped != null) {
                return "compaction skipped: " + skipped;
            }
            return (checkpoint < 0 ? "no new checkpoint" : "checkpoint at record " + checkpoint + " carrying " + carried
                    + " unfinished saga(s)") + "; the live journal starts at record " + firstAfter
                    + (firstAfter > firstBefore ? " (" + archivedRecords() + " record(s) taken out)" : "");
        }
    }

    private JournalCompaction() {
    }

    /** Records between checkpoints, from {@code -Dagenthypervisor.saga.compactionMinRecords}. */
    static long minRecordsFromProperty() {
        String value = System.getProperty("agenthypervisor.saga.compactionMinRecords");
        if (value != null && !value.isBlank()) {
            try {
                long n = Long.parseLong(value.trim());
                if (n >= 1) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // the default
            }
            SagaJournal.warn("-Dagenthypervisor.saga.compactionMinRecords=" + value + " is not a number >= 1; using "
                    + DEFAULT_MIN_RECORDS);
        }
        return DEFAULT_MIN_RECORDS;
    }

    /** The archive directory of a journal directory. */
    public static Path archiveDir(Path journalDir) {
        return journalDir.resolve(ARCHIVE);
    }

    /**
     * Runs compaction once. Appends wait while the checkpoint is written (the replay of the live part
     * runs before, without blocking them).
     *
     * @param history         the journal replayed with records kept ({@code keepRecords}), to read on from;
     *                        or null to replay the live part now
     * @param now             epoch milliseconds
     * @param retentionMillis how long a finished saga stays live
     * @param keepArchive     keep taken-out segments in {@code saga/archive}, or delete them
     * @param minRecords      write a new checkpoint only once this many records followed the last one
     *                        (each checkpoint starts a segment and repeats the unfinished sagas)
     */
    static Result compact(SagaJournal journal, SagaHistory history, long now, long retentionMillis, boolean keepArchive,
                          long minRecords) throws IOException {
        RecordLog log = journal.recordLog();
        long firstBefore = log.firstIndex();
        Result written = checkpoint(journal, history, now, retentionMillis, minRecords);
        if (written.skipped() != null) {
            return written;
        }
        log.sync(); // the checkpoint and its carries are on the device before anything they replace goes
        long firstAfter = firstBefore;
        if (written.firstAfter() > log.firstIndex()) {
            firstAfter = log.archiveBefore(written.firstAfter(), keepArchive ? archiveDir(log.dir()) : null);
        }
        return new Result(written.checkpoint(), written.carried(), firstBefore, firstAfter, null);
    }

    /**
     * The first half of a run: writes the checkpoint and its carries if one is due, and decides the cut
     * (returned as {@code firstAfter}); archives nothing. Separate so tests can stop a run between them.
     */
    static Result checkpoint(SagaJournal journal, SagaHistory history, long now, long retentionMillis, long minRecords)
            throws IOException {
        RecordLog log = journal.recordLog();
        long firstBefore = log.firstIndex();
        SagaHistory h = history != null ? history : SagaHistory.replay(log, journal.seal(), false, true);
        long threshold = now - retentionMillis;
        long[] decided = journal.exclusive(new CheckpointWriter(h, log, now, threshold, minRecords));
        if (decided == null) {
            return new Result(-1, 0, firstBefore, firstBefore, "records of the journal fail authentication (saga list"
                    + " shows them); nothing is carried or archived until an operator settles them");
        }
        if (decided[0] == -3) {
            return new Result(-1, 0, firstBefore, firstBefore, EMPTY);
        }
        if (decided[0] == -2) {
            return new Result(-1, 0, firstBefore, firstBefore, "an unfinished saga's records do not fit in one record of"
                    + " the journal");
        }
        return new Result(decided[0], (int) decided[1], firstBefore, decided[2], null);
    }

    /**
     * The part of {@link #checkpoint} that runs while it holds the journal. A class, not a lambda: each
     * lambda costs ~0.5 ms to link at start-up (issue 11), and the journal is compacted at open.
     */
    private static final class CheckpointWriter implements SagaJournal.Exclusive<long[]> {
        private final SagaHistory h;
        private final RecordLog log;
        private final long now;
        private final long threshold;
        private final long minRecords;

        CheckpointWriter(SagaHistory h, RecordLog log, long now, long threshold, long minRecords) {
            this.h = h;
            this.log = log;
            this.now = now;
            this.threshold = threshold;
            this.minRecords = minRecords;
        }

        @Override
        public long[] run(SagaJournal.Writer w) throws IOException {
            h.readFrom(log); // what was appended since the replay (in none mode, what the writer had queued)
            if (log.size() == log.firstIndex()) {
                return new long[] {-3, 0, log.firstIndex()};
            }
            if (!h.unauthenticated().isEmpty()) {
                return null;
            }
            long first = log.firstIndex();
            List<Checkpoint> checkpoints = h.checkpoints();
            Checkpoint last = checkpoints.isEmpty() ? null : checkpoints.get(checkpoints.size() - 1);
            long since = last == null ? first : last.complete() ? last.index + 1 + last.carries : last.index;
            boolean appended = log.size() - since >= Math.max(1, minRecords);
            long cut = first;
            for (Checkpoint c : checkpoints) {
                if (c.complete() && c.index >= first && c.latestEndBefore <= threshold) {
                    cut = Math.max(cut, c.index);
                }
            }
            if (!appended && cut <= Math.max(first, h.latestCut())) {
                return new long[] {-1, 0, cut};
            }
            // A new checkpoint: a future cut point, and the record that names this run's cut.
            List<byte[]> carries = new ArrayList<>();
            int limit = log.options().maxRecordSize() - JournalSeal.HEADER_SIZE;
            for (SagaView saga : h.unfinished()) {
                byte[] carry = JournalRecords.carry(saga.id(), now, saga.records());
                if (carry.length > limit) {
                    return new long[] {-2, carries.size(), first};
                }
                carries.add(carry);
            }
            w.roll();
            long k = w.next();
            if (h.latestEnd() <= threshold) {
                cut = k;
            }
            w.append(JournalRecords.checkpoint(now, k, w.previousTag(), h.highestNumber(), carries.size(), cut));
            for (byte[] carry : carries) {
                w.append(carry);
            }
            h.readFrom(log);
            return new long[] {k, carries.size(), cut};
        }
    }
}
