package org.agenthypervisor.core.audit;

import org.agenthypervisor.core.crypto.Ed25519;
import org.agenthypervisor.core.crypto.SigningKey;
import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.merkle.MerkleFrontier;
import org.agenthypervisor.core.merkle.MerkleTree;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoints: a tree head that carries the Merkle frontier at its size, under its signature. */
class TreeHeadCheckpointTest {
    static final SigningKey KEY = Ed25519.generate();

    static MerkleFrontier tree(int n) {
        MerkleFrontier f = new MerkleFrontier();
        for (int i = 0; i < n; i++) {
            f.appendRecord(("record " + i).getBytes(StandardCharsets.UTF_8));
        }
        return f;
    }

    @Test
    void aCheckpointRoundTripsAndItsFrontierFoldsToItsRoot() {
        MerkleFrontier f = tree(1_000_003);
        TreeHead head = TreeHead.signCheckpoint(f, Instant.now(), "every", null, KEY);
        assertEquals(Long.bitCount(1_000_003), head.frontier().size());
        TreeHead read = TreeHead.fromJson(head.toJson());
        assertEquals(head, read);
        assertTrue(read.isCheckpoint());
        assertTrue(read.verify(KEY.publicKey()));
        assertTrue(read.frontierMatchesRoot());
        // Extending the restored frontier gives the same roots as the original tree.
        MerkleFrontier restored = read.toFrontier();
        for (int i = 0; i < 77; i++) {
            byte[] r = ("more " + i).getBytes(StandardCharsets.UTF_8);
            f.appendRecord(r);
            restored.appendRecord(r);
        }
        assertArrayEquals(f.root(), restored.root());
    }

    @Test
    void theSignatureCoversTheFrontier() {
        TreeHead head = TreeHead.signCheckpoint(tree(1000), Instant.now(), "every", null, KEY);
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) CanonicalJson.parse(head.toJson());
        @SuppressWarnings("unchecked")
        List<Object> pieces = new ArrayList<>((List<Object>) m.get("frontier"));
        String first = (String) pieces.get(0);
        pieces.set(0, (first.charAt(0) == '0' ? "1" : "0") + first.substring(1));
        m.put("frontier", pieces);
        TreeHead edited = TreeHead.fromMap(m);
        assertFalse(edited.verify(KEY.publicKey()), "an edited frontier must break the signature");
        assertFalse(edited.frontierMatchesRoot());
        // A frontier removed: the head is no longer the one signed either.
        m.remove("frontier");
        assertFalse(TreeHead.fromMap(m).verify(KEY.publicKey()));
    }

    @Test
    void aSignedFrontierThatDoesNotFoldToTheRootIsNotAValidCheckpoint() {
        MerkleFrontier f = tree(1000);
        List<byte[]> wrong = tree(1000 - 8).pieces(); // 992 = 1111100000b: 5 pieces, 1000 = 1111101000b: 6
        assertThrows(IllegalArgumentException.class, () -> MerkleFrontier.of(1000, wrong));
        List<byte[]> swapped = f.pieces();
        byte[] a = swapped.get(0);
        swapped.set(0, swapped.get(1));
        swapped.set(1, a);
        TreeHead head = TreeHead.sign(1000, f.root(), Instant.now(), "every", null, swapped, KEY);
        assertTrue(head.verify(KEY.publicKey()), "signed as it is");
        assertFalse(head.frontierMatchesRoot(), "but its frontier is not the tree's");
        TreeHead shortOne = TreeHead.sign(1000, f.root(), Instant.now(), "every", null, wrong, KEY);
        assertFalse(shortOne.frontierMatchesRoot());
    }

    @Test
    void anOldHeadWithoutAFrontierStaysValid() {
        MerkleFrontier f = tree(10);
        TreeHead old = TreeHead.sign(10, f.root(), Instant.now(), "every", null, KEY);
        assertFalse(new String(old.toJson(), StandardCharsets.UTF_8).contains("frontier"));
        TreeHead read = TreeHead.fromJson(old.toJson());
        assertTrue(read.verify(KEY.publicKey()));
        assertFalse(read.isCheckpoint());
        assertNull(read.frontier());
        assertNull(read.toFrontier());
    }

    @Test
    void aMerkleTreeExtendedFromAFrontierGivesTheSameProofsForLaterLeaves() {
        MerkleTree full = new MerkleTree();
        MerkleFrontier f = new MerkleFrontier();
        int cut = 1_000;
        for (int i = 0; i < cut; i++) {
            byte[] r = ("r" + i).getBytes(StandardCharsets.UTF_8);
            full.appendRecord(r);
            f.appendRecord(r);
        }
        MerkleTree partial = MerkleTree.extending(cut, f.pieces());
        for (int i = cut; i < 2_345; i++) {
            byte[] r = ("r" + i).getBytes(StandardCharsets.UTF_8);
            full.appendRecord(r);
            partial.appendRecord(r);
        }
        for (long n : new long[] {cut, cut + 1, 1024, 2_000, 2_345}) {
            assertArrayEquals(full.root(n), partial.root(n), "root " + n);
        }
        for (long i = cut; i < 2_345; i += 37) {
            assertEquals(hex(full.inclusionProof(i, 2_345)), hex(partial.inclusionProof(i, 2_345)), "inclusion " + i);
        }
        for (long m : new long[] {cut, cut + 1, 1024, 1_500, 2_344}) {
            assertEquals(hex(full.consistencyProof(m, 2_345)), hex(partial.consistencyProof(m, 2_345)), "consistency " + m);
        }
        assertThrows(IllegalArgumentException.class, () -> partial.inclusionProof(cut - 1, 2_345));
        assertThrows(IllegalArgumentException.class, () -> partial.consistencyProof(cut - 1, 2_345));
        assertThrows(IllegalArgumentException.class, () -> partial.leafHash(3));
    }

    static List<String> hex(List<byte[]> hashes) {
        return hashes.stream().map(java.util.HexFormat.of()::formatHex).toList();
    }
}
