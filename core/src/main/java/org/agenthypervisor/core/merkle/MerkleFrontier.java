package org.agenthypervisor.core.merkle;

import java.util.Arrays;

/**
 * The right edge of an append-only RFC 9162 tree: just enough to compute its root after every append,
 * in {@code O(log n)} memory. It holds the root of each maximal complete subtree (one per set bit of the
 * size, largest first), like a binary counter: appending a leaf merges equal-sized subtrees, one node
 * hash per append on average; the root folds the at most {@code log2 n} pieces from the right, which is
 * exactly RFC 9162's {@code MTH} (the left part of every split is the largest complete subtree).
 *
 * <p>The audit log's writer keeps one of these instead of a {@link MerkleTree}: it only ever needs the
 * current root (to sign a tree head), so it should not hold 64 bytes per record forever. Proofs are
 * built by the command line from the records, with a {@link MerkleTree}.
 *
 * <p>Not thread-safe: one owner (a writer thread, a verifier).
 */
public final class MerkleFrontier {
    private static final int HASH = MerkleHash.SIZE;

    /** {@code pieces[i]}: root of the i-th complete subtree from the left; {@code count} of them in use. */
    private byte[][] pieces = new byte[8][];
    private int count;
    private long size;

    /** An empty frontier. */
    public MerkleFrontier() {}

    /**
     * The frontier of a tree of {@code size} leaves from its pieces (as {@link #pieces()} gives them:
     * one root per set bit of {@code size}, largest subtree first). Lets a tree be extended from a
     * signed checkpoint without its leaves; check {@link #root()} against the signed root.
     *
     * @throws IllegalArgumentException if the number of pieces is not the number of set bits of size,
     *                                  or a piece is not 32 bytes
     */
    public static MerkleFrontier of(long size, java.util.List<byte[]> pieces) {
        if (size < 0) {
            throw new IllegalArgumentException("tree size " + size + " < 0");
        }
        if (pieces.size() != Long.bitCount(size)) {
            throw new IllegalArgumentException("a tree of " + size + " leaves has " + Long.bitCount(size)
                    + " frontier piece(s), got " + pieces.size());
        }
        MerkleFrontier f = new MerkleFrontier();
        f.pieces = new byte[Math.max(8, pieces.size() + 1)][];
        for (byte[] p : pieces) {
            if (p.length != HASH) {
                throw new IllegalArgumentException("a frontier piece is " + HASH + " bytes, got " + p.length);
            }
            f.pieces[f.count++] = p.clone();
        }
        f.size = size;
        return f;
    }

    /** The roots of the complete subtrees, largest (leftmost) first: copies. */
    public java.util.List<byte[]> pieces() {
        java.util.List<byte[]> out = new java.util.ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(pieces[i].clone());
        }
        return out;
    }

    /** An independent copy. */
    public MerkleFrontier copy() {
        return of(size, pieces());
    }

    /** Appends a leaf hash (32 bytes, usually {@link MerkleHash#leaf}); returns its index. */
    public long append(byte[] leafHash) {
        if (leafHash.length != HASH) {
            throw new IllegalArgumentException("a leaf hash is " + HASH + " bytes, got " + leafHash.length);
        }
        long index = size;
        byte[] carry = leafHash;
        // Each trailing one bit of the old size is a complete subtree of the same size as carry: merge.
        for (long s = index; (s & 1) == 1; s >>>= 1) {
            carry = MerkleHash.node(pieces[--count], carry);
        }
        if (count == pieces.length) {
            pieces = Arrays.copyOf(pieces, count * 2);
        }
        pieces[count++] = carry;
        size = index + 1;
        return index;
    }

    /** Hashes {@code record} as a leaf and appends it; returns its index. */
    public long appendRecord(byte[] record) {
        return append(MerkleHash.leaf(record));
    }

    /** The number of leaves. */
    public long size() {
        return size;
    }

    /** The root at the current size; {@link MerkleHash#empty()} when empty. */
    public byte[] root() {
        if (count == 0) {
            return MerkleHash.empty();
        }
        byte[] acc = pieces[count - 1];
        for (int i = count - 2; i >= 0; i--) {
            acc = MerkleHash.node(pieces[i], acc);
        }
        return acc == pieces[count - 1] ? acc.clone() : acc;
    }

    @Override
    public String toString() {
        return "MerkleFrontier[size=" + size + "]";
    }
}
