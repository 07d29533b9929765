package org.agenthypervisor.core.liability;

import org.agenthypervisor.core.store.CorruptLogException;
import org.agenthypervisor.core.store.Durability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrustLedgerTest {
    @TempDir
    Path data;

    @Test
    void replayGivesTheLatestChangeOfEveryAgent() throws IOException {
        try (TrustLedger ledger = TrustLedger.open(data, Durability.BATCH)) {
            assertTrue(ledger.trust("a").isEmpty());
            ledger.append("slash", "ring violation", List.of(new TrustLedger.Change("c", 1.0, 0.0, 0),
                    new TrustLedger.Change("b", 1.0, 0.05, 1)), 1_000);
            ledger.append("set", "cleared", List.of(new TrustLedger.Change("b", Double.NaN, 0.9, 0)), 2_000);
            assertEquals(0.9, ledger.trust("b").getAsDouble());
            assertTrue(TrustLedger.inUse(data), "the open ledger holds the lock");
        }
        assertFalse(TrustLedger.inUse(data));
        Map<String, TrustLedger.Entry> read = TrustLedger.read(data);
        assertEquals(List.of("b", "c"), List.copyOf(read.keySet()));
        assertEquals(0.9, read.get("b").trust());
        assertEquals("set", read.get("b").kind());
        assertEquals("cleared", read.get("b").cause());
        assertEquals(0.0, read.get("c").trust());
        assertEquals(0L, read.get("c").index());
        try (TrustLedger again = TrustLedger.open(data, Durability.BATCH)) {
            assertEquals(0.0, again.trust("c").getAsDouble());
            assertEquals(2, again.size());
        }
    }

    @Test
    void aMissingLedgerReadsAsEmpty() throws IOException {
        assertEquals(Map.of(), TrustLedger.read(data.resolve("nothing")));
        assertFalse(TrustLedger.inUse(data.resolve("nothing")));
    }

    @Test
    void aDamagedLedgerFailsTheOpenAndIsNotRewritten() throws IOException {
        try (TrustLedger ledger = TrustLedger.open(data, Durability.BATCH)) {
            for (int i = 0; i < 3; i++) {
                ledger.append("slash", "x", List.of(new TrustLedger.Change("a", 1.0, 0.5, 1)), 1_000);
            }
        }
        Path segment;
        try (Stream<Path> files = Files.list(TrustLedger.directory(data))) {
            segment = files.filter(p -> p.toString().endsWith(".seg")).findFirst().orElseThrow();
        }
        byte[] before = Files.readAllBytes(segment);
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            f.seek(40);
            int b = f.read();
            f.seek(40);
            f.write(b ^ 0xff);
        }
        byte[] damaged = Files.readAllBytes(segment);
        assertThrows(CorruptLogException.class, () -> TrustLedger.open(data, Durability.BATCH));
        assertEquals(damaged.length, Files.readAllBytes(segment).length);
        assertFalse(java.util.Arrays.equals(before, damaged));
    }

    private Path onlySegment() throws IOException {
        try (Stream<Path> files = Files.list(TrustLedger.directory(data))) {
            return files.filter(p -> p.toString().endsWith(".seg")).findFirst().orElseThrow();
        }
    }

    /** Issue 12: a flipped byte in the last record was cut as a tear, undoing the slash (0.0 back to 1.0). */
    @Test
    void aDamagedLastRecordFailsTheOpenInsteadOfUndoingTheSlash() throws IOException {
        try (TrustLedger ledger = TrustLedger.open(data, Durability.BATCH)) {
            ledger.append("slash", "ring violation", List.of(new TrustLedger.Change("a", 1.0, 0.0, 0)), 1_000);
        }
        Path segment = onlySegment();
        byte[] bytes = Files.readAllBytes(segment);
        bytes[bytes.length - 2] ^= 0x04; // inside the only (and last) record
        Files.write(segment, bytes);
        CorruptLogException e = assertThrows(CorruptLogException.class, () -> TrustLedger.open(data, Durability.BATCH));
        assertEquals(segment, e.file());
        assertEquals(24, e.offset());
        assertEquals(0, e.recordIndex());
        assertTrue(e.getMessage().contains("CRC mismatch in a complete frame"), e.getMessage());
        assertTrue(java.util.Arrays.equals(bytes, Files.readAllBytes(segment)), "never rewritten");
        assertThrows(CorruptLogException.class, () -> TrustLedger.read(data), "the read-only view refuses it too");
    }

    private void slashTwice() throws IOException {
        try (TrustLedger ledger = TrustLedger.open(data, Durability.BATCH)) {
            ledger.append("slash", "first", List.of(new TrustLedger.Change("a", 1.0, 0.5, 0)), 1_000);
            ledger.append("slash", "second", List.of(new TrustLedger.Change("a", 0.5, 0.0, 0)), 2_000);
        }
    }

    /** Issue 12: deleting the ledger's segment reset every agent's trust with only an INFO line. */
    @Test
    void aDeletedSegmentFailsTheOpenInsteadOfResettingTrust() throws IOException {
        slashTwice();
        Files.delete(onlySegment());
        CorruptLogException e = assertThrows(CorruptLogException.class, () -> TrustLedger.open(data, Durability.BATCH));
        assertTrue(e.getMessage().contains("high-water mark") && e.getMessage().contains("records 0..1 are missing"),
                e.getMessage());
        assertThrows(CorruptLogException.class, () -> TrustLedger.read(data));
        try (Stream<Path> files = Files.list(TrustLedger.directory(data))) {
            assertTrue(files.noneMatch(p -> p.toString().endsWith(".seg")), "no fresh, empty ledger was created");
        }
    }

    /** Issue 12: a ledger cut at a record boundary lost its last slash (0.0 back to 0.5) silently. */
    @Test
    void aLedgerCutAtARecordBoundaryFailsTheOpen() throws IOException {
        slashTwice();
        Path segment = onlySegment();
        byte[] bytes = Files.readAllBytes(segment);
        int second = 24 + 12 + java.nio.ByteBuffer.wrap(bytes).getInt(24);
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            f.setLength(second);
        }
        CorruptLogException e = assertThrows(CorruptLogException.class, () -> TrustLedger.open(data, Durability.BATCH));
        assertEquals(segment, e.file());
        assertEquals(second, e.offset());
        assertEquals(1, e.recordIndex());
        assertEquals(second, Files.size(segment), "never rewritten");
    }
}
