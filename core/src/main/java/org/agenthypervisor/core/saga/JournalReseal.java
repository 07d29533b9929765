package org.agenthypervisor.core.saga;

import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.store.AtomicFiles;
import org.agenthypervisor.core.store.LogRecord;
import org.agenthypervisor.core.store.RecordLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * An operator's acceptance of a journal that failed authentication ({@code saga seal --accept}):
 * after inspecting it, the operator declares its records to be what they want recovery to act on.
 * Every record's JSON is copied, in order, into a new journal sealed with the data directory's key;
 * the old journal is kept beside it ({@code saga.replaced-<millis>}), never edited. This is the only
 * way a journal is rewritten, and only on that explicit command.
 *
 * <p>Records that are not journal records (no JSON object with a type and a saga id) are refused:
 * sealing them would make them authentic, and an authentic record that is not a journal record
 * stops the next start. Such a journal can only be moved aside.
 */
public final class JournalReseal {
    /**
     * What was done.
     *
     * @param records  records copied
     * @param accepted of those, how many had failed authentication
     * @param replaced where the old journal now is
     */
    public record Result(long records, int accepted, Path replaced) {
    }

    private JournalReseal() {
    }

    /**
     * Re-seals the journal of {@code dataDir} with the key in {@code keysDir}.
     *
     * @throws IOException if a JVM holds the journal, it cannot be read or written, or it holds a record
     *                     that is not a journal record
     */
    public static Result reseal(Path dataDir, Path keysDir) throws IOException {
        Path dir = SagaJournal.directory(dataDir);
        Path sealing = dataDir.resolve(SagaJournal.DIR + ".sealing");
        JournalSeal seal = JournalSeal.loadOrCreate(keysDir);
        long count;
        int accepted;
        // Read-write: holds the journal's lock, so no JVM can use it meanwhile (a torn tail is cut, as at a start).
        try (RecordLog old = RecordLog.open(dir, SagaJournal.NAME, SagaJournal.logOptions())) {
            accepted = SagaHistory.replay(old, seal, true, false).unauthenticated().size();
            deleteTree(sealing); // left by an interrupted earlier attempt
            try (RecordLog fresh = RecordLog.open(sealing, SagaJournal.NAME, SagaJournal.logOptions())) {
                JournalSeal.Chain chain = new JournalSeal.Chain(() -> seal, 0, null);
                try {
                    // A compacted journal: its live part only (the carries stand for what was archived); the
                    // re-sealed journal starts again at record 0.
                    old.forEach(old.firstIndex(), (LogRecord r) -> {
                        byte[] json = JournalSeal.json(r.payload());
                        requireJournalRecord(r.index(), json);
                        byte[] sealed = chain.seal(json);
                        try {
                            fresh.append(sealed);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                        chain.appended(sealed);
                    });
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
                fresh.sync();
                count = fresh.size();
            }
        } catch (IOException | RuntimeException e) {
            deleteTree(sealing);
            throw e;
        }
        Path replaced = dataDir.resolve(SagaJournal.DIR + ".replaced-" + System.currentTimeMillis());
        Files.move(dir, replaced, StandardCopyOption.ATOMIC_MOVE);
        Files.move(sealing, dir, StandardCopyOption.ATOMIC_MOVE);
        AtomicFiles.fsyncDirectory(dataDir);
        return new Result(count, accepted, replaced);
    }

    private static void requireJournalRecord(long index, byte[] json) {
        Object parsed;
        try {
            parsed = CanonicalJson.parse(json);
        } catch (IllegalArgumentException e) {
            parsed = null;
        }
        if (!(parsed instanceof Map) || !(((Map<?, ?>) parsed).get("type") instanceof String)
                || !(((Map<?, ?>) parsed).get("saga") instanceof String)) {
            throw new UncheckedIOException(new IOException("record " + index + " is not a journal record; refusing to"
                    + " seal it: move the saga directory aside instead"));
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        List<Path> paths = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.forEach(paths::add);
        }
        paths.sort(Comparator.reverseOrder());
        for (Path p : paths) {
            Files.deleteIfExists(p);
        }
    }
}
