package org.agenthypervisor.core.audit;

import org.agenthypervisor.core.crypto.Ed25519;
import org.agenthypervisor.core.crypto.PublicKey;
import org.agenthypervisor.core.crypto.SigningKey;
import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.merkle.MerkleFrontier;
import org.agenthypervisor.core.store.LogRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The verifier and the proofs on an audit log kept as rows (the shared store), without a database:
 * rows in memory as the store hands them on (index and payload, in index order), heads signed by two
 * JVMs' keys (and a key rotated in between), a key directory. Every change a database administrator
 * could make to a row fails verification, naming what changed; a head signed by a key that is not
 * registered fails.
 */
class AuditRowsVerifyTest {
    private static final SigningKey FIRST = Ed25519.generate();
    private static final SigningKey SECOND = Ed25519.generate();
    private static final SigningKey STRANGER = Ed25519.generate();

    /** Rows in memory; tests change them as an UPDATE or DELETE would. */
    static final class Rows implements AuditRows {
        final List<LogRecord> records = new ArrayList<>();
        final List<LogRecord> heads = new ArrayList<>();
        final Map<String, PublicKey> keys = new TreeMap<>();

        @Override
        public String describe() {
            return "PostgreSQL test schema t";
        }

        @Override
        public Iterator<LogRecord> heads() {
            return List.copyOf(heads).iterator();
        }

        @Override
        public Iterator<LogRecord> records() {
            return List.copyOf(records).iterator();
        }

        @Override
        public Map<String, PublicKey> keys() {
            return Map.copyOf(keys);
        }

        @Override
        public void close() {
        }
    }

    /** 60 records of two JVMs; heads at 20 and 60 signed by the first JVM's key, at 40 by the second's. */
    private static Rows log() {
        Rows rows = new Rows();
        MerkleFrontier tree = new MerkleFrontier();
        for (int i = 0; i < 60; i++) {
            byte[] payload = CanonicalJson.object().put("seq", i).put("time", "2026-12-06T08:00:00Z").put("type", "test")
                    .put("jvm", Map.of("host", "h", "instance", i % 2 == 0 ? "a" : "b", "pid", 1 + i % 2)).toBytes();
            rows.records.add(new LogRecord(i, payload));
            tree.appendRecord(payload);
            if ((i + 1) % 20 == 0) {
                SigningKey k = (i + 1) == 40 ? SECOND : FIRST;
                TreeHead h = TreeHead.sign(tree.size(), tree.root(), Instant.now(), "every", null, tree.pieces(), k);
                rows.heads.add(new LogRecord(rows.heads.size(), h.toJson()));
            }
        }
        rows.keys.put(FIRST.keyId(), FIRST.publicKey());
        rows.keys.put(SECOND.keyId(), SECOND.publicKey());
        return rows;
    }

    private static AuditVerifier.Failure failure(Rows rows) throws Exception {
        AuditVerifier.Report r = AuditVerifier.verify(rows);
        assertTrue(!r.ok(), "must fail: " + r);
        return r.failure();
    }

    @Test
    void aLogSignedByTwoRegisteredKeysVerifies() throws Exception {
        AuditVerifier.Report r = AuditVerifier.verify(log());
        assertTrue(r.ok(), () -> String.valueOf(r.failure()));
        assertEquals(60, r.records());
        assertEquals(3, r.heads());
        assertEquals(0, r.uncovered());
        assertTrue(r.keyId().contains(FIRST.keyId()) && r.keyId().contains(SECOND.keyId()), r.keyId());
    }

    @Test
    void anEditedRowFailsAtTheHeadAboveIt() throws Exception {
        Rows rows = log();
        byte[] p = rows.records.get(25).payload();
        String edited = new String(p, StandardCharsets.UTF_8).replace("\"type\":\"test\"", "\"type\":\"tesT\"");
        rows.records.set(25, new LogRecord(25, edited.getBytes(StandardCharsets.UTF_8)));
        AuditVerifier.Failure f = failure(rows);
        assertTrue(f.message().contains("does not match the records") && f.message().contains("one of records 20..39"),
                f.message());
    }

    @Test
    void aDeletedRowIsNamed() throws Exception {
        Rows rows = log();
        rows.records.remove(7);
        AuditVerifier.Failure f = failure(rows);
        assertEquals(7, f.record());
        assertTrue(f.message().contains("record 7 is missing from PostgreSQL test schema t (the next row is record 8): a row"
                + " was deleted"), f.message());
    }

    @Test
    void deletedTrailingRowsUnderAHeadAreNamed() throws Exception {
        Rows rows = log();
        rows.records.subList(55, 60).clear();
        AuditVerifier.Failure f = failure(rows);
        assertTrue(f.message().contains("records 55..59 are missing"), f.message());
    }

    @Test
    void swappedRowsAreReordered() throws Exception {
        Rows rows = log();
        LogRecord a = rows.records.get(3);
        LogRecord b = rows.records.get(4);
        rows.records.set(3, new LogRecord(3, b.payload()));
        rows.records.set(4, new LogRecord(4, a.payload()));
        AuditVerifier.Failure f = failure(rows);
        assertTrue(f.message().contains("record 3 has seq 4: records were reordered"), f.message());
    }

    @Test
    void aDeletedHeadRowIsNamed() throws Exception {
        Rows rows = log();
        rows.heads.remove(1);
        AuditVerifier.Failure f = failure(rows);
        assertTrue(f.message().contains("tree head #1 is missing"), f.message());
    }

    @Test
    void aHeadByAnUnregisteredKeyFails() throws Exception {
        Rows rows = log();
        MerkleFrontier tree = new MerkleFrontier();
        rows.records.forEach(r -> tree.appendRecord(r.payload()));
        TreeHead forged = TreeHead.sign(60, tree.root(), Instant.now(), "every", null, tree.pieces(), STRANGER);
        rows.heads.add(new LogRecord(3, forged.toJson()));
        AuditVerifier.Failure f = failure(rows);
        assertTrue(f.message().contains("names key " + STRANGER.keyId() + ", which is not registered"), f.message());
        // A key removed from the directory: what it signed no longer verifies.
        Rows removed = log();
        removed.keys.remove(SECOND.keyId());
        assertTrue(failure(removed).message().contains("not registered"));
    }

    @Test
    void proofsFromRowsVerifyWithTheRegisteredKeysAcrossSigners() throws Exception {
        Rows rows = log();
        Map<String, Object> inclusion = AuditProofs.inclusion(rows, 33, null);
        List<String> notes = new ArrayList<>();
        String ok = AuditProofs.verify(CanonicalJson.write(inclusion), null, rows.keys(), notes);
        assertTrue(ok.startsWith("inclusion proof OK: record 33"), ok);
        // The old head (size 40) by the second JVM, the new one (60) by the first.
        Map<String, Object> consistency = AuditProofs.consistency(rows, 40, 60L);
        assertTrue(consistency.containsKey("oldPublicKey"), consistency::toString);
        String consistent = AuditProofs.verify(CanonicalJson.write(consistency), null, rows.keys(), notes);
        assertTrue(consistent.startsWith("consistency proof OK"), consistent);
        String embedded = AuditProofs.verify(CanonicalJson.write(consistency), null, null, notes);
        assertTrue(embedded.startsWith("consistency proof OK"), embedded);
        Map<String, PublicKey> without = new TreeMap<>(rows.keys());
        without.remove(FIRST.keyId());
        AuditProofs.ProofException refused = assertThrows(AuditProofs.ProofException.class,
                () -> AuditProofs.verify(CanonicalJson.write(inclusion), null, without, new ArrayList<>()));
        assertTrue(refused.getMessage().contains("not registered"), refused.getMessage());
        // A proof against an edited row is refused when it is made.
        Rows edited = log();
        edited.records.set(50, new LogRecord(50, edited.records.get(51).payload()));
        assertThrows(AuditProofs.ProofException.class, () -> AuditProofs.inclusion(edited, 5, null));
    }
}
