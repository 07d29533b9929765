package org.agenthypervisor.core.merkle;

import java.security.MessageDigest;
import java.util.List;

/**
 * Stateless verifiers of RFC 9162 proofs, usable by anyone who holds a tree head (size and root)
 * and nothing else of the log.
 *
 * <p>They implement RFC 9162 §2.1.3.2 and §2.1.4.2 step by step. They never throw on untrusted
 * input: a {@code null}, a hash that is not 32 bytes, a size out of range or a proof of the wrong
 * length is simply {@code false}.
 *
 * <p>Note what a proof does <em>not</em> bind: the RFC algorithms take the tree size from the
 * verifier, and a proof for one size can also verify against the same root under another size whose
 * tree has the same shape along that path (index 0 of a 3-leaf tree and of a 4-leaf tree, for
 * instance). That is harmless because the size comes from the same signed tree head as the root; a
 * caller must never take the size from the proof's sender separately from the signed head.
 */
public final class MerkleProofs {
    private static final int HASH = MerkleHash.SIZE;

    private MerkleProofs() {}

    /**
     * RFC 9162 §2.1.3.2: does {@code proof} show that {@code leafHash} is leaf {@code index} of the
     * tree of {@code treeSize} leaves whose root is {@code root}?
     */
    public static boolean verifyInclusion(byte[] leafHash, long index, long treeSize, List<byte[]> proof,
            byte[] root) {
        byte[] computed = rootFromInclusionProof(leafHash, index, treeSize, proof);
        return computed != null && isHash(root) && MessageDigest.isEqual(computed, root);
    }

    /**
     * The root that {@code proof} implies for leaf {@code index} of a {@code treeSize}-leaf tree, or
     * {@code null} if the proof is malformed for that index and size. Useful to report which root a
     * bad proof leads to.
     */
    public static byte[] rootFromInclusionProof(byte[] leafHash, long index, long treeSize, List<byte[]> proof) {
        // Step 1: leaf_index >= tree_size fails.
        if (!isHash(leafHash) || proof == null || index < 0 || index >= treeSize) {
            return null;
        }
        // Step 2-3.
        long fn = index;
        long sn = treeSize - 1;
        byte[] r = leafHash;
        // Step 4.
        for (byte[] p : proof) {
            if (!isHash(p) || sn == 0) {
                return null;
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = MerkleHash.node(p, r);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>>= 1;
                        sn >>>= 1;
                    }
                }
            } else {
                r = MerkleHash.node(r, p);
            }
            fn >>>= 1;
            sn >>>= 1;
        }
        // Step 5: sn must be 0, else the proof was too short.
        return sn == 0 ? r : null;
    }

    /**
     * RFC 9162 §2.1.4.2: does {@code proof} show that the tree of {@code oldSize} leaves with root
     * {@code oldRoot} is a prefix of the tree of {@code newSize} leaves with root {@code newRoot}?
     *
     * <p>Outside the RFC's {@code 0 < oldSize < newSize}: equal sizes verify iff the proof is empty and
     * the roots are equal (RFC 6962's SUBPROOF(m, D[m], true) is empty); {@code oldSize == 0} with
     * {@code newSize > 0} is {@code false}, because RFC 9162 defines no proof from the empty tree (a
     * verifier that holds the empty tree head needs none); {@code oldSize > newSize} is {@code false}.
     */
    public static boolean verifyConsistency(long oldSize, long newSize, byte[] oldRoot, byte[] newRoot,
            List<byte[]> proof) {
        if (!isHash(oldRoot) || !isHash(newRoot) || proof == null || oldSize < 0 || oldSize > newSize) {
            return false;
        }
        if (oldSize == newSize) {
            return proof.isEmpty() && MessageDigest.isEqual(oldRoot, newRoot);
        }
        if (oldSize == 0) {
            return false;
        }
        // Step 1.
        if (proof.isEmpty()) {
            return false;
        }
        for (byte[] c : proof) {
            if (!isHash(c)) {
                return false;
            }
        }
        // Step 2: when the old tree is a complete subtree, its root is the first node of the path.
        boolean prependOld = Long.bitCount(oldSize) == 1;
        int first = prependOld ? -1 : 0;
        // Step 3.
        long fn = oldSize - 1;
        long sn = newSize - 1;
        // Step 4.
        while ((fn & 1) == 1) {
            fn >>>= 1;
            sn >>>= 1;
        }
        // Step 5.
        byte[] fr = prependOld ? oldRoot : proof.get(0);
        byte[] sr = fr;
        // Step 6.
        for (int i = first + 1; i < proof.size(); i++) {
            byte[] c = proof.get(i);
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                fr = MerkleHash.node(c, fr);
                sr = MerkleHash.node(c, sr);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>>= 1;
                        sn >>>= 1;
                    }
                }
            } else {
                sr = MerkleHash.node(sr, c);
            }
            fn >>>= 1;
            sn >>>= 1;
        }
        // Step 7.
        return sn == 0 && MessageDigest.isEqual(fr, oldRoot) && MessageDigest.isEqual(sr, newRoot);
    }

    private static boolean isHash(byte[] h) {
        return h != null && h.length == HASH;
    }
}
