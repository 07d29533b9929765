package org.agenthypervisor.agent.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.agenthypervisor.core.crypto.PolynomialMac;
import org.junit.jupiter.api.Test;

/**
 * A class file whose methods come in another order (as HotSpot reconstitutes a JDK class for a
 * retransformation, in an order that differs from run to run) digests the same; any other change
 * does not.
 */
class ClassFileDigestTest {

    private static byte[] classFile(String name) throws IOException {
        try (InputStream in = Object.class.getResourceAsStream("/" + name.replace('.', '/') + ".class")) {
            return in.readAllBytes();
        }
    }

    private static byte[] digest(byte[] classFile) throws Exception {
        PolynomialMac.Session d = new PolynomialMac(new byte[32]).begin();
        ClassFileDigest.update(d, classFile);
        return d.finish(new byte[0]);
    }

    private static int u2(byte[] b, int p) {
        return (b[p] & 0xFF) << 8 | (b[p + 1] & 0xFF);
    }

    /** {start, end} of each member (field_info or method_info) of the table at {@code p}, and the table's end. */
    private static int[][] members(byte[] b, int p) {
        int count = u2(b, p);
        int[][] out = new int[count + 1][];
        p += 2;
        for (int i = 0; i < count; i++) {
            int start = p;
            int attributes = u2(b, p + 6);
            p += 8;
            for (int a = 0; a < attributes; a++) {
                int length = (b[p + 2] & 0xFF) << 24 | (b[p + 3] & 0xFF) << 16 | (b[p + 4] & 0xFF) << 8 | (b[p + 5] & 0xFF);
                p += 6 + length;
            }
            out[i] = new int[] {start, p};
        }
        out[count] = new int[] {p, p};
        return out;
    }

    /** The class file with members {@code i} and {@code j} (i < j) of the table at {@code table} swapped. */
    private static byte[] swap(byte[] b, int table, int i, int j) {
        int[][] m = members(b, table);
        byte[] out = new byte[b.length];
        int at = 0;
        for (int k = 0; k < m.length - 1; k++) {
            int[] from = m[k == i ? j : k == j ? i : k];
            if (k == 0) {
                System.arraycopy(b, 0, out, 0, m[0][0]);
                at = m[0][0];
            }
            System.arraycopy(b, from[0], out, at, from[1] - from[0]);
            at += from[1] - from[0];
        }
        System.arraycopy(b, m[m.length - 1][0], out, at, b.length - m[m.length - 1][0]);
        return out;
    }

    private static int fieldsTable(byte[] b) {
        int p = ConstantPool.end(b) + 6;
        return p + 2 + 2 * u2(b, p);
    }

    private static int methodsTable(byte[] b) {
        int[][] fields = members(b, fieldsTable(b));
        return fields[fields.length - 1][0];
    }

    @Test
    void theOrderOfTheMethodsDoesNotCountAndNothingElseIsIgnored() throws Exception {
        byte[] original = classFile("java.util.concurrent.ThreadPoolExecutor");
        int methods = methodsTable(original);
        byte[] reordered = swap(original, methods, 2, 40);
        assertFalse(Arrays.equals(original, reordered), "the swap changed the bytes");
        assertEquals(original.length, reordered.length);
        assertArrayEquals(digest(original), digest(reordered), "the same methods in another order");

        byte[] fieldsSwapped = swap(original, fieldsTable(original), 0, 3);
        assertFalse(Arrays.equals(digest(original), digest(fieldsSwapped)), "the order of the fields counts");

        int[][] m = members(original, methods);
        byte[] changedCode = original.clone();
        changedCode[m[5][1] - 3] ^= 1; // inside the last attribute of a method
        assertFalse(Arrays.equals(digest(original), digest(changedCode)), "a method's bytes count");

        byte[] changedAttribute = original.clone();
        changedAttribute[original.length - 1] ^= 1;
        assertFalse(Arrays.equals(digest(original), digest(changedAttribute)), "the class's attributes count");
    }

    @Test
    void whatDoesNotParseIsDigestedAsItIs() throws Exception {
        byte[] original = classFile("java.lang.Runtime");
        byte[] truncated = Arrays.copyOf(original, original.length / 2); // cut inside the methods
        PolynomialMac.Session raw = new PolynomialMac(new byte[32]).begin();
        raw.update((byte) 0);
        raw.update(truncated);
        assertArrayEquals(raw.finish(new byte[0]), digest(truncated));
        byte[] garbage = "not a class".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        raw = new PolynomialMac(new byte[32]).begin();
        raw.update((byte) 0);
        raw.update(garbage);
        assertArrayEquals(raw.finish(new byte[0]), digest(garbage));
        assertTrue(digest(original).length == 32);
    }
}
