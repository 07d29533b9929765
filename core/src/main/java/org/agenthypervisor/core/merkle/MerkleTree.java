package org.agenthypervisor.core.merkle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An append-only RFC 9162 Merkle tree of leaf hashes, in memory, that answers roots, inclusion proofs
 * and consistency proofs for its current size and for every past size.
 *
 * <p><b>Storage.</b> Level {@code k} keeps the hash of every <em>complete</em> subtree of
 * {@code 2^k} leaves, in order: node {@code j} of level {@code k} covers leaves
 * {@code [j·2^k, (j+1)·2^k)}. Such a node never changes once its last leaf is appended, so it is
 * valid for every later size. Any RFC 9162 subtree that is not complete lies on the right border and
 * is rebuilt from at most {@code log2 n} stored nodes. Hence: an append costs one stored leaf plus, on
 * average, one node hash; {@code root(n)} costs at most {@code log2 n} node hashes; a proof costs
 * {@code O(log n)} lookups and at most {@code log2 n} hashes. Memory is about 64 bytes per leaf
 * (32 for the leaf, 32 for all the levels above it together): 64 MB per million leaves. Storage grows
 * in chunks, starting small, so a tree of a handful of leaves (a session's deltas) stays tiny.
 *
 * <p><b>Thread safety.</b> {@link #append} is serialized by the tree's lock. Every reading method is
 * lock-free and may run concurrently with an append: it reads the published size once (a volatile
 * read) and only touches nodes that were complete before that size was published, which are never
 * written again. A reader that asks for a size larger than it has observed through {@link #size()}
 * gets an {@link IllegalArgumentException}, never a torn answer.
 */
public final class MerkleTree {
    private static final int HASH = MerkleHash.SIZE;

    /** {@code levels[k]}: the complete subtrees of {@code 2^k} leaves; created on first use. */
    private final HashList[] levels = new HashList[64];
    /** Number of leaves; written after the nodes it makes visible (safe publication). */
    private volatile long size;
    /**
     * Leaves below {@code base} are not held, only the frontier pieces of that size ({@link #extending}):
     * a node below it is known only if it is one of those pieces.
     */
    private long base;

    /** An empty tree. */
    public MerkleTree() {
        levels[0] = new HashList();
    }

    /**
     * Appends a leaf hash (usually {@link MerkleHash#leaf(byte[])} of a record) and returns its index.
     *
     * @throws IllegalArgumentException if {@code leafHash} is not 32 bytes
     */
    public synchronized long append(byte[] leafHash) {
        if (leafHash.length != HASH) {
            throw new IllegalArgumentException("a leaf hash is " + HASH + " bytes, got " + leafHash.length);
        }
        long index = size;
        levels[0].set(index, leafHash, 0);
        // Every time the new leaf completes a subtree (its index is odd on that level), hash the
        // completed pair one level up. On average this runs once per append.
        long j = index;
        int level = 0;
        while ((j & 1) == 1) {
            HashList below = levels[level];
            byte[] parent = MerkleHash.node(below.chunkFor(j - 1), below.offsetFor(j - 1),
                    below.chunkFor(j), below.offsetFor(j));
            j >>>= 1;
            level++;
            if (levels[level] == null) {
                levels[level] = new HashList();
            }
            levels[level].set(j, parent, 0);
        }
        size = index + 1;
        return index;
    }

    /**
     * A tree of {@code size} leaves known only by its frontier (the roots of its complete subtrees, largest
     * first, as {@link MerkleFrontier#pieces()} gives them), to be extended by {@link #append}. Roots and
     * proofs that need only those pieces and later leaves work: every root from {@code size} on, the
     * inclusion proof of every later leaf, consistency proofs from {@code size} or later. Anything that
     * needs a node below {@code size} other than a piece throws {@link IllegalArgumentException}.
     */
    public static MerkleTree extending(long size, List<byte[]> pieces) {
        if (size < 0 || pieces.size() != Long.bitCount(size)) {
            throw new IllegalArgumentException("a tree of " + size + " leaves has " + Long.bitCount(size)
                    + " frontier piece(s), got " + pieces.size());
        }
        MerkleTree t = new MerkleTree();
        long start = 0;
        int i = 0;
        for (int level = 63; level >= 0; level--) {
            if ((size & (1L << level)) != 0) {
                byte[] piece = pieces.get(i++);
                if (piece.length != HASH) {
                    throw new IllegalArgumentException("a frontier piece is " + HASH + " bytes, got " + piece.length);
                }
                if (t.levels[level] == null) {
                    t.levels[level] = new HashList();
                }
                t.levels[level].set(start >>> level, piece, 0);
                start += 1L << level;
            }
        }
        t.base = size;
        t.size = size;
        return t;
    }

    /** The first leaf this tree holds (0 unless it was made by {@link #extending}). */
    public long base() {
        return base;
    }

    /** Throws unless the complete subtree of 2^level leaves from {@code start} is held. */
    private void need(int level, long start) {
        if (start + (1L << level) > base) {
            return; // holds a leaf appended after base: it was hashed from the pieces and those leaves
        }
        long pieceStart = (base >>> (level + 1)) << (level + 1);
        if ((base & (1L << level)) != 0 && start == pieceStart) {
            return;
        }
        throw new IllegalArgumentException("this needs the subtree of leaves [" + start + ", " + (start + (1L << level))
                + "), below leaf " + base + " from which this tree was extended: those leaves are not held");
    }

    /** Hashes {@code record} as a leaf ({@link MerkleHash#leaf(byte[])}), appends it and returns its index. */
    public long appendRecord(byte[] record) {
        return append(MerkleHash.leaf(record));
    }

    /** The number of leaves. */
    public long size() {
        return size;
    }

    /** The hash of leaf {@code index}. */
    public byte[] leafHash(long index) {
        long n = size;
        if (index < 0 || index >= n) {
            throw new IllegalArgumentException("leaf index " + index + " outside [0, " + n + ")");
        }
        need(0, index);
        return levels[0].get(index);
    }

    /** The root of the tree at its current size ({@link MerkleHash#empty()} when empty). */
    public byte[] root() {
        return root(size);
    }

    /**
     * The root the tree had when it held {@code treeSize} leaves.
     *
     * @throws IllegalArgumentException unless {@code 0 <= treeSize <= size()}
     */
    public byte[] root(long treeSize) {
        checkSize(treeSize);
        return treeSize == 0 ? MerkleHash.empty() : subtree(0, treeSize);
    }

    /**
     * The RFC 9162 §2.1.3.1 inclusion proof (audit path) of leaf {@code index} in the tree of
     * {@code treeSize} leaves: sibling hashes from the leaf's level up to the root.
     *
     * @throws IllegalArgumentException unless {@code 0 <= index < treeSize <= size()}
     */
    public List<byte[]> inclusionProof(long index, long treeSize) {
        checkSize(treeSize);
        if (index < 0 || index >= treeSize) {
            throw new IllegalArgumentException("leaf index " + index + " outside [0, " + treeSize + ")");
        }
        List<byte[]> proof = new ArrayList<>(64);
        path(index, 0, treeSize, proof);
        return proof;
    }

    /**
     * The RFC 9162 §2.1.4.1 consistency proof that the tree of {@code oldSize} leaves is a prefix of
     * the tree of {@code newSize} leaves. Empty when the sizes are equal.
     *
     * @throws IllegalArgumentException unless {@code 0 < oldSize <= newSize <= size()}; RFC 9162
     *     defines no proof from the empty tree (every tree trivially extends it)
     */
    public List<byte[]> consistencyProof(long oldSize, long newSize) {
        checkSize(newSize);
        if (oldSize <= 0 || oldSize > newSize) {
            throw new IllegalArgumentException("consistency needs 0 < oldSize <= newSize, got oldSize "
                    + oldSize + " and newSize " + newSize);
        }
        List<byte[]> proof = new ArrayList<>(64);
        if (oldSize < newSize) {
            subproof(oldSize, 0, newSize, true, proof);
        }
        return proof;
    }

    private void checkSize(long treeSize) {
        long n = size;
        if (treeSize < 0 || treeSize > n) {
            throw new IllegalArgumentException("tree size " + treeSize + " outside [0, " + n + "]");
        }
    }

    /** RFC 9162 PATH(m, D[start:start+n]) with m relative to start, appended deepest first. */
    private void path(long m, long start, long n, List<byte[]> out) {
        if (n == 1) {
            return;
        }
        long k = largestPowerOfTwoBelow(n);
        if (m < k) {
            path(m, start, k, out);
            out.add(subtree(start + k, n - k));
        } else {
            path(m - k, start + k, n - k, out);
            out.add(subtree(start, k));
        }
    }

    /** RFC 9162 SUBPROOF(m, D[start:start+n], b). */
    private void subproof(long m, long start, long n, boolean b, List<byte[]> out) {
        if (m == n) {
            if (!b) {
                out.add(subtree(start, n));
            }
            return;
        }
        long k = largestPowerOfTwoBelow(n);
        if (m <= k) {
            subproof(m, start, k, b, out);
            out.add(subtree(start + k, n - k));
        } else {
            subproof(m - k, start + k, n - k, false, out);
            out.add(subtree(start, k));
        }
    }

    /**
     * MTH(D[start:start+n]) for n >= 1. Every call made by the RFC recursions has {@code start} a
     * multiple of the largest power of two not above {@code n}, so the left-most complete pieces are
     * stored nodes; only the right border is rehashed.
     */
    private byte[] subtree(long start, long n) {
        if (Long.bitCount(n) == 1) {
            int level = Long.numberOfTrailingZeros(n);
            need(level, start);
            return levels[level].get(start >>> level);
        }
        // n = 2^a + 2^b + ... (a > b > ...): the tree is node(P_a, node(P_b, ...)) where P_x is the
        // complete subtree of 2^x leaves; fold from the right.
        int pieces = Long.bitCount(n);
        long[] starts = new long[pieces];
        int[] lvls = new int[pieces];
        long s = start;
        int i = 0;
        for (int level = 63; level >= 0; level--) {
            if ((n & (1L << level)) != 0) {
                starts[i] = s;
                lvls[i] = level;
                need(level, s);
                s += 1L << level;
                i++;
            }
        }
        HashList last = levels[lvls[pieces - 1]];
        long lastIndex = starts[pieces - 1] >>> lvls[pieces - 1];
        byte[] acc = MerkleHash.node(levels[lvls[pieces - 2]].chunkFor(starts[pieces - 2] >>> lvls[pieces - 2]),
                levels[lvls[pieces - 2]].offsetFor(starts[pieces - 2] >>> lvls[pieces - 2]),
                last.chunkFor(lastIndex), last.offsetFor(lastIndex));
        for (int p = pieces - 3; p >= 0; p--) {
            HashList list = levels[lvls[p]];
            long index = starts[p] >>> lvls[p];
            acc = MerkleHash.node(list.chunkFor(index), list.offsetFor(index), acc, 0);
        }
        return acc;
    }

    static long largestPowerOfTwoBelow(long n) {
        return Long.highestOneBit(n - 1);
    }

    @Override
    public String toString() {
        return "MerkleTree[size=" + size + "]";
    }

    /**
     * A growable list of 32-byte hashes in chunks of {@value #CHUNK} hashes. The first chunk starts
     * small and doubles up to the full chunk size; later chunks are allocated full. Nothing is ever
     * moved except while the first chunk grows, and the old copy stays valid for racing readers.
     */
    private static final class HashList {
        private static final int CHUNK_BITS = 12;
        private static final int CHUNK = 1 << CHUNK_BITS;
        private static final int FIRST_CHUNK = 8;

        private volatile byte[][] chunks = {new byte[FIRST_CHUNK * HASH]};

        void set(long index, byte[] hash, int offset) {
            int c = (int) (index >>> CHUNK_BITS);
            int within = (int) (index & (CHUNK - 1));
            byte[][] cs = chunks;
            if (c >= cs.length) {
                cs = Arrays.copyOf(cs, Math.max(c + 1, cs.length * 2));
                chunks = cs;
            }
            byte[] chunk = cs[c];
            if (chunk == null) {
                chunk = new byte[CHUNK * HASH];
                cs[c] = chunk;
            } else if (chunk.length < (within + 1) * HASH) {
                chunk = Arrays.copyOf(chunk, Math.min(CHUNK, Math.max(within + 1, chunk.length / HASH * 2)) * HASH);
                cs[c] = chunk;
            }
            System.arraycopy(hash, offset, chunk, within * HASH, HASH);
        }

        byte[] chunkFor(long index) {
            return chunks[(int) (index >>> CHUNK_BITS)];
        }

        int offsetFor(long index) {
            return (int) (index & (CHUNK - 1)) * HASH;
        }

        byte[] get(long index) {
            byte[] chunk = chunkFor(index);
            int off = offsetFor(index);
            return Arrays.copyOfRange(chunk, off, off + HASH);
        }
    }
}
