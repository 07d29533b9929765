package org.agenthypervisor.core.merkle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Assume;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class MerkleProofsTest {
    private static final int MAX = 4096;
    private static final List<byte[]> LEAVES = NaiveMerkle.distinctLeaves(MAX);
    private static final MerkleTree TREE = MerkleTreeTest.treeOf(LEAVES);

    // ---- inclusion ----

    @Property(tries = 300)
    void inclusionProofsVerify(@ForAll @IntRange(min = 1, max = MAX) int n, @ForAll @IntRange(min = 0, max = MAX - 1) int raw) {
        int i = raw % n;
        assertTrue(MerkleProofs.verifyInclusion(LEAVES.get(i), i, n, TREE.inclusionProof(i, n), TREE.root(n)));
    }

    @Property(tries = 200)
    void flippingAnyByteOfTheProofTheRootOrTheLeafBreaksInclusion(@ForAll @IntRange(min = 1, max = MAX) int n,
            @ForAll @IntRange(min = 0, max = MAX - 1) int raw, @ForAll @IntRange(min = 1, max = 255) int mask) {
        int i = raw % n;
        List<byte[]> proof = TREE.inclusionProof(i, n);
        byte[] root = TREE.root(n);
        byte[] leaf = LEAVES.get(i);
        for (int e = 0; e < proof.size(); e++) {
            for (int b = 0; b < MerkleHash.SIZE; b++) {
                List<byte[]> bad = flip(proof, e, b, mask);
                assertFalse(MerkleProofs.verifyInclusion(leaf, i, n, bad, root), "proof[" + e + "][" + b + "]");
            }
        }
        for (int b = 0; b < MerkleHash.SIZE; b++) {
            assertFalse(MerkleProofs.verifyInclusion(leaf, i, n, proof, flip(root, b, mask)), "root[" + b + "]");
            assertFalse(MerkleProofs.verifyInclusion(flip(leaf, b, mask), i, n, proof, root), "leaf[" + b + "]");
        }
    }

    @Property(tries = 300)
    void aWrongIndexNeverVerifies(@ForAll @IntRange(min = 1, max = MAX) int n, @ForAll @IntRange(min = 0, max = MAX - 1) int raw,
            @ForAll @IntRange(min = -2, max = MAX + 2) int other) {
        int i = raw % n;
        Assume.that(other != i);
        assertFalse(MerkleProofs.verifyInclusion(LEAVES.get(i), other, n, TREE.inclusionProof(i, n), TREE.root(n)));
    }

    /**
     * RFC 9162 does not bind the tree size into the proof (the signed tree head does): a proof verifies
     * under another size exactly when that size gives the path the same shape (the same sequence of
     * left/right siblings, derived here from the RFC PATH recursion).
     */
    @Property(tries = 300)
    void aWrongSizeVerifiesOnlyWhenThePathHasTheSameShape(@ForAll @IntRange(min = 1, max = MAX) int n,
            @ForAll @IntRange(min = 0, max = MAX - 1) int raw, @ForAll @IntRange(min = -1, max = 2 * MAX) int otherSize) {
        int i = raw % n;
        Assume.that(otherSize != n);
        boolean verifies = MerkleProofs.verifyInclusion(LEAVES.get(i), i, otherSize, TREE.inclusionProof(i, n), TREE.root(n));
        boolean sameShape = i < otherSize && NaiveMerkle.pathShape(i, otherSize).equals(NaiveMerkle.pathShape(i, n));
        assertEquals(sameShape, verifies);
    }

    @Example
    void wrongSizesWithADifferentShapeFail() {
        // Index 0 of a 3-leaf tree has the same shape in a 4-leaf tree (the documented RFC property)...
        assertTrue(MerkleProofs.verifyInclusion(LEAVES.get(0), 0, 4, TREE.inclusionProof(0, 3), TREE.root(3)));
        // ...but doubling or halving the size changes the proof length, so it fails.
        for (int n = 2; n <= 300; n++) {
            for (int i = 0; i < n; i++) {
                List<byte[]> proof = TREE.inclusionProof(i, n);
                assertFalse(MerkleProofs.verifyInclusion(LEAVES.get(i), i, 2L * n, proof, TREE.root(n)));
                assertFalse(MerkleProofs.verifyInclusion(LEAVES.get(i), i, n / 2, proof, TREE.root(n)));
            }
        }
    }

    @Property(tries = 200)
    void addingOrRemovingProofElementsBreaksInclusion(@ForAll @IntRange(min = 2, max = MAX) int n,
            @ForAll @IntRange(min = 0, max = MAX - 1) int raw) {
        int i = raw % n;
        List<byte[]> proof = TREE.inclusionProof(i, n);
        byte[] root = TREE.root(n);
        List<byte[]> shorter = proof.subList(0, proof.size() - 1);
        List<byte[]> longer = new ArrayList<>(proof);
        longer.add(root);
        List<byte[]> front = new ArrayList<>(proof);
        front.add(0, proof.get(0));
        assertFalse(MerkleProofs.verifyInclusion(LEAVES.get(i), i, n, shorter, root));
        assertFalse(MerkleProofs.verifyInclusion(LEAVES.get(i), i, n, longer, root));
        assertFalse(MerkleProofs.verifyInclusion(LEAVES.get(i), i, n, front, root));
    }

    @Example
    void inclusionEdgeCases() {
        byte[] h = LEAVES.get(0);
        // A one-leaf tree: the root is the leaf and the proof is empty.
        assertTrue(MerkleProofs.verifyInclusion(h, 0, 1, List.of(), h));
        assertFalse(MerkleProofs.verifyInclusion(h, 1, 1, List.of(), h));
        assertFalse(MerkleProofs.verifyInclusion(h, 0, 0, List.of(), MerkleHash.empty()));
        assertFalse(MerkleProofs.verifyInclusion(h, -1, 1, List.of(), h));
        assertFalse(MerkleProofs.verifyInclusion(h, 0, 1, List.of(), new byte[31]));
        assertFalse(MerkleProofs.verifyInclusion(new byte[31], 0, 1, List.of(), h));
        assertFalse(MerkleProofs.verifyInclusion(null, 0, 1, List.of(), h));
        assertFalse(MerkleProofs.verifyInclusion(h, 0, 1, null, h));
        assertFalse(MerkleProofs.verifyInclusion(h, 0, 1, List.of(), null));
        List<byte[]> withNull = new ArrayList<>();
        withNull.add(null);
        assertFalse(MerkleProofs.verifyInclusion(h, 0, 2, withNull, TREE.root(2)));
        assertFalse(MerkleProofs.verifyInclusion(h, 0, 2, List.of(new byte[33]), TREE.root(2)));
        assertNull(MerkleProofs.rootFromInclusionProof(h, 0, 2, List.of()));
        assertTrue(Arrays.equals(TREE.root(2), MerkleProofs.rootFromInclusionProof(h, 0, 2, TREE.inclusionProof(0, 2))));
        // Huge sizes do not overflow or loop.
        assertFalse(MerkleProofs.verifyInclusion(h, Long.MAX_VALUE - 1, Long.MAX_VALUE, TREE.inclusionProof(0, 8), TREE.root(8)));
    }

    // ---- consistency ----

    @Property(tries = 300)
    void consistencyProofsVerify(@ForAll @IntRange(min = 1, max = MAX) int n, @ForAll @IntRange(min = 1, max = MAX) int rawM) {
        int m = 1 + (rawM - 1) % n;
        assertTrue(MerkleProofs.verifyConsistency(m, n, TREE.root(m), TREE.root(n), TREE.consistencyProof(m, n)));
    }

    @Property(tries = 200)
    void flippingAnyByteOfTheProofOrEitherRootBreaksConsistency(@ForAll @IntRange(min = 2, max = MAX) int n,
            @ForAll @IntRange(min = 1, max = MAX) int rawM, @ForAll @IntRange(min = 1, max = 255) int mask) {
        int m = 1 + (rawM - 1) % (n - 1);
        List<byte[]> proof = TREE.consistencyProof(m, n);
        byte[] oldRoot = TREE.root(m);
        byte[] newRoot = TREE.root(n);
        for (int e = 0; e < proof.size(); e++) {
            for (int b = 0; b < MerkleHash.SIZE; b++) {
                assertFalse(MerkleProofs.verifyConsistency(m, n, oldRoot, newRoot, flip(proof, e, b, mask)),
                        "proof[" + e + "][" + b + "]");
            }
        }
        for (int b = 0; b < MerkleHash.SIZE; b++) {
            assertFalse(MerkleProofs.verifyConsistency(m, n, flip(oldRoot, b, mask), newRoot, proof), "old root[" + b + "]");
            assertFalse(MerkleProofs.verifyConsistency(m, n, oldRoot, flip(newRoot, b, mask), proof), "new root[" + b + "]");
        }
        assertFalse(MerkleProofs.verifyConsistency(m, n, newRoot, oldRoot, proof), "swapped roots");
        assertFalse(MerkleProofs.verifyConsistency(m, n, oldRoot, newRoot, proof.subList(0, proof.size() - 1)), "truncated");
        List<byte[]> longer = new ArrayList<>(proof);
        longer.add(newRoot);
        assertFalse(MerkleProofs.verifyConsistency(m, n, oldRoot, newRoot, longer), "extended");
        List<byte[]> front = new ArrayList<>(proof);
        front.add(0, oldRoot);
        assertFalse(MerkleProofs.verifyConsistency(m, n, oldRoot, newRoot, front), "prefixed");
    }

    /** As for inclusion, wrong sizes verify exactly when the SUBPROOF recursion has the same shape. */
    @Property(tries = 300)
    void wrongSizesVerifyOnlyWhenTheProofHasTheSameShape(@ForAll @IntRange(min = 2, max = MAX) int n,
            @ForAll @IntRange(min = 1, max = MAX) int rawM, @ForAll @IntRange(min = -1, max = 2 * MAX) int m2,
            @ForAll @IntRange(min = -1, max = 2 * MAX) int n2) {
        int m = 1 + (rawM - 1) % (n - 1);
        Assume.that(m2 != m || n2 != n);
        boolean verifies = MerkleProofs.verifyConsistency(m2, n2, TREE.root(m), TREE.root(n), TREE.consistencyProof(m, n));
        boolean sameShape = m2 >= 1 && m2 < n2 && consistencyShape(m2, n2).equals(consistencyShape(m, n));
        assertEquals(sameShape, verifies);
    }

    /** SUBPROOF's shape: how the proof starts (old root or a node) and the side of each later node. */
    static List<String> consistencyShape(long m, long n) {
        List<String> out = new ArrayList<>();
        subproofShape(m, n, true, out);
        return out;
    }

    private static void subproofShape(long m, long n, boolean b, List<String> out) {
        if (m == n) {
            out.add(b ? "old-root" : "node");
            return;
        }
        long k = NaiveMerkle.k(n);
        if (m <= k) {
            subproofShape(m, k, b, out);
            out.add("right");
        } else {
            subproofShape(m - k, n - k, false, out);
            out.add("left");
        }
    }

    @Example
    void consistencyEdgeCases() {
        byte[] r1 = TREE.root(1);
        byte[] r5 = TREE.root(5);
        byte[] empty = MerkleHash.empty();
        // Equal sizes: empty proof and equal roots.
        assertTrue(MerkleProofs.verifyConsistency(5, 5, r5, r5, List.of()));
        assertTrue(MerkleProofs.verifyConsistency(0, 0, empty, empty, List.of()));
        assertFalse(MerkleProofs.verifyConsistency(5, 5, r5, r1, List.of()));
        assertFalse(MerkleProofs.verifyConsistency(5, 5, r5, r5, List.of(r5)));
        // From the empty tree: RFC 9162 defines no proof.
        assertFalse(MerkleProofs.verifyConsistency(0, 5, empty, r5, List.of()));
        assertFalse(MerkleProofs.verifyConsistency(0, 5, empty, r5, List.of(r5)));
        // Backwards, negative, empty proof, malformed hashes.
        assertFalse(MerkleProofs.verifyConsistency(5, 1, r5, r1, TREE.consistencyProof(1, 5)));
        assertFalse(MerkleProofs.verifyConsistency(-1, 5, r1, r5, TREE.consistencyProof(1, 5)));
        assertFalse(MerkleProofs.verifyConsistency(1, 5, r1, r5, List.of()));
        assertFalse(MerkleProofs.verifyConsistency(1, 5, r1, r5, null));
        assertFalse(MerkleProofs.verifyConsistency(1, 5, null, r5, TREE.consistencyProof(1, 5)));
        assertFalse(MerkleProofs.verifyConsistency(1, 5, r1, new byte[32], TREE.consistencyProof(1, 5)));
        List<byte[]> withShort = new ArrayList<>(TREE.consistencyProof(1, 5));
        withShort.set(0, new byte[16]);
        assertFalse(MerkleProofs.verifyConsistency(1, 5, r1, r5, withShort));
        assertTrue(MerkleProofs.verifyConsistency(1, 5, r1, r5, TREE.consistencyProof(1, 5)));
    }

    private static List<byte[]> flip(List<byte[]> proof, int element, int b, int mask) {
        List<byte[]> out = new ArrayList<>(proof);
        out.set(element, flip(proof.get(element), b, mask));
        return out;
    }

    private static byte[] flip(byte[] h, int b, int mask) {
        byte[] out = h.clone();
        out[b] ^= (byte) mask;
        return out;
    }
}
