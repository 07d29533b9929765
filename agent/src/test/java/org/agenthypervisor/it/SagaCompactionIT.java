package org.agenthypervisor.it;

import org.agenthypervisor.core.saga.JournalCompaction;
import org.agenthypervisor.core.saga.JournalSeal;
import org.agenthypervisor.core.saga.SagaHistory;
import org.agenthypervisor.core.saga.SagaHistory.SagaView;
import org.agenthypervisor.core.saga.SagaJournal;
import org.agenthypervisor.core.store.RecordLog;
import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Saga journal compaction with the real agent: the saga application of {@code com.acme.reliability}
 * runs sagas on four threads and is killed with {@code kill -9} while some are unfinished; with
 * {@code saga.retention: 0s} the next start archives every finished saga into {@code saga/archive},
 * carries the unfinished ones past the cut and recovers them; a further start archives those too and
 * compensates nothing again. The side effects agree with the whole history (archive and live part):
 * every step of a saga that did not complete was compensated exactly once or reported in doubt;
 * {@code saga list} and {@code saga show} still show the archived sagas; new sagas get new ids.
 */
class SagaCompactionIT {
    private static final String POLICY = """
            version: 1
            saga:
              durability: fsync
              retries: 1
              backoff: 1ms
              maxBackoff: 2ms
              retention: 0s
              archive: keep
            """;

    /** A checkpoint at every start, however few records the run wrote. */
    private static ChildJvm app(Path dir) {
        return ChildJvm.withAgent("policy=policy.yaml").in(dir).jvmArg("-Dagenthypervisor.saga.compactionMinRecords=1")
                .timeout(300);
    }

    @Test
    void finishedSagasAreArchivedUnfinishedOnesRecoveredOnceAndTheToolsStillShowEverySaga() throws Exception {
        Path dir = ChildJvm.freshWorkDir("saga-compaction");
        ChildJvm.write(dir, "policy.yaml", POLICY);
        Path dataDir = dir.resolve(".agent-hypervisor");
        Path journalDir = SagaJournal.directory(dataDir);

        // 1. Sagas run until a kill -9 leaves some of them unfinished.
        Process process = app(dir).start("com.acme.reliability.CrashApp", "run", "20261206", "1000000");
        StringBuilder out = new StringBuilder();
        Thread reader = drain(process, out);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline && process.isAlive()) {
            synchronized (out) {
                if (out.indexOf("MAIN") >= 0) {
                    break;
                }
            }
            Thread.sleep(5);
        }
        Thread.sleep(1_500);
        assertTrue(process.isAlive(), "the application was still running sagas");
        process.destroyForcibly();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        reader.join(10_000);
        SagaHistory crashed = SagaIT.journal(dataDir);
        int unfinished = crashed.unfinished().size();
        int sagasBefore = crashed.sagas().size();
        long recordsBefore = crashed.records();
        assertTrue(unfinished > 0, "the kill left sagas unfinished");
        assertTrue(sagasBefore > 20, "many sagas ran: " + sagasBefore);

        // 2. The next start compacts (everything finished leaves) and recovers the unfinished sagas from their carries.
        Result recovered = app(dir).run("com.acme.reliability.CrashApp", "recover");
        assertEquals(0, recovered.exitCode(), recovered::toString);
        assertTrue(recovered.stderr().contains("saga journal: checkpoint at record"), recovered::toString);
        long firstLive;
        try (RecordLog live = SagaJournal.openReadOnly(dataDir)) {
            firstLive = live.firstIndex();
            assertTrue(firstLive >= recordsBefore, "the whole history before the start left the live journal: " + firstLive);
        }
        assertTrue(Files.isDirectory(JournalCompaction.archiveDir(journalDir)));
        SagaHistory live = SagaIT.journal(dataDir);
        assertEquals(unfinished, live.sagas().size(), "the live journal holds the carried sagas only: " + ids(live));
        assertTrue(live.unfinished().isEmpty(), "all recovered: " + ids(live));
        int undoneAfterRecovery = CrashRecoveryIT.effects(dir).undone().size();

        // 3. Another start: the recovered sagas leave too, and nothing is compensated again.
        Result again = app(dir).run("com.acme.reliability.CrashApp", "recover");
        assertEquals(0, again.exitCode(), again::toString);
        assertFalse(again.stderr().contains("recovering"), again::toString);
        assertEquals(undoneAfterRecovery, CrashRecoveryIT.effects(dir).undone().size());
        assertTrue(SagaIT.journal(dataDir).sagas().isEmpty(), "only a checkpoint is live");

        // 4. New sagas after the archive: ids above every archived one.
        Result more = app(dir).run("com.acme.reliability.CrashApp", "run", "7", "12");
        assertEquals(0, more.exitCode(), more::toString);
        assertTrue(more.stdout().contains("DONE"), more::toString);

        SagaHistory all = whole(dataDir);
        assertTrue(all.unauthenticated().isEmpty(), "the chain verifies across the cuts: " + all.unauthenticated());
        assertTrue(all.unfinished().isEmpty());
        assertEquals(sagasBefore + 12, all.sagas().size(), "every saga once, archived or live");
        Set<String> seen = new HashSet<>();
        for (SagaView saga : all.sagas()) {
            assertTrue(seen.add(saga.id()), "id reused: " + saga.id());
        }
        long highestBefore = crashed.highestNumber();
        assertEquals(12, all.sagas().stream().filter(s -> number(s.id()) > highestBefore).count(),
                "the new sagas numbered after every archived one");
        CrashRecoveryIT.Check check = CrashRecoveryIT.check(all, CrashRecoveryIT.effects(dir), true);
        assertEquals(List.of(), check.violations(), check::toString);
        assertTrue(check.compensated() + check.inDoubt() > 0, check::toString);
        System.out.println("SAGA COMPACTION " + sagasBefore + " sagas before the kill, " + unfinished + " unfinished; "
                + check);

        // 5. The tools read the archive and the live part.
        Result list = Cli.run(dir, "saga", "list");
        assertEquals(0, list.exitCode(), list::toString);
        assertTrue(list.stdout().contains((sagasBefore + 12) + " saga(s)"), list::toString);
        assertTrue(list.stdout().contains("archived by compaction"), list::toString);
        Result show = Cli.run(dir, "saga", "show", "s1");
        assertEquals(0, show.exitCode(), show::toString);
        assertTrue(show.stdout().contains("archived by compaction"), show::toString);
        String carried = crashed.unfinished().get(0).id();
        Result showCarried = Cli.run(dir, "saga", "show", carried);
        assertEquals(0, showCarried.exitCode(), showCarried::toString);
        assertTrue(showCarried.stdout().contains("recovery"), showCarried::toString);
    }

    /** The archive and the live part, as the tools read them. */
    private static SagaHistory whole(Path dataDir) throws IOException {
        Path archiveDir = JournalCompaction.archiveDir(SagaJournal.directory(dataDir));
        try (RecordLog live = SagaJournal.openReadOnly(dataDir);
             RecordLog archive = RecordLog.open(archiveDir, SagaJournal.NAME, RecordLog.Options.defaults().withReadOnly(true))) {
            JournalSeal seal = JournalSeal.load(SagaJournal.defaultKeysDir(dataDir)).orElseThrow();
            return SagaHistory.replayWithArchive(archive, live, seal, true, true);
        }
    }

    private static long number(String id) {
        return Long.parseLong(id.substring(1));
    }

    private static List<String> ids(SagaHistory h) {
        return h.sagas().stream().map(s -> s.id() + ":" + s.state().label()).toList();
    }

    private static Thread drain(Process process, StringBuilder into) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (var in = process.getInputStream()) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    synchronized (into) {
                        into.append(new String(buffer, 0, n, java.nio.charset.StandardCharsets.UTF_8));
                    }
                }
            } catch (IOException closed) {
                // the process died
            }
        });
        thread.setDaemon(true);
        thread.start();
        Thread errors = new Thread(() -> {
            try (Stream<String> lines = process.errorReader().lines()) {
                lines.forEach(l -> { });
            } catch (RuntimeException closed) {
                // the process died
            }
        });
        errors.setDaemon(true);
        errors.start();
        return thread;
    }
}
