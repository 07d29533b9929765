package org.agenthypervisor.core.liability;

import org.agenthypervisor.core.store.AppendLog;
import org.agenthypervisor.core.store.LogRecord;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A trust ledger on a shared log, as several JVMs use it through the PostgreSQL store: here two
 * ledgers on one in-memory log stand for two JVMs (the database itself is exercised by SharedStoreIT).
 */
class SharedTrustLedgerTest {

    /** The shared log: records in commit order; announces appends unless told to stay quiet. */
    static final class MemoryLog implements AppendLog {
        final List<byte[]> records = new ArrayList<>();
        final List<Runnable> listeners = new CopyOnWriteArrayList<>();
        boolean quiet;
        /** Index of a record reads skip, as if its row had been deleted (-1: none). */
        long deleted = -1;

        @Override
        public long appendDurable(byte[] record) {
            long index;
            synchronized (this) {
                records.add(record);
                index = records.size() - 1;
            }
            if (!quiet) {
                listeners.forEach(Runnable::run);
            }
            return index;
        }

        @Override
        public synchronized void forEach(long fromIndex, Consumer<? super LogRecord> action) {
            for (long i = fromIndex; i < records.size(); i++) {
                if (i != deleted) {
                    action.accept(new LogRecord(i, records.get((int) i)));
                }
            }
        }

        @Override
        public synchronized long size() {
            return records.size();
        }

        @Override
        public String describe() {
            return "memory";
        }

        @Override
        public void onAppendedElsewhere(Runnable listener) {
            listeners.add(listener);
        }

        @Override
        public void close() {
        }
    }

    private static List<TrustLedger.Change> slash(String agent, double before, double after) {
        return List.of(new TrustLedger.Change(agent, before, after, 0));
    }

    @Test
    void aSlashAppendedByOneJvmReachesTheOtherAndItsListener() throws IOException {
        MemoryLog shared = new MemoryLog();
        TrustLedger one = TrustLedger.openShared(shared);
        TrustLedger two = TrustLedger.openShared(shared);
        List<TrustLedger.Entry> heard = new ArrayList<>();
        two.onChangedElsewhere(heard::addAll);
        one.append("slash", "ring violation", slash("teller", 1.0, 0.0), 1_000);
        assertEquals(0.0, two.trust("teller").getAsDouble());
        assertEquals(1, heard.size());
        assertEquals("teller", heard.get(0).agent());
        assertEquals("slash", heard.get(0).kind());
        assertEquals(0, heard.get(0).index());
    }

    @Test
    void aLedgerOpenedLaterReplaysWhatOthersWrote() throws IOException {
        MemoryLog shared = new MemoryLog();
        TrustLedger one = TrustLedger.openShared(shared);
        one.append("slash", "a", slash("teller", 1.0, 0.2), 1_000);
        one.append("set", "b", slash("teller", 0.2, 0.7), 2_000);
        TrustLedger late = TrustLedger.openShared(shared);
        assertEquals(0.7, late.trust("teller").getAsDouble());
        assertEquals(2, late.replayedAtOpen());
        assertTrue(late.shared());
    }

    @Test
    void anAppendAfterRecordsNotYetHeardAppliesThemFirstInCommitOrder() throws IOException {
        MemoryLog shared = new MemoryLog();
        TrustLedger one = TrustLedger.openShared(shared);
        TrustLedger two = TrustLedger.openShared(shared);
        shared.quiet = true; // the notifications are late: two has not heard of one's slash yet
        one.append("slash", "first", slash("teller", 1.0, 0.1), 1_000);
        one.append("slash", "second", slash("clerk", 1.0, 0.3), 1_100);
        List<TrustLedger.Entry> heard = new ArrayList<>();
        two.onChangedElsewhere(heard::addAll);
        long index = two.append("set", "operator", slash("teller", 1.0, 0.9), 2_000);
        assertEquals(2, index);
        assertEquals(0.9, two.trust("teller").getAsDouble(), "its own, later record wins");
        assertEquals(0.3, two.trust("clerk").getAsDouble(), "the slash it had not heard of applies");
        assertEquals(List.of(0L, 1L, 2L), heard.stream().map(TrustLedger.Entry::index).toList());
        one.catchUp();
        assertEquals(0.9, one.trust("teller").getAsDouble());
    }

    @Test
    void aMissingRecordFailsTheCatchUpNamingIt() throws IOException {
        MemoryLog shared = new MemoryLog();
        TrustLedger one = TrustLedger.openShared(shared);
        shared.quiet = true;
        one.append("slash", "a", slash("teller", 1.0, 0.1), 1_000);
        one.append("slash", "b", slash("teller", 0.1, 0.05), 1_100);
        shared.deleted = 0;
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> TrustLedger.openShared(shared));
        assertTrue(e.getMessage().contains("expected record 0, read record 1"), e.getMessage());
    }

    @Test
    void aSharedLedgerHasNoSnapshotOrRetention() throws IOException {
        TrustLedger ledger = TrustLedger.openShared(new MemoryLog());
        ledger.append("slash", "a", slash("teller", 1.0, 0.1), 1_000);
        assertEquals(false, ledger.compact());
        assertEquals(0, ledger.applyRetention(1, true, Long.MAX_VALUE / 2));
        ledger.close();
    }
}
