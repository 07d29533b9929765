package org.agenthypervisor.agent.cache;

import org.agenthypervisor.core.crypto.PolynomialMac;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Feeds a class file to a keyed digest with its methods in a canonical order. HotSpot keeps a class's
 * methods sorted by the addresses of their name symbols, which differ from run to run (the symbols
 * come from allocated memory), and a class file reconstituted for a retransformation lists them in
 * that order: the same JDK class reached the woven-class cache as two or three byte arrays, and a
 * warm start now and then wove one of them afresh. Methods are keyed here in an order that depends
 * only on their contents (their CRC-32C, then their bytes: comparing whole methods byte by byte cost
 * more than checksumming them, in a JVM that has compiled nothing yet); everything else (the constant
 * pool, the fields and their order, the attributes) as it is. Two class files with the same digest
 * thus differ at most in the order of their methods, which no retransformation or class definition
 * depends on.
 */
final class ClassFileDigest {
    private ClassFileDigest() {
    }

    /** Digests {@code classFile}, canonically when it parses as a class file, else its bytes as they are. */
    static void update(PolynomialMac.Session digest, byte[] classFile) {
        int[][] methods;
        int methodsAt;
        int attributesAt;
        try {
            int p = ConstantPool.end(classFile) + 6;                // access flags, this, super
            p += 2 + 2 * u2(classFile, p);                          // interfaces
            int fields = u2(classFile, p);
            p += 2;
            for (int i = 0; i < fields; i++) {
                p = skipMember(classFile, p);
            }
            methodsAt = p;
            int count = u2(classFile, p);
            p += 2;
            methods = new int[count][];
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            for (int i = 0; i < count; i++) {
                int end = skipMember(classFile, p);
                crc.reset();
                crc.update(classFile, p, end - p);
                methods[i] = new int[] {p, end, (int) crc.getValue()};
                p = end;
            }
            attributesAt = p;
            if (p > classFile.length) {
                throw new IllegalArgumentException("truncated");
            }
        } catch (RuntimeException notAClassFile) {
            digest.update((byte) 0); // the raw form, told apart from the canonical one
            digest.update(classFile);
            return;
        }
        digest.update((byte) 1);
        digest.update(classFile, 0, methodsAt + 2);
        List<int[]> sorted = new ArrayList<>(Arrays.asList(methods));
        sorted.sort(new ByBytes(classFile));
        for (int[] method : sorted) {
            digest.update(classFile, method[0], method[1] - method[0]);
        }
        digest.update(classFile, attributesAt, classFile.length - attributesAt);
    }

    /**
     * Members ({start, end, CRC-32C} in the class file) in the order of their checksums, then of their
     * bytes: a total order on their contents, so any order of the same methods sorts the same. A class,
     * not a lambda, for start-up's sake.
     */
    private static final class ByBytes implements java.util.Comparator<int[]> {
        private final byte[] classFile;

        ByBytes(byte[] classFile) {
            this.classFile = classFile;
        }

        @Override
        public int compare(int[] a, int[] b) {
            // By checksum first (intrinsic, cheap before anything is compiled), by bytes only when equal.
            int byChecksum = Integer.compare(a[2], b[2]);
            return byChecksum != 0 ? byChecksum : Arrays.compare(classFile, a[0], a[1], classFile, b[0], b[1]);
        }
    }

    /** The offset after a field_info or method_info at {@code p}. */
    private static int skipMember(byte[] b, int p) {
        int attributes = u2(b, p + 6);
        p += 8;
        for (int i = 0; i < attributes; i++) {
            long length = u4(b, p + 2);
            if (length > b.length) {
                throw new IllegalArgumentException("attribute longer than the class file");
            }
            p += 6 + (int) length;
        }
        if (p > b.length) {
            throw new IllegalArgumentException("truncated");
        }
        return p;
    }

    private static int u2(byte[] b, int p) {
        return (b[p] & 0xFF) << 8 | (b[p + 1] & 0xFF);
    }

    private static long u4(byte[] b, int p) {
        return ((long) (b[p] & 0xFF) << 24) | (b[p + 1] & 0xFF) << 16 | (b[p + 2] & 0xFF) << 8 | (b[p + 3] & 0xFF);
    }
}
