package org.agenthypervisor.core.merkle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Issue 5's "done means": inclusion and consistency proofs verify for every tree size from 1 to 1,000
 * and fail for a wrong leaf. Exhaustive over the sizes (1,000 tries), and within each size over every
 * index and every older size; the frontier the audit writer keeps gives the same root as the tree.
 */
class EverySizeProperties {
    private static final int MAX = 1000;
    private static final List<byte[]> LEAVES = NaiveMerkle.distinctLeaves(MAX);
    private static final MerkleTree TREE = MerkleTreeTest.treeOf(LEAVES);
    /** The same leaves with leaf 0 replaced: its root differs at every size. */
    private static final MerkleTree EDITED = edited();

    private static MerkleTree edited() {
        List<byte[]> leaves = new java.util.ArrayList<>(LEAVES);
        byte[] first = leaves.get(0).clone();
        first[5] ^= 0x40;
        leaves.set(0, first);
        return MerkleTreeTest.treeOf(leaves);
    }

    @Property(tries = MAX, generation = GenerationMode.EXHAUSTIVE)
    void inclusionProofsVerifyForEveryIndexAndFailForAWrongLeaf(@ForAll @IntRange(min = 1, max = MAX) int n) {
        byte[] root = TREE.root(n);
        for (int i = 0; i < n; i++) {
            List<byte[]> proof = TREE.inclusionProof(i, n);
            assertTrue(MerkleProofs.verifyInclusion(LEAVES.get(i), i, n, proof, root), "size " + n + " index " + i);
            byte[] wrong = LEAVES.get((i + 1) % MAX);
            assertFalse(MerkleProofs.verifyInclusion(wrong, i, n, proof, root), "wrong leaf, size " + n + " index " + i);
            byte[] flipped = LEAVES.get(i).clone();
            flipped[i % 32] ^= 1;
            assertFalse(MerkleProofs.verifyInclusion(flipped, i, n, proof, root), "edited leaf, size " + n + " index " + i);
        }
    }

    @Property(tries = MAX, generation = GenerationMode.EXHAUSTIVE)
    void consistencyProofsVerifyFromEveryOlderSizeAndFailForAWrongLeaf(@ForAll @IntRange(min = 1, max = MAX) int n) {
        byte[] root = TREE.root(n);
        for (int m = 1; m <= n; m++) {
            List<byte[]> proof = TREE.consistencyProof(m, n);
            byte[] oldRoot = TREE.root(m);
            assertTrue(MerkleProofs.verifyConsistency(m, n, oldRoot, root, proof), m + " -> " + n);
            // The old tree with a wrong leaf is not a prefix of the new tree, nor the reverse.
            assertFalse(MerkleProofs.verifyConsistency(m, n, EDITED.root(m), root, proof), "wrong old leaf " + m + " -> " + n);
            assertFalse(MerkleProofs.verifyConsistency(m, n, oldRoot, EDITED.root(n), proof), "wrong new leaf " + m + " -> " + n);
        }
    }

    @Property(tries = MAX, generation = GenerationMode.EXHAUSTIVE)
    void theFrontierHasTheTreesRoot(@ForAll @IntRange(min = 0, max = MAX) int n) {
        MerkleFrontier f = new MerkleFrontier();
        for (int i = 0; i < n; i++) {
            f.append(LEAVES.get(i));
        }
        assertArrayEquals(TREE.root(n), f.root());
    }
}
