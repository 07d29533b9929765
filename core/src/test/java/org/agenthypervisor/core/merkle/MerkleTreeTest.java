package org.agenthypervisor.core.merkle;

import static org.agenthypervisor.core.merkle.NaiveMerkle.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class MerkleTreeTest {

    /** The Certificate Transparency reference inputs (RFC 6962 test data, as used by CT and Trillian). */
    static final String[] CT_LEAVES = {
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
    };

    /** Published roots of the trees of the first 1..8 CT_LEAVES. */
    static final String[] CT_ROOTS = {
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    };

    static List<byte[]> ctLeafHashes() {
        List<byte[]> out = new ArrayList<>();
        for (String l : CT_LEAVES) {
            out.add(NaiveMerkle.leaf(hex(l)));
        }
        return out;
    }

    static MerkleTree treeOf(List<byte[]> leafHashes) {
        MerkleTree t = new MerkleTree();
        for (byte[] h : leafHashes) {
            t.append(h);
        }
        return t;
    }

    @Test
    void ctReferenceRootsMatchBothTheTreeAndTheNaiveDefinition() {
        List<byte[]> leaves = ctLeafHashes();
        MerkleTree tree = new MerkleTree();
        for (int n = 1; n <= 8; n++) {
            assertEquals(n - 1, tree.appendRecord(hex(CT_LEAVES[n - 1])));
            assertArrayEquals(hex(CT_ROOTS[n - 1]), tree.root(), "root of size " + n);
            assertArrayEquals(hex(CT_ROOTS[n - 1]), NaiveMerkle.mth(leaves, 0, n), "naive root of size " + n);
        }
        // Past roots stay answerable.
        for (int n = 1; n <= 8; n++) {
            assertArrayEquals(hex(CT_ROOTS[n - 1]), tree.root(n));
        }
        assertArrayEquals(MerkleHash.empty(), tree.root(0));
    }

    @Test
    void ctReferenceRootOfTwoLeavesByHand() {
        // node(leaf(""), leaf(00)) spelled out with a plain digest.
        byte[] l0 = NaiveMerkle.sha256(new byte[] {0});
        byte[] l1 = NaiveMerkle.sha256(new byte[] {0, 0});
        assertArrayEquals(hex(CT_ROOTS[1]), NaiveMerkle.sha256(new byte[] {1}, l0, l1));
    }

    @Test
    void ctReferenceInclusionProofs() {
        MerkleTree tree = treeOf(ctLeafHashes());
        assertProof(tree.inclusionProof(0, 8), "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
        assertProof(tree.inclusionProof(5, 8), "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
        assertProof(tree.inclusionProof(2, 3), "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
        assertProof(tree.inclusionProof(1, 5), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
        assertProof(tree.inclusionProof(0, 1));
    }

    @Test
    void ctReferenceConsistencyProofs() {
        MerkleTree tree = treeOf(ctLeafHashes());
        assertProof(tree.consistencyProof(1, 1));
        assertProof(tree.consistencyProof(1, 8), "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
        assertProof(tree.consistencyProof(6, 8), "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
        assertProof(tree.consistencyProof(2, 5), "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
        assertProof(tree.consistencyProof(6, 7), "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
        for (int[] mn : new int[][] {{1, 8}, {6, 8}, {2, 5}, {6, 7}}) {
            assertTrue(MerkleProofs.verifyConsistency(mn[0], mn[1], hex(CT_ROOTS[mn[0] - 1]), hex(CT_ROOTS[mn[1] - 1]),
                    tree.consistencyProof(mn[0], mn[1])));
        }
    }

    private static void assertProof(List<byte[]> actual, String... expectedHex) {
        assertEquals(expectedHex.length, actual.size(), "proof length");
        for (int i = 0; i < expectedHex.length; i++) {
            assertArrayEquals(hex(expectedHex[i]), actual.get(i), "proof element " + i);
        }
    }

    @Test
    void agreesWithTheNaiveDefinitionForEverySmallTree() {
        int max = 70;
        List<byte[]> leaves = NaiveMerkle.distinctLeaves(max);
        MerkleTree tree = treeOf(leaves);
        for (int n = 1; n <= max; n++) {
            assertArrayEquals(NaiveMerkle.mth(leaves, 0, n), tree.root(n), "root " + n);
            for (int m = 0; m < n; m++) {
                assertSameHashes(NaiveMerkle.path(m, leaves, 0, n), tree.inclusionProof(m, n), "path " + m + "/" + n);
            }
            for (int m = 1; m <= n; m++) {
                assertSameHashes(NaiveMerkle.proof(m, leaves, n), tree.consistencyProof(m, n), "proof " + m + "/" + n);
            }
        }
    }

    private static void assertSameHashes(List<byte[]> expected, List<byte[]> actual, String what) {
        assertEquals(expected.size(), actual.size(), what + " length");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), what + " element " + i);
        }
    }

    @Test
    void everyInclusionProofOfEveryTreeUpTo1000LeavesVerifies() {
        int max = 1000;
        MerkleTree tree = treeOf(NaiveMerkle.distinctLeaves(max));
        for (long n = 1; n <= max; n++) {
            byte[] root = tree.root(n);
            for (long i = 0; i < n; i++) {
                List<byte[]> proof = tree.inclusionProof(i, n);
                if (!MerkleProofs.verifyInclusion(tree.leafHash(i), i, n, proof, root)) {
                    throw new AssertionError("inclusion of " + i + " in " + n + " does not verify");
                }
            }
        }
    }

    @Test
    void everyConsistencyProofBetweenSampleSizesVerifies() {
        long[] sizes = {1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 255, 256,
            257, 500, 511, 512, 513, 777, 999, 1000, 1023, 1024, 1025};
        MerkleTree tree = treeOf(NaiveMerkle.distinctLeaves(1025));
        for (long n : sizes) {
            byte[] newRoot = tree.root(n);
            for (long m = 1; m <= n; m++) {
                List<byte[]> proof = tree.consistencyProof(m, n);
                if (!MerkleProofs.verifyConsistency(m, n, tree.root(m), newRoot, proof)) {
                    throw new AssertionError("consistency " + m + " -> " + n + " does not verify");
                }
            }
        }
    }

    @Test
    void pastRootsAndProofsAreStableWhileTheTreeGrows() {
        MerkleTree tree = new MerkleTree();
        List<byte[]> leaves = NaiveMerkle.distinctLeaves(300);
        List<byte[]> roots = new ArrayList<>();
        for (byte[] l : leaves) {
            tree.append(l);
            roots.add(tree.root());
        }
        for (int n = 1; n <= leaves.size(); n++) {
            assertArrayEquals(roots.get(n - 1), tree.root(n));
        }
    }

    @Test
    void rejectsArgumentsOutsideTheTree() {
        MerkleTree tree = treeOf(NaiveMerkle.distinctLeaves(5));
        assertThrows(IllegalArgumentException.class, () -> tree.append(new byte[31]));
        assertThrows(IllegalArgumentException.class, () -> tree.root(6));
        assertThrows(IllegalArgumentException.class, () -> tree.root(-1));
        assertThrows(IllegalArgumentException.class, () -> tree.inclusionProof(5, 5));
        assertThrows(IllegalArgumentException.class, () -> tree.inclusionProof(-1, 5));
        assertThrows(IllegalArgumentException.class, () -> tree.inclusionProof(0, 6));
        assertThrows(IllegalArgumentException.class, () -> tree.consistencyProof(0, 5));
        assertThrows(IllegalArgumentException.class, () -> tree.consistencyProof(4, 3));
        assertThrows(IllegalArgumentException.class, () -> tree.consistencyProof(1, 6));
        assertThrows(IllegalArgumentException.class, () -> tree.leafHash(5));
        assertEquals(5, tree.size());
    }

    @Test
    void emptyTree() {
        MerkleTree tree = new MerkleTree();
        assertEquals(0, tree.size());
        assertArrayEquals(MerkleHash.empty(), tree.root());
    }

    @Test
    void readersMayRunWhileOneWriterAppends() throws Exception {
        MerkleTree tree = new MerkleTree();
        int total = 20_000;
        List<byte[]> leaves = NaiveMerkle.distinctLeaves(total);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                long checked = 0;
                while (checked < 2_000) {
                    long n = tree.size();
                    if (n == 0) {
                        continue;
                    }
                    long i = (checked * 7919) % n;
                    if (!MerkleProofs.verifyInclusion(leaves.get((int) i), i, n, tree.inclusionProof(i, n), tree.root(n))) {
                        throw new AssertionError("concurrent inclusion " + i + "/" + n);
                    }
                    checked++;
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        reader.start();
        for (byte[] l : leaves) {
            tree.append(l);
        }
        reader.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertFalse(tree.toString().isEmpty());
    }
}
