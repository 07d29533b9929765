package org.agenthypervisor.core.store;

import java.io.Closeable;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * An append-only log of opaque byte records, kept in segment files in one directory; the base of the
 * saga journal, the trust ledger and the audit log. Thread-safe.
 *
 * <h2>Files</h2>
 * A log called {@code name} owns, in its directory:
 * <ul>
 *   <li>{@code name-NNNNNNNNNNNNNNNNNNNN.seg}: a segment; the 20 zero-padded digits are the index of its
 *       first record, so names sort in log order and a missing file shows up as a gap;</li>
 *   <li>{@code name.lock}: empty; a read-write open holds a {@link FileLock} on it;</li>
 *   <li>{@code name-NNNNNNNNNNNNNNNNNNNN.seg.tmp}: transient, while a segment is being created;</li>
 *   <li>{@code name.hwm}: only with {@link Options#highWaterMark()}, the number of records known to be
 *       forced; an open that finds fewer records fails (see {@link HighWaterMark}).</li>
 *   <li>{@code name.start}: only once leading segments were archived ({@link #archiveBefore}), the index
 *       of the first live record (see {@link LogStart}); without it the first segment must start at 0.</li>
 * </ul>
 * Several logs may share a directory under different names.
 *
 * <h2>Format</h2>
 * All integers big-endian. A segment starts with a 24-byte header:
 * <pre>
 *   0  4  magic "AHRL" (0x4148524C)
 *   4  2  format version, 1
 *   6  2  flags, 0
 *   8  8  index of the segment's first record (equal to the number in its file name)
 *  16  4  max record size of this segment (the limit in force when it was created)
 *  20  4  CRC32C of bytes 0..19
 * </pre>
 * then frames, back to back, up to the end of the file:
 * <pre>
 *   0  4  payload length n (0 &lt;= n &lt;= the segment's max record size)
 *   4  4  CRC32C of bytes 0..3: the length's own check
 *   8  4  CRC32C of bytes 0..3 followed by the payload
 *  12  n  payload
 * </pre>
 * The length has its own check so that a damaged length can never pass for a write that stopped
 * short: without it, a flipped bit that made a length point past the end of the file would look like
 * a torn tail and cost every record after it.
 *
 * <p>A new segment is written complete (header to a temp file, force, atomic rename, force of the
 * directory), so a segment file never has a partial header. Before a new segment is created the
 * current one is forced, whatever the durability mode, so every segment but the last is complete on
 * the device. A segment is rolled before an append that would take it past the segment size, unless it
 * holds no record yet (a single record larger than the segment size gets a segment of its own).
 *
 * <h2>Torn tail versus corruption</h2>
 * Opening reads and checks every header and frame. Only the <em>last</em> segment may end badly, and
 * only in one of these ways, all of which an interrupted append can leave; that is a <b>torn tail</b>:
 * <ol>
 *   <li>fewer than 12 bytes after the last good frame (a partial frame header);</li>
 *   <li>a frame whose length passes its check but runs past the end of the file (a partial payload);</li>
 *   <li>a frame whose length fails its check, after whose 12-byte header the file holds nothing or
 *       only zero bytes (its real extent is unknown, so nothing after the header may be non-zero;
 *       file systems may expose zero-filled blocks after a crash, and zeros never form a valid frame
 *       header, because the check of a zero length is not zero).</li>
 * </ol>
 * A frame that is complete by its checked length but whose CRC fails is <em>not</em> a tear, even as
 * the very last frame: every byte the length promises is there, so nothing tells it from a forced
 * record that was damaged since, and cutting it would silently undo a record that may have been acted
 * on (a slash in the trust ledger, the end of a saga). It fails the open; see {@code docs/storage.md}
 * for the one crash that can leave it (unforced data only) and what the operator does then.
 * In read-write mode the tail is cut at the start of the bad frame (truncate, then force) and
 * reported through {@link #openReport()}; in read-only mode the report says what would be cut and
 * nothing changes. Everything else is <b>corruption</b> and fails the open with a
 * {@link CorruptLogException} naming the file, byte offset and record index, having modified nothing:
 * a complete frame whose CRC fails, a bad frame header with non-zero bytes after it (even if the
 * write cache reordered unforced writes, the records after it are real and must not be dropped
 * silently), a checked length above the segment's
 * limit, any bad or partial frame or trailing bytes in a segment that is not the last, a bad or short
 * header, a header whose first index disagrees with its file name, and a gap or overlap between
 * segments (including a first segment that does not start at 0, or at the index in {@code name.start}).
 *
 * <h2>Archiving and long logs</h2>
 * {@link #archiveBefore} takes whole sealed segments out of the front of the live log (into an archive
 * directory, or deleted) and records the new first index in {@code name.start}; the owners of the log
 * decide when, and prove what the cut removed (a snapshot, a signed checkpoint). With
 * {@link Options#lazySealedSegments()} an open checks only the headers of sealed segments (their record
 * counts follow from their successors' names) and the frames of the last one; a sealed segment's
 * frames are checked, and its sparse index built, when a read first goes through it, and a damaged one
 * fails that read with a {@link CorruptLogException}. So opening costs the same whatever the history.
 *
 * <h2>Durability and failure</h2>
 * {@link #append} hands the frame to the OS; {@link #appendDurable} then waits according to
 * {@link Durability}; {@link #sync()} forces everything written; {@link #close()} forces before closing.
 * Forces are {@code fsync} on the segment's descriptor. Any IO error on write or force marks the log
 * failed: every later append and sync throws, and the log must be closed and reopened (which cuts any
 * torn tail). A force is never retried: after a failed fsync, Linux may have dropped the dirty pages
 * and a second fsync can report success for data that is gone ("fsyncgate", PostgreSQL 2018).
 *
 * <h2>Interrupts</h2>
 * An interrupt closes a {@link FileChannel} that its thread is using, which would break the log for
 * every thread. So records are written and forced through a {@link RandomAccessFile} and read through
 * {@link java.io.FileInputStream}, neither of which is interruptible, and waits for a force ignore
 * interrupts (leaving them pending). The remaining interruptible calls, taking the lock at open and
 * forcing the directory when a segment is created, run with the caller's interrupt flag cleared and
 * restored after (see {@link AtomicFiles#fsyncDirectory}); an interrupt that arrives during one of them
 * still fails it.
 *
 * <h2>Concurrency</h2>
 * Appends are serialised by a write lock, held only for the write syscall (never for a force), so
 * appenders keep writing while a force runs. One thread at a time holds the force token (to force,
 * roll or close). In {@link Durability#BATCH} that is leader/follower group commit with no timer: a
 * thread that finds no force running forces everything written so far; the others wait for it to
 * finish, then all of them wake at once, those it covered return, and one of the rest leads the next
 * force. Readers take a snapshot of the record count and read the files with their own descriptors.
 */
public final class RecordLog implements AppendLog {

    /**
     * How to open a log.
     *
     * @param durability    what {@link #appendDurable} waits for (default {@link Durability#BATCH})
     * @param segmentSize   roll to a new segment before an append would take the current one past this
     *                      many bytes (default 64 MiB, at least 64)
     * @param maxRecordSize largest record {@link #append} accepts (default 16 MiB, at most 1 GiB)
     * @param readOnly      open without locking or modifying anything (default false)
     * @param highWaterMark keep {@code name.hwm}, the number of records known to be forced, and refuse
     *                      to open a log that holds fewer (default false; see {@link HighWaterMark})
     * @param lazySealedSegments open checks only the header of every segment but the last, and a
     *                      segment's frames are checked when a read first goes through it (default
     *                      false: open checks every frame); for logs too long to scan at each start
     */
    public record Options(Durability durability, long segmentSize, int maxRecordSize, boolean readOnly,
                          boolean highWaterMark, boolean lazySealedSegments) {

        public static final long DEFAULT_SEGMENT_SIZE = 64L << 20;
        public static final int DEFAULT_MAX_RECORD_SIZE = 16 << 20;
        public static final long MIN_SEGMENT_SIZE = 64;

        public Options {
            Objects.requireNonNull(durability, "durability");
            if (segmentSize < MIN_SEGMENT_SIZE) {
                throw new IllegalArgumentException("segmentSize " + segmentSize + " < " + MIN_SEGMENT_SIZE);
            }
            if (maxRecordSize < 0 || maxRecordSize > SegmentFormat.MAX_RECORD_CEILING) {
                throw new IllegalArgumentException("maxRecordSize " + maxRecordSize + " not in [0, "
                        + SegmentFormat.MAX_RECORD_CEILING + "]");
            }
        }

        /** BATCH, 64 MiB segments, 16 MiB records, read-write. */
        public static Options defaults() {
            return new Options(Durability.BATCH, DEFAULT_SEGMENT_SIZE, DEFAULT_MAX_RECORD_SIZE, false, false, false);
        }

        public Options withDurability(Durability d) {
            return new Options(d, segmentSize, maxRecordSize, readOnly, highWaterMark, lazySealedSegments);
        }

        public Options withSegmentSize(long bytes) {
            return new Options(durability, bytes, maxRecordSize, readOnly, highWaterMark, lazySealedSegments);
        }

        public Options withMaxRecordSize(int bytes) {
            return new Options(durability, segmentSize, bytes, readOnly, highWaterMark, lazySealedSegments);
        }

        public Options withReadOnly(boolean ro) {
            return new Options(durability, segmentSize, maxRecordSize, ro, highWaterMark, lazySealedSegments);
        }

        /** For logs whose records are acted on: a cut at a frame boundary or a lost segment fails the open. */
        public Options withHighWaterMark(boolean keep) {
            return new Options(durability, segmentSize, maxRecordSize, readOnly, keep, lazySealedSegments);
        }

        /** For logs too long to check whole at every open (the audit log); see the class comment. */
        public Options withLazySealedSegments(boolean lazy) {
            return new Options(durability, segmentSize, maxRecordSize, readOnly, highWaterMark, lazy);
        }
    }

    /** Test hook: called before each write and each force of record data; may throw to simulate the device failing. */
    @FunctionalInterface
    interface FaultHook {
        FaultHook NONE = new NoFaults();

        void at(String point) throws IOException;
    }

    /** {@link FaultHook#NONE}. A class, not a lambda: each lambda costs ~0.5 ms to link at start-up (issue 11). */
    private static final class NoFaults implements FaultHook {
        @Override
        public void at(String point) {
        }
    }

    /** Frames up to this size go out in one write from {@link #scratch}; larger ones in two. */
    private static final int SCRATCH_SIZE = 8192;
    private static final int CURSOR_BUFFER = 1 << 16;
    private static final int GET_BUFFER = 8192;
    /** Frames {@link #appendAll} gathers into one write call. */
    private static final int BATCH_BUFFER = 1 << 20;
    /** The batch buffer's first size: a short-lived JVM writes a few records, and a megabyte of heap touched at start is RSS. */
    private static final int FIRST_BATCH_BUFFER = 16 << 10;

    private final Path dir;
    private final String name;
    private final Options options;
    private final String label;
    private final OpenReport report;
    private final FileChannel lockChannel; // null when read-only
    /** Null unless {@link Options#highWaterMark()}; written only by the holder of the force token. */
    private HighWaterMark mark;

    /** Serialises appends and guards the writer state below. */
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Guards {@link #forcing}; {@link #forceDone} is signalled whenever the token is given back. */
    private final ReentrantLock forceLock = new ReentrantLock();
    private final Condition forceDone = forceLock.newCondition();
    /**
     * The force token: whoever holds it may force, roll or close {@link #file}, so a force never meets
     * a closed file. Held outside {@link #forceLock}, so waiting followers are not queued behind the
     * force itself (a plain lock around the force makes covered followers wait for the next force too).
     */
    private boolean forcing;

    // Writer state: guarded by writeLock; current and file are only replaced by a holder of the force token.
    private Segment current;
    private RandomAccessFile file;
    private long currentSize;
    private long currentCount;
    private final byte[] scratch = new byte[SCRATCH_SIZE];
    /** Allocated by the first {@link #appendAll}; guarded by writeLock. */
    private byte[] batchBuffer;
    private final CRC32C crc = new CRC32C();
    /**
     * The identity (device and inode) of the current segment file when it was opened, or null where the
     * file system has none: a force checks the path still leads to it, so a data directory removed or
     * replaced while the log is open fails the log instead of writing on into an unlinked file.
     */
    private Object currentKey;

    /** Every segment, oldest first; replaced (never mutated) on roll. */
    private volatile Segment[] segments;
    /** Records written to the OS; published after the frame is written and its offset noted. */
    private volatile long written;
    /** Index of the first live record: 0 unless leading segments were archived ({@link #archiveBefore}). */
    private volatile long firstIndex;
    /** Serialises {@link #archiveBefore} calls. */
    private final Object archiving = new Object();
    /** Records known to be on the device; advanced under forceLock only after a successful force or roll. */
    private volatile long durable;
    private final AtomicReference<IOException> failure = new AtomicReference<>();
    private volatile boolean closed;

    volatile FaultHook faultHook = FaultHook.NONE;

    private RecordLog(Path dir, String name, Options options, FileChannel lockChannel) throws IOException {
        this.dir = dir;
        this.name = name;
        this.options = options;
        this.label = dir.resolve(name).toString();
        this.lockChannel = lockChannel;
        this.report = recover();
    }

    /**
     * Opens (read-write: creating if missing) the log {@code name} in {@code dir}, validating every
     * record and cutting a torn tail; see the class comment for the rules.
     *
     * @throws CorruptLogException if the files hold damage a crash cannot explain; nothing was modified
     * @throws IOException         if another read-write open holds the log, a read-only open finds no
     *                             directory, or the files cannot be read or written
     */
    public static RecordLog open(Path dir, String name, Options options) throws IOException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(options, "options");
        if (!SegmentFormat.isValidName(name)) {
            throw new IllegalArgumentException("bad record log name '" + name + "': use 1-100 of [A-Za-z0-9._-], starting with a letter or digit");
        }
        if (options.readOnly()) {
            if (!Files.isDirectory(dir)) {
                throw new NoSuchFileException(dir.toString(), null, "no record log directory");
            }
            return new RecordLog(dir, name, options, null);
        }
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Path parent = dir.toAbsolutePath().getParent();
            if (parent != null) {
                AtomicFiles.fsyncDirectory(parent);
            }
        }
        FileChannel lockChannel = lock(dir, name);
        try {
            return new RecordLog(dir, name, options, lockChannel);
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(lockChannel);
            throw e;
        }
    }

    private static FileChannel lock(Path dir, String name) throws IOException {
        Path lockFile = dir.resolve(name + SegmentFormat.LOCK_SUFFIX);
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        // tryLock runs on an interruptible channel: a pending interrupt would close it and fail the open.
        boolean interrupted = Thread.interrupted();
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            closeQuietly(ch);
            throw new IOException("record log " + dir.resolve(name) + " is already open read-write in this JVM (lock on "
                    + lockFile + "); close it first, or open read-only");
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            throw e;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (lock == null) {
            closeQuietly(ch);
            throw new IOException("record log " + dir.resolve(name) + " is already open read-write by another process (lock on "
                    + lockFile + "); stop it first, or open read-only");
        }
        return ch; // closing the channel releases the lock
    }

    /** Paths in the order of their file names. */
    private static final class ByFileName implements Comparator<Path> {
        static final ByFileName INSTANCE = new ByFileName();

        @Override
        public int compare(Path a, Path b) {
            return a.getFileName().toString().compareTo(b.getFileName().toString());
        }
    }

    /** Scans everything; only after all of it checks out does a read-write open change a file. */
    private OpenReport recover() throws IOException {
        // Read before listing the segments: a writer only ever raises the mark past records already
        // in the files, so a read-only open racing a writer cannot see more marked than present.
        HighWaterMark found = options.highWaterMark() ? HighWaterMark.read(dir, name) : null;
        long start = LogStart.read(dir, name);
        List<Path> segFiles = new ArrayList<>();
        List<Path> temps = new ArrayList<>();
        // A plain listing and a comparator class rather than a stream and lambdas: every log opens
        // here at every start, and the first use of each lambda costs more than the listing.
        for (String f : DirectoryListing.names(dir)) {
            if (SegmentFormat.isSegmentFile(name, f)) {
                segFiles.add(dir.resolve(f));
            } else if (SegmentFormat.isTempFile(name, f)) {
                temps.add(dir.resolve(f));
            }
        }
        // 20 zero-padded digits: name order is index order.
        segFiles.sort(ByFileName.INSTANCE);
        long[] firsts = new long[segFiles.size()];
        for (int i = 0; i < firsts.length; i++) {
            firsts[i] = SegmentFormat.segmentIndex(name, segFiles.get(i).getFileName().toString());
        }
        // Segments wholly below the start were archived; an archive stopped by a crash after writing
        // the start leaves them, and a read-write open finishes the job below.
        List<Path> archivedLeftovers = new ArrayList<>();
        int from = 0;
        while (from < firsts.length && firsts[from] >= 0 && firsts[from] < start) {
            if (from + 1 >= firsts.length || firsts[from + 1] > start) {
                throw new CorruptLogException(segFiles.get(from), 0, start, "the log's start file "
                        + LogStart.path(dir, name).getFileName() + " says the live log starts at record " + start
                        + " but no segment starts there (segment file removed?)");
            }
            archivedLeftovers.add(segFiles.get(from));
            from++;
        }
        if (start > 0 && from == firsts.length) {
            throw new CorruptLogException(LogStart.path(dir, name), 0, start, "the log's start file says the live log"
                    + " starts at record " + start + " but there is no segment from there on (segment files removed?)");
        }

        List<Segment> segs = new ArrayList<>();
        SegmentScanner.Scan last = null;
        long expected = start;
        for (int i = from; i < segFiles.size(); i++) {
            Path p = segFiles.get(i);
            long first = firsts[i];
            if (first != expected) {
                String why = first < 0 ? "file name index does not fit in a signed 64-bit number"
                        : first > expected ? "gap: records " + expected + ".." + (first - 1) + " are missing (segment file removed?)"
                        + (start == 0 && i == 0 ? "; the log has no start file " + LogStart.path(dir, name).getFileName()
                        + ", so it must start at record 0" : "")
                        : "overlap: starts at record " + first + " but the previous segment already ends at record " + (expected - 1);
                throw new CorruptLogException(p, 0, expected, why);
            }
            boolean isLast = i == segFiles.size() - 1;
            if (options.lazySealedSegments() && !isLast && firsts[i + 1] > first) {
                // Its successor's name says how many records it holds; the frames are checked on first read.
                segs.add(SegmentScanner.header(p, first, firsts[i + 1] - first));
                expected = firsts[i + 1];
                continue;
            }
            last = SegmentScanner.scan(p, first, isLast);
            segs.add(last.segment());
            expected = first + last.records();
        }
        long total = expected;
        if (found != null && total < found.records()) {
            // Forced records are never lost in a crash, and a tear is never a forced record: these were
            // removed (a cut at a frame boundary, a deleted segment), or damaged and taken for a tear.
            Path where = last != null ? last.segment().path : found.path();
            long offset = last != null ? last.validEnd() : 0;
            throw new CorruptLogException(where, offset, total, "the log ends at record " + total
                    + (last != null && last.tear() != null ? " (after a torn tail: " + last.tear() + ")" : "")
                    + " but its high-water mark " + found.path().getFileName() + " says " + found.records()
                    + " records were forced: records " + total + ".." + (found.records() - 1) + " are missing"
                    + " (segment file deleted, or the log cut at a frame boundary?). Restore them from a backup;"
                    + " only to accept losing them, remove " + found.path());
        }

        StringBuilder msg = new StringBuilder();
        long bytesCut = 0;
        Path cutFile = null;
        long cutOffset = -1;
        if (last != null && last.tear() != null) {
            bytesCut = last.fileSize() - last.validEnd();
            cutFile = last.segment().path;
            cutOffset = last.validEnd();
        }

        if (!options.readOnly()) {
            if (!temps.isEmpty()) {
                // A crash between creating a temp segment and renaming it; the rename never happened,
                // so the temp holds no record.
                for (Path t : temps) {
                    Files.deleteIfExists(t);
                }
                AtomicFiles.fsyncDirectory(dir);
            }
            for (Path leftover : archivedLeftovers) {
                Files.deleteIfExists(leftover);
            }
            if (!archivedLeftovers.isEmpty()) {
                AtomicFiles.fsyncDirectory(dir);
            }
            if (segs.isEmpty()) {
                segs.add(createSegment(0, false));
                currentSize = SegmentFormat.HEADER_SIZE;
            } else {
                currentSize = last.validEnd();
                currentCount = last.records();
            }
            current = segs.get(segs.size() - 1);
            file = new RandomAccessFile(current.path.toFile(), "rw");
            currentKey = fileKey(current.path);
            try {
                if (cutFile != null) {
                    file.setLength(currentSize);
                }
                // Also makes durable whatever a previous process wrote without forcing: callers act on
                // the recovered records, so they had better survive a power loss from here on. Not needed
                // when the high-water mark says every record there was forced and nothing was cut.
                if (cutFile != null || found == null || found.records() != total) {
                    file.getFD().sync();
                }
                file.seek(currentSize);
            } catch (IOException e) {
                closeQuietly(file);
                throw e;
            }
        }
        boolean markCreated = false;
        if (options.highWaterMark() && !options.readOnly()) {
            try {
                if (found == null) {
                    // A new log, or one written before marks existed: nothing to compare with yet.
                    found = HighWaterMark.create(dir, name, total);
                    markCreated = true;
                }
                found.openForWriting();
                found.advance(total); // the recovered records were forced above
                mark = found;
            } catch (IOException e) {
                closeQuietly(file);
                if (found != null) {
                    found.close(false);
                }
                throw e;
            }
        }
        segments = segs.toArray(new Segment[0]);
        firstIndex = start;
        written = total;
        durable = total;

        msg.append("opened ").append(options.readOnly() ? "read-only " : "").append(label).append(": ")
                .append(total).append(total == 1 ? " record in " : " records in ")
                .append(segs.size()).append(segs.size() == 1 ? " segment" : " segments");
        if (start > 0) {
            msg.append(", live from record ").append(start).append(" (earlier ones archived)");
        }
        if (!archivedLeftovers.isEmpty()) {
            msg.append(options.readOnly() ? "; " : "; removed ").append(archivedLeftovers.size())
                    .append(" segment file(s) below the start left by an interrupted archive")
                    .append(options.readOnly() ? " (a read-write open removes them)" : "");
        }
        if (cutFile != null) {
            msg.append(options.readOnly() ? "; a read-write open would cut a torn tail of " : "; cut a torn tail of ")
                    .append(bytesCut).append(bytesCut == 1 ? " byte" : " bytes")
                    .append(" at offset ").append(cutOffset).append(" of ").append(cutFile.getFileName())
                    .append(" (").append(last.tear()).append(")");
            if (options.readOnly()) {
                msg.append("; if a writer has the log open, this may be a record being written");
            }
        }
        if (markCreated && total > 0) {
            msg.append("; no high-water mark file was found (a log written before marks existed, or the file was"
                    + " removed), so missing records could not be checked; created one at ").append(total);
        } else if (options.highWaterMark() && options.readOnly() && found == null && total > 0) {
            msg.append("; no high-water mark file, so missing records could not be checked");
        }
        if (!temps.isEmpty()) {
            msg.append(options.readOnly() ? "; " + temps.size() + " leftover temp segment file(s) would be removed"
                    : "; removed " + temps.size() + " leftover temp segment file(s)");
        }
        return new OpenReport(total, segs.size(), bytesCut, cutFile, cutOffset,
                cutFile != null && !options.readOnly(), msg.toString(), markCreated && total > 0);
    }

    /**
     * Creates the segment that starts at {@code first}, complete and durable before it becomes visible.
     * {@code replace}: the file exists but holds no record (its header limit is too small).
     */
    private Segment createSegment(long first, boolean replace) throws IOException {
        Path target = SegmentFormat.segmentPath(dir, name, first);
        if (!replace && Files.exists(target)) {
            throw new FileAlreadyExistsException(target.toString(), null, "segment already exists");
        }
        Path tmp = dir.resolve(SegmentFormat.tempFileName(name, first));
        try (FileOutputStream out = new FileOutputStream(tmp.toFile())) {
            out.write(SegmentFormat.encodeHeader(first, options.maxRecordSize()));
            out.getFD().sync();
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE); // rename(2) replaces atomically
        AtomicFiles.fsyncDirectory(dir);
        return new Segment(target, first, options.maxRecordSize());
    }

    /**
     * Writes one record to the OS (not forced) and returns its index.
     *
     * @throws IllegalArgumentException if the record is larger than {@link Options#maxRecordSize()}
     * @throws IllegalStateException    if the log was opened read-only
     * @throws IOException              if the log is closed or failed, or this write fails (which fails the log)
     */
    public long append(byte[] record) throws IOException {
        int len = checkRecord(record);
        writeLock.lock();
        try {
            ensureWritable();
            return writeFrame(record, len);
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Writes several records to the OS (not forced), in order, with as few write calls as possible
     * (one per segment and per {@value #BATCH_BUFFER} bytes), and returns the index of the first. For
     * writers that queue records and write them in batches (the audit log): a write call per record
     * costs more than framing and hashing it. Readers see the records of each write call at once.
     *
     * @throws IllegalArgumentException if a record is larger than {@link Options#maxRecordSize()}
     *                                  (then nothing was written)
     * @throws IllegalStateException    if the log was opened read-only
     * @throws IOException              if the log is closed or failed, or a write fails (which fails the log;
     *                                  {@link #size()} then counts the records that reached the file whole)
     */
    public long appendAll(java.util.List<byte[]> records) throws IOException {
        for (byte[] r : records) {
            checkRecord(r);
        }
        writeLock.lock();
        try {
            ensureWritable();
            long first = written;
            int i = 0;
            int n = records.size();
            while (i < n) {
                byte[] r = records.get(i);
                int frame = SegmentFormat.FRAME_HEADER_SIZE + r.length;
                if (r.length > current.maxRecordSize || (currentCount > 0 && currentSize + frame > options.segmentSize())) {
                    rollLocked();
                }
                if (frame > BATCH_BUFFER) {
                    writeFrame(r, r.length);
                    i++;
                    continue;
                }
                // Gather the frames that fit in this segment and the buffer, then write them at once.
                byte[] buf = batchBuffer(records, i);
                int len = 0;
                long size = currentSize;
                long count = currentCount;
                int end = i;
                while (end < n) {
                    byte[] q = records.get(end);
                    int f = SegmentFormat.FRAME_HEADER_SIZE + q.length;
                    if (len + f > buf.length || q.length > current.maxRecordSize
                            || (count > 0 && size + f > options.segmentSize())) {
                        break;
                    }
                    SegmentFormat.fillFrameHeader(crc, scratch, q, q.length);
                    System.arraycopy(scratch, 0, buf, len, SegmentFormat.FRAME_HEADER_SIZE);
                    System.arraycopy(q, 0, buf, len + SegmentFormat.FRAME_HEADER_SIZE, q.length);
                    len += f;
                    size += f;
                    count++;
                    end++;
                }
                try {
                    faultHook.at("write");
                    file.write(buf, 0, len);
                } catch (IOException e) {
                    IOException failed = fail(e); // see writeFrame: nothing may be appended after a partial frame
                    i = noteLanded(records, i, end);
                    throw failed;
                }
                int start = i;
                for (; i < end; i++) {
                    current.noteOffset(currentCount, currentSize);
                    currentCount++;
                    currentSize += SegmentFormat.FRAME_HEADER_SIZE + records.get(i).length;
                }
                written = written + (end - start); // publish: readers may now read these records
            }
            return first;
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * A write that fails part way (EFBIG at a file-size limit, ENOSPC) may have written whole frames
     * of the buffer first: they are in the file and a reopen keeps them, so they count as written and
     * the caller can tell which of its records were lost. Returns the index after the last of them.
     */
    private int noteLanded(java.util.List<byte[]> records, int from, int end) {
        long landed;
        try {
            landed = file.length() - currentSize;
        } catch (IOException unknown) {
            return from;
        }
        int i = from;
        while (i < end) {
            int f = SegmentFormat.FRAME_HEADER_SIZE + records.get(i).length;
            if (f > landed) {
                break;
            }
            current.noteOffset(currentCount, currentSize);
            currentCount++;
            currentSize += f;
            landed -= f;
            i++;
        }
        written = written + (i - from);
        return i;
    }

    /**
     * Appends and returns once the record is durable as the log's {@link Durability} says. If this
     * throws after the write, the record may or may not survive a crash; the log is then failed.
     */
    public long appendDurable(byte[] record) throws IOException {
        long index = append(record);
        switch (options.durability()) {
            case FSYNC -> force(index + 1, true);
            case BATCH -> force(index + 1, false);
            case NONE -> { }
        }
        return index;
    }

    /** Forces everything written so far, whatever the durability mode. */
    public void sync() throws IOException {
        force(Long.MAX_VALUE, true);
    }

    /**
     * The buffer for a batch starting at {@code records[from]}: the one kept from earlier batches,
     * grown (up to {@value #BATCH_BUFFER} bytes) when the pending frames would not fit in it.
     */
    private byte[] batchBuffer(List<byte[]> records, int from) {
        if (batchBuffer != null && batchBuffer.length == BATCH_BUFFER) {
            return batchBuffer;
        }
        long pending = 0;
        for (int j = from; j < records.size() && pending < BATCH_BUFFER; j++) {
            pending += SegmentFormat.FRAME_HEADER_SIZE + records.get(j).length;
        }
        byte[] buf = batchBuffer;
        if (buf == null || (buf.length < pending && buf.length < BATCH_BUFFER)) {
            int size = FIRST_BATCH_BUFFER;
            while (size < pending && size < BATCH_BUFFER) {
                size <<= 1;
            }
            buf = batchBuffer = new byte[size];
        }
        return buf;
    }

    /** Writer path; caller holds {@link #writeLock}. No allocation, no logging. */
    private long writeFrame(byte[] record, int len) throws IOException {
        int frame = SegmentFormat.FRAME_HEADER_SIZE + len;
        if (len > current.maxRecordSize || (currentCount > 0 && currentSize + frame > options.segmentSize())) {
            rollLocked();
        }
        byte[] b = scratch;
        SegmentFormat.fillFrameHeader(crc, b, record, len);
        try {
            faultHook.at("write");
            if (frame <= b.length) {
                System.arraycopy(record, 0, b, SegmentFormat.FRAME_HEADER_SIZE, len);
                file.write(b, 0, frame);
            } else {
                file.write(b, 0, SegmentFormat.FRAME_HEADER_SIZE);
                file.write(record, 0, len);
            }
        } catch (IOException e) {
            // Part of the frame may be in the file; appending after it would bury a bad frame under
            // good ones, which the next open would rightly call corruption.
            throw fail(e);
        }
        long index = written;
        current.noteOffset(currentCount, currentSize);
        currentCount++;
        currentSize += frame;
        written = index + 1; // publish: readers may now read this record
        return index;
    }

    /**
     * Seals the current segment (forces it) and starts a new one at {@link #size()}, unless the current
     * segment holds no record yet; so that a cut point ({@link #archiveBefore}) falls on a segment
     * boundary.
     */
    public void roll() throws IOException {
        writeLock.lock();
        try {
            ensureWritable();
            if (currentCount > 0) {
                rollLocked();
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** Starts a new segment at the next index; caller holds {@link #writeLock}. */
    private void rollLocked() throws IOException {
        long first = written;
        // An empty current segment is rewritten in place (with the current record limit) rather than
        // followed by a second segment with the same first index.
        boolean replace = currentCount == 0;
        takeToken(0, true);
        boolean ok = false;
        try {
            if (!replace) {
                // The old segment must be complete on the device before a newer one can exist:
                // that is what lets only the last segment be torn.
                faultHook.at("force");
                checkStillLinked();
                file.getFD().sync();
                if (mark != null) {
                    mark.advance(first);
                }
            }
            file.close();
            Segment seg = createSegment(first, replace);
            RandomAccessFile raf = new RandomAccessFile(seg.path.toFile(), "rw");
            raf.seek(SegmentFormat.HEADER_SIZE);
            file = raf;
            currentKey = fileKey(seg.path);
            current = seg;
            currentSize = SegmentFormat.HEADER_SIZE;
            currentCount = 0;
            Segment[] old = segments;
            Segment[] next = Arrays.copyOf(old, replace ? old.length : old.length + 1);
            next[next.length - 1] = seg;
            segments = next;
            ok = true;
        } catch (IOException e) {
            throw fail(e);
        } finally {
            giveBackToken(ok ? first : -1);
        }
    }

    /**
     * Makes the first {@code upTo} records durable. With {@code always} false (BATCH) this is
     * leader/follower group commit: a thread whose records a finished force covers returns at once; one
     * that finds no force running becomes the leader and forces everything written so far; the others
     * wait for the next force to end and check again. With {@code always} true (FSYNC, sync) the thread
     * waits its turn and issues its own force. Earlier segments were forced when they were rolled.
     */
    private void force(long upTo, boolean always) throws IOException {
        if (!always && durable >= upTo) {
            return;
        }
        if (!takeToken(upTo, always)) {
            return;
        }
        // The token keeps rolls out, so every record below target is in this file or an earlier,
        // already forced one.
        long target = written;
        boolean ok = false;
        try {
            faultHook.at("force");
            checkStillLinked();
            file.getFD().sync();
            if (mark != null) {
                mark.advance(target); // after the force: the mark never runs ahead of the records
            }
            ok = true;
        } catch (IOException e) {
            throw fail(e); // marks the log failed before the followers wake and look
        } finally {
            giveBackToken(ok ? target : -1);
        }
    }

    /**
     * Waits for the force token and takes it. Returns false, without the token, if {@code always} is
     * false and a force that finished meanwhile covers {@code upTo}. Waits uninterruptibly: an
     * interrupted appender still learns whether its record is durable (the interrupt stays pending).
     */
    private boolean takeToken(long upTo, boolean always) throws IOException {
        forceLock.lock();
        try {
            while (true) {
                if (!always && durable >= upTo) {
                    return false;
                }
                ensureWritable();
                if (!forcing) {
                    forcing = true;
                    return true;
                }
                forceDone.awaitUninterruptibly();
            }
        } finally {
            forceLock.unlock();
        }
    }

    /** Gives the token back, records {@code nowDurable} (if not -1) and wakes every waiter. */
    private void giveBackToken(long nowDurable) {
        forceLock.lock();
        try {
            if (nowDurable > durable) {
                durable = nowDurable;
            }
            forcing = false;
            forceDone.signalAll();
        } finally {
            forceLock.unlock();
        }
    }

    /**
     * Reads records from {@code fromIndex} up to the number of records in the log now. Safe while
     * other threads append; it does not see their later records.
     *
     * @throws IllegalArgumentException if {@code fromIndex} is negative
     * @throws IOException              if the log is closed
     */
    public LogCursor read(long fromIndex) throws IOException {
        if (fromIndex < 0) {
            throw new IllegalArgumentException("fromIndex " + fromIndex + " < 0");
        }
        ensureOpen();
        checkLive(fromIndex);
        long end = written; // volatile read first: the segments read next hold every record below end
        Segment[] segs = segments;
        return new LogCursor(segs, Math.min(fromIndex, end), end, CURSOR_BUFFER);
    }

    /** Calls {@code action} with every record from {@code fromIndex} on, as {@link #read} sees them. */
    public void forEach(long fromIndex, Consumer<? super LogRecord> action) throws IOException {
        try (LogCursor c = read(fromIndex)) {
            while (c.hasNext()) {
                action.accept(c.nextRecord());
            }
        }
    }

    /**
     * The payload of record {@code index}: one file open, a skip over at most 63 frames, one read.
     *
     * @throws IndexOutOfBoundsException if there is no such record
     */
    public byte[] get(long index) throws IOException {
        ensureOpen();
        long end = written;
        Segment[] segs = segments;
        if (index < 0 || index >= end) {
            throw new IndexOutOfBoundsException("record " + index + " not in [" + firstIndex + ", " + end + ")");
        }
        checkLive(index);
        try (LogCursor c = new LogCursor(segs, index, index + 1, GET_BUFFER)) {
            return c.nextRecord().payload();
        }
    }

    /** The number of records, which is also the index the next append gets. */
    public long size() {
        return written;
    }

    /** The log's directory and name, for messages. */
    @Override
    public String describe() {
        return dir() + " (" + name + ")";
    }

    /**
     * The index of the first record still in the live log: 0 unless leading segments were archived
     * ({@link #archiveBefore}). The live records are {@code [firstIndex(), size())}.
     */
    public long firstIndex() {
        return firstIndex;
    }

    /** The first index of each live segment, oldest first: the points where {@link #archiveBefore} can cut. */
    public long[] segmentStarts() {
        Segment[] segs = segments;
        long[] starts = new long[segs.length];
        for (int i = 0; i < segs.length; i++) {
            starts[i] = segs[i].firstIndex;
        }
        return starts;
    }

    private boolean holdsSegments(Path directory) throws IOException {
        for (String f : DirectoryListing.names(directory)) {
            if (SegmentFormat.isSegmentFile(name, f)) {
                return true;
            }
        }
        return false;
    }

    private void checkLive(long index) {
        long first = firstIndex;
        if (index < first) {
            throw new IndexOutOfBoundsException("record " + index + " of " + label + " was archived: the live log starts at record "
                    + first);
        }
    }

    /**
     * Takes out of the live log every whole segment whose records all lie below {@code index}, never
     * the current (last) segment, and returns the new {@link #firstIndex()}. With an
     * {@code archiveDir} each is first copied there under its own name and format (so that directory,
     * opened read-only as log {@link #name()}, reads the archived records) and forced; then the new
     * first index is written durably to {@code name.start}; then the live copies are deleted. With
     * {@code archiveDir} null they are only deleted. Each segment's frames are checked before it goes:
     * damage is reported here rather than carried into the archive.
     *
     * <p>A crash part way leaves either the old start (the copies in the archive are overwritten by the
     * next call) or the new one (the next read-write open deletes the leftovers). Appends and reads go
     * on meanwhile; a cursor created before the call may fail on a segment deleted under it.
     *
     * @throws IllegalStateException if the log was opened read-only
     * @throws IOException           if the log is closed or failed, a segment is damaged, or a copy,
     *                               write or delete fails (the live log then still holds every record)
     */
    public long archiveBefore(long index, Path archiveDir) throws IOException {
        synchronized (archiving) {
            ensureWritable();
            Segment[] segs = segments;
            int n = 0;
            // Only sealed segments: those with a successor, whose first index bounds their records.
            while (n + 1 < segs.length && segs[n + 1].firstIndex <= index) {
                n++;
            }
            if (n == 0) {
                return firstIndex;
            }
            long newFirst = segs[n].firstIndex;
            for (int i = 0; i < n; i++) {
                segs[i].ensureScanned();
            }
            if (archiveDir != null) {
                Files.createDirectories(archiveDir);
                if (segs[0].firstIndex > 0 && !holdsSegments(archiveDir) && LogStart.read(archiveDir, name) == 0) {
                    // A new archive of a log whose earlier records were deleted, not archived: say where it
                    // starts, so that it opens as a log of its own.
                    LogStart.write(archiveDir, name, segs[0].firstIndex);
                }
                for (int i = 0; i < n; i++) {
                    Path target = archiveDir.resolve(segs[i].path.getFileName());
                    Path tmp = archiveDir.resolve(segs[i].path.getFileName() + ".tmp");
                    Files.copy(segs[i].path, tmp, StandardCopyOption.REPLACE_EXISTING);
                    try (RandomAccessFile f = new RandomAccessFile(tmp.toFile(), "rw")) {
                        f.getFD().sync();
                    }
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                }
                AtomicFiles.fsyncDirectory(archiveDir);
            }
            LogStart.write(dir, name, newFirst);
            writeLock.lock();
            try {
                // Rolls publish new arrays under the write lock; drop the archived prefix of the latest.
                Segment[] now = segments;
                segments = Arrays.copyOfRange(now, n, now.length);
                firstIndex = newFirst;
            } finally {
                writeLock.unlock();
            }
            for (int i = 0; i < n; i++) {
                Files.deleteIfExists(segs[i].path);
            }
            AtomicFiles.fsyncDirectory(dir);
            return newFirst;
        }
    }

    /** What opening found and did. */
    public OpenReport openReport() {
        return report;
    }

    /** True once a write or force has failed; the log then refuses appends until reopened. */
    public boolean failed() {
        return failure.get() != null;
    }

    public Path dir() {
        return dir;
    }

    public String name() {
        return name;
    }

    public Options options() {
        return options;
    }

    /**
     * Forces what was written (unless the log has failed), closes the files and releases the lock.
     * Idempotent. Cursors already handed out keep working on their own descriptors.
     */
    @Override
    public void close() throws IOException {
        writeLock.lock();
        try {
            forceLock.lock();
            try {
                while (forcing) {
                    forceDone.awaitUninterruptibly();
                }
                if (closed) {
                    return;
                }
                closed = true; // waiters not covered by the last force now get "closed"
                forcing = true;
            } finally {
                forceLock.unlock();
            }
            long target = written;
            boolean synced = false;
            IOException err = null;
            try {
                if (file != null) {
                    if (failure.get() == null) {
                        try {
                            faultHook.at("force");
                            file.getFD().sync();
                            synced = true;
                            if (mark != null) {
                                mark.advance(target);
                            }
                        } catch (IOException e) {
                            err = fail(e);
                        }
                    }
                    if (mark != null) {
                        try {
                            mark.close(synced);
                        } catch (IOException e) {
                            err = err == null ? e : err;
                        }
                    }
                    try {
                        file.close();
                    } catch (IOException e) {
                        err = err == null ? e : err;
                    }
                }
                if (lockChannel != null) {
                    try {
                        lockChannel.close();
                    } catch (IOException e) {
                        err = err == null ? e : err;
                    }
                }
            } finally {
                giveBackToken(synced ? target : -1);
            }
            if (err != null) {
                throw err;
            }
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public String toString() {
        return "RecordLog[" + label + ", " + written + " records" + (failed() ? ", FAILED" : "") + (closed ? ", closed" : "") + "]";
    }

    private int checkRecord(byte[] record) {
        Objects.requireNonNull(record, "record");
        if (record.length > options.maxRecordSize()) {
            throw new IllegalArgumentException("record of " + record.length + " bytes exceeds maxRecordSize "
                    + options.maxRecordSize() + " of record log " + label);
        }
        return record.length;
    }

    /**
     * Fails unless the current segment's path still leads to the file this log writes: records written
     * to a file that was removed (the data directory deleted under a running JVM) or replaced would be
     * acknowledged and then never found again. One {@code stat} per force; {@link #checkFiles} for logs
     * that never force.
     */
    private void checkStillLinked() throws IOException {
        Object expected = currentKey;
        if (expected == null) {
            return;
        }
        Object now;
        try {
            now = fileKey(current.path);
        } catch (java.nio.file.NoSuchFileException gone) {
            now = "missing";
        }
        if (!expected.equals(now)) {
            throw new IOException("segment file " + current.path + " was " + ("missing".equals(now) ? "removed" : "replaced")
                    + " while the log was open (data directory deleted or moved?): records written from now on"
                    + " would be lost");
        }
    }

    /**
     * Checks that the log's files are still where it writes them (see {@link #checkStillLinked}); if not,
     * fails the log, so every later append throws. For callers that never force (durability {@code none})
     * and for a periodic check.
     *
     * @throws IOException if its current segment was removed or replaced (a closed or already failed log
     *                     is left alone)
     */
    public void checkFiles() throws IOException {
        if (options.readOnly() || closed || failure.get() != null) {
            return; // nothing to protect, or already failed and reported
        }
        if (!takeToken(0, true)) {
            return;
        }
        boolean ok = false;
        try {
            checkStillLinked();
            ok = true;
        } catch (IOException e) {
            throw fail(e);
        } finally {
            giveBackToken(ok ? durable : -1);
        }
    }

    private static Object fileKey(Path p) throws IOException {
        return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("record log " + label + " is closed");
        }
    }

    private void ensureWritable() throws IOException {
        if (options.readOnly()) {
            throw new IllegalStateException("record log " + label + " was opened read-only");
        }
        ensureOpen();
        IOException f = failure.get();
        if (f != null) {
            throw failedException(f);
        }
    }

    /** Marks the log failed (keeping the first cause) and returns the exception to throw. */
    private IOException fail(IOException cause) {
        failure.compareAndSet(null, cause);
        return failedException(cause);
    }

    private IOException failedException(IOException cause) {
        return new IOException("record log " + label + " failed and must be closed and reopened: a write or force"
                + " raised an error, and a force is never retried (after a failed fsync the kernel may have"
                + " dropped the data); first error: " + failure.get(), cause);
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // Already failing with a better exception.
        }
    }
}
