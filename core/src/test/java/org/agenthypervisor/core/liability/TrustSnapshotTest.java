package org.agenthypervisor.core.liability;

import org.agenthypervisor.core.store.DataDirCopies;
import org.agenthypervisor.core.store.Durability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 12: the trust ledger's snapshot, so that opening reads the snapshot and the tail, not the history. */
class TrustSnapshotTest {
    @TempDir
    Path data;

    private Path snapshotFile(Path dataDir) {
        return TrustSnapshot.file(TrustLedger.directory(dataDir));
    }

    private static void slash(TrustLedger ledger, String agent, double before, double after, long time) throws IOException {
        ledger.append("slash", "violation at " + time, List.of(new TrustLedger.Change(agent, before, after, 0)), time);
    }

    @Test
    void theSnapshotRoundTripsEveryAgentsLatestChange() throws IOException {
        Map<String, TrustLedger.Entry> live;
        try (TrustLedger ledger = TrustLedger.open(data, Durability.BATCH)) {
            slash(ledger, "a", 1.0, 0.5, 1_000);
            ledger.append("set", "cleared \"quoted\" é", List.of(new TrustLedger.Change("b", Double.NaN, 0.125, 0),
                    new TrustLedger.Change("c", 1.0, 0.0, 2)), 2_000);
            slash(ledger, "a", 0.5, 0.3333333333333333, 3_000);
            assertFalse(Files.exists(snapshotFile(data)), "fewer than SNAPSHOT_EVERY records: no snapshot yet");
            live = ledger.entries();
        }
        TrustSnapshot.Contents snap = TrustSnapshot.read(TrustLedger.directory(data));
        assertEquals(3, snap.covers(), "close writes a snapshot covering every record");
        assertEquals(live, snap.entries());
        byte[] bytes = Files.readAllBytes(snapshotFile(data));
        assertArrayEquals(bytes, TrustSnapshot.encode(snap.covers(), snap.lastRecordCrc(), snap.entries().values()),
                "decode then encode gives the same bytes");
        try (TrustLedger again = TrustLedger.open(data, Durability.BATCH)) {
            assertEquals(0, again.replayedAtOpen(), "everything came from the snapshot");
            assertEquals(live, again.entries());
            assertEquals(3, again.size());
        }
        assertEquals(live, TrustLedger.read(data));
        assertArrayEquals(bytes, Files.readAllBytes(snapshotFile(data)), "a close with nothing new leaves it alone");
    }

    @Test
    void openingReplaysOnlyTheRecordsAfterTheSnapshot() throws IOException {
        Path crashed = data.resolve("crashed");
        Map<String, TrustLedger.Entry> expected;
        try (TrustLedger ledger = TrustLedger.open(data.resolve("live"), Durability.BATCH)) {
            double trust = 1.0;
            for (int i = 0; i < TrustLedger.SNAPSHOT_EVERY + 7; i++) {
                double after = (i % 100) / 100.0;
                slash(ledger, "agent-" + (i % 13), trust, after, 1_000 + i);
                trust = after;
                if (i + 1 == TrustLedger.SNAPSHOT_EVERY) {
                    assertEquals(TrustLedger.SNAPSHOT_EVERY, ledger.snapshotCovers(), "the 1000th append wrote one");
                }
            }
            expected = ledger.entries();
            // A copy taken now is what a crash leaves: the snapshot covers 1000 records, 7 follow it.
            DataDirCopies.copyTree(data.resolve("live"), crashed);
        }
        try (TrustLedger ledger = TrustLedger.open(crashed, Durability.BATCH)) {
            assertEquals(7, ledger.replayedAtOpen());
            assertEquals(expected, ledger.entries());
        }
        try (TrustLedger ledger = TrustLedger.open(data.resolve("live"), Durability.BATCH)) {
            assertEquals(0, ledger.replayedAtOpen(), "the close wrote a snapshot of all of it");
            assertEquals(expected, ledger.entries());
        }
    }

    @Test
    void aLeftoverTempFileOfAnInterruptedSnapshotIsIgnored() throws IOException {
        try (TrustLedger ledger = TrustLedger.open(data, Durability.BATCH)) {
            slash(ledger, "a", 1.0, 0.5, 1_000);
        }
        Path dir = TrustLedger.directory(data);
        Path torn = dir.resolve("." + TrustSnapshot.FILE + ".0123456789abcdef.tmp");
        byte[] half = Files.readAllBytes(snapshotFile(data));
        Files.write(torn, java.util.Arrays.copyOf(half, half.length / 2));
        assertEquals(0.5, TrustLedger.read(data).get("a").trust(), "the read-only view ignores it");
        assertTrue(Files.exists(torn), "and leaves it");
        try (TrustLedger ledger = TrustLedger.open(data, Durability.BATCH)) {
            assertEquals(0.5, ledger.trust("a").getAsDouble());
            assertFalse(Files.exists(torn), "the read-write open removes it");
            slash(ledger, "a", 0.5, 0.25, 2_000);
        }
        assertEquals(0.25, TrustLedger.read(data).get("a").trust());
        assertEquals(2, TrustSnapshot.read(dir).covers());
    }

    @Test
    void anUnknownVersionIsRefusedNamingTheFile() throws IOException {
        try (TrustLedger ledger = TrustLedger.open(data, Durability.BATCH)) {
            slash(ledger, "a", 1.0, 0.5, 1_000);
        }
        Path file = snapshotFile(data);
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer.wrap(bytes).putInt(4, 2);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer.wrap(bytes).putInt(bytes.length - 4, (int) crc.getValue()); // a valid checksum: only the version is wrong
        Files.write(file, bytes);
        IOException e = assertThrows(IOException.class, () -> TrustLedger.open(data, Durability.BATCH));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("format version 2"), e.getMessage());
        assertThrows(IOException.class, () -> TrustLedger.read(data));
        assertArrayEquals(bytes, Files.readAllBytes(file), "never rewritten");
    }

    @Test
    void aSnapshotCoveringMoreRecordsThanTheLedgerHasIsRefused() throws IOException {
        try (TrustLedger ledger = TrustLedger.open(data, Durability.BATCH)) {
            slash(ledger, "a", 1.0, 0.5, 1_000);
        }
        Path dir = TrustLedger.directory(data);
        TrustSnapshot.write(dir, 5, 0, List.of(new TrustLedger.Entry("a", 0.0, "slash", "x", "t", 4)));
        IOException e = assertThrows(IOException.class, () -> TrustLedger.open(data, Durability.BATCH));
        assertTrue(e.getMessage().contains(snapshotFile(data).toString())
                && e.getMessage().contains("covers 5 records, but the ledger has only 1"), e.getMessage());
    }

    @Test
    void aSnapshotOfAnotherLedgerIsRefused() throws IOException {
        for (String name : List.of("one", "two")) {
            try (TrustLedger ledger = TrustLedger.open(data.resolve(name), Durability.BATCH)) {
                slash(ledger, "a", 1.0, name.equals("one") ? 0.5 : 0.25, 1_000);
            }
        }
        Files.copy(snapshotFile(data.resolve("one")), snapshotFile(data.resolve("two")),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        IOException e = assertThrows(IOException.class, () -> TrustLedger.open(data.resolve("two"), Durability.BATCH));
        assertTrue(e.getMessage().contains(snapshotFile(data.resolve("two")).toString())
                && e.getMessage().contains("does not match the ledger"), e.getMessage());
    }

    @Test
    void decodingRefusesDamageWithAMessageNamingTheFile() throws IOException {
        byte[] good = TrustSnapshot.encode(2, 7, List.of(new TrustLedger.Entry("a", 0.5, "slash", "c", "t", 1)));
        Path f = data.resolve("x.snapshot");
        assertEquals(2, TrustSnapshot.decode(f, good).covers());
        List<String> accepted = new ArrayList<>();
        for (int at = 0; at < good.length; at++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] bad = good.clone();
                bad[at] ^= (byte) (1 << bit);
                try {
                    TrustSnapshot.decode(f, bad);
                    accepted.add("byte " + at + " bit " + bit);
                } catch (IOException refused) {
                    assertTrue(refused.getMessage().contains(f.toString()), refused.getMessage());
                }
            }
        }
        for (int length = 0; length < good.length; length++) {
            byte[] cut = java.util.Arrays.copyOf(good, length);
            assertThrows(IOException.class, () -> TrustSnapshot.decode(f, cut), "cut at " + length);
        }
        assertTrue(accepted.isEmpty(), "accepted: " + accepted);
        assertNull(TrustSnapshot.read(data.resolve("none")));
    }
}
