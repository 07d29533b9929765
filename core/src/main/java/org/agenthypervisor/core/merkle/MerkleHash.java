package org.agenthypervisor.core.merkle;

import org.agenthypervisor.core.crypto.Sha256;

import java.security.MessageDigest;
import java.util.Objects;

/**
 * The RFC 9162 §2.1.1 hashes, with SHA-256: {@code leaf(d) = SHA-256(0x00 ‖ d)},
 * {@code node(l, r) = SHA-256(0x01 ‖ l ‖ r)} and {@code empty() = SHA-256("")}.
 *
 * <p>The one-byte prefixes separate leaves from interior nodes, so an interior node can never be
 * presented as a leaf (a second-preimage forgery on the tree). Every method returns a fresh 32-byte
 * array the caller may keep or modify.
 *
 * <p>Each thread reuses one {@link MessageDigest}: creating one costs about as much as hashing a node,
 * and a Merkle append hashes two or three times.
 */
public final class MerkleHash {
    /** Length in bytes of every hash. */
    public static final int SIZE = 32;

    private static final byte LEAF_PREFIX = 0x00;
    private static final byte NODE_PREFIX = 0x01;
    /**
     * A subclass, not {@code withInitial(MerkleHash::newDigest)}: each method reference costs ~0.5 ms to
     * link at start-up (issue 11).
     */
    private static final ThreadLocal<MessageDigest> SHA256 = new ThreadLocal<>() {
        @Override
        protected MessageDigest initialValue() {
            return Sha256.newDigest();
        }
    };
    private static final byte[] EMPTY = Sha256.hash(new byte[0]);

    private MerkleHash() {}

    /** The hash of a leaf holding {@code record}. */
    public static byte[] leaf(byte[] record) {
        return leaf(record, 0, record.length);
    }

    /** The hash of a leaf holding {@code record[offset, offset + length)}. */
    public static byte[] leaf(byte[] record, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, record.length);
        MessageDigest md = digest();
        md.update(LEAF_PREFIX);
        md.update(record, offset, length);
        return md.digest();
    }

    /** The hash of the interior node whose children hash to {@code left} and {@code right}. */
    public static byte[] node(byte[] left, byte[] right) {
        if (left.length != SIZE || right.length != SIZE) {
            throw new IllegalArgumentException("child hashes must be " + SIZE + " bytes, got "
                    + left.length + " and " + right.length);
        }
        return node(left, 0, right, 0);
    }

    /** {@link #node(byte[], byte[])} reading each child's 32 bytes at an offset (avoids copies). */
    static byte[] node(byte[] left, int leftOffset, byte[] right, int rightOffset) {
        MessageDigest md = digest();
        md.update(NODE_PREFIX);
        md.update(left, leftOffset, SIZE);
        md.update(right, rightOffset, SIZE);
        return md.digest();
    }

    /** The root of the empty tree, SHA-256 of the empty string. */
    public static byte[] empty() {
        return EMPTY.clone();
    }

    /** This thread's digest: the one it kept, or the JDK's once {@link Sha256} moves to it. */
    private static MessageDigest digest() {
        MessageDigest kept = SHA256.get();
        MessageDigest current = Sha256.current(kept);
        if (current != kept) {
            SHA256.set(current);
        }
        return current;
    }
}
