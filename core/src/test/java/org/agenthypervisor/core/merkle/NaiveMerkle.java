package org.agenthypervisor.core.merkle;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The RFC 6962/9162 definitions transcribed literally (recursive, O(n) per call), as the reference the
 * real implementation is compared with. Hashes with its own MessageDigest, not MerkleHash.
 */
final class NaiveMerkle {
    private NaiveMerkle() {}

    static byte[] sha256(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                md.update(p);
            }
            return md.digest();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static byte[] leaf(byte[] d) {
        return sha256(new byte[] {0}, d);
    }

    static byte[] node(byte[] l, byte[] r) {
        return sha256(new byte[] {1}, l, r);
    }

    static long k(long n) {
        long k = 1;
        while (k * 2 < n) {
            k *= 2;
        }
        return k;
    }

    /** MTH(D[from:to]) over leaf hashes. */
    static byte[] mth(List<byte[]> leafHashes, int from, int to) {
        int n = to - from;
        if (n == 0) {
            return sha256();
        }
        if (n == 1) {
            return leafHashes.get(from);
        }
        int k = (int) k(n);
        return node(mth(leafHashes, from, from + k), mth(leafHashes, from + k, to));
    }

    /** PATH(m, D[from:to]). */
    static List<byte[]> path(int m, List<byte[]> d, int from, int to) {
        int n = to - from;
        List<byte[]> out = new ArrayList<>();
        if (n <= 1) {
            return out;
        }
        int k = (int) k(n);
        if (m < k) {
            out.addAll(path(m, d, from, from + k));
            out.add(mth(d, from + k, to));
        } else {
            out.addAll(path(m - k, d, from + k, to));
            out.add(mth(d, from, from + k));
        }
        return out;
    }

    /** PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
    static List<byte[]> proof(int m, List<byte[]> d, int n) {
        return subproof(m, d, 0, n, true);
    }

    private static List<byte[]> subproof(int m, List<byte[]> d, int from, int to, boolean b) {
        int n = to - from;
        List<byte[]> out = new ArrayList<>();
        if (m == n) {
            if (!b) {
                out.add(mth(d, from, to));
            }
            return out;
        }
        int k = (int) k(n);
        if (m <= k) {
            out.addAll(subproof(m, d, from, from + k, b));
            out.add(mth(d, from + k, to));
        } else {
            out.addAll(subproof(m - k, d, from + k, to, false));
            out.add(mth(d, from, from + k));
        }
        return out;
    }

    /**
     * For each element of PATH(m, D[n]), whether it is a left sibling (hashed as node(p, r)): the
     * "shape" the verifier follows. Derived from the PATH recursion, not from the RFC 9162 verifier.
     */
    static List<Boolean> pathShape(long m, long n) {
        List<Boolean> out = new ArrayList<>();
        if (n <= 1) {
            return out;
        }
        long k = k(n);
        if (m < k) {
            out.addAll(pathShape(m, k));
            out.add(false);
        } else {
            out.addAll(pathShape(m - k, n - k));
            out.add(true);
        }
        return out;
    }

    /** Distinct leaf hashes: leaf i holds the UTF-8 bytes of "record-i". */
    static List<byte[]> distinctLeaves(int n) {
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(leaf(("record-" + i).getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }
}
