package org.agenthypervisor.core.encoding;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.util.Arrays;

/**
 * Bad input for the fuzz properties: a valid input with one to {@code max} bytes deleted, inserted
 * or replaced at random places (jqwik shrinks towards fewer and simpler changes).
 */
public final class ByteMutations {
    private ByteMutations() {
    }

    public static Arbitrary<byte[]> of(byte[] valid, int max) {
        Arbitrary<int[]> mutation = Combinators.combine(Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, Integer.MAX_VALUE), Arbitraries.integers().between(0, 255))
                .as((kind, at, value) -> new int[] {kind, at, value});
        return mutation.list().ofMinSize(1).ofMaxSize(max).map(list -> {
            byte[] out = valid.clone();
            for (int[] m : list) {
                int at = m[1] % Math.max(1, out.length);
                if (m[0] == 0 && out.length > 0) {
                    byte[] shorter = new byte[out.length - 1];
                    System.arraycopy(out, 0, shorter, 0, at);
                    System.arraycopy(out, at + 1, shorter, at, out.length - at - 1);
                    out = shorter;
                } else if (m[0] == 1) {
                    byte[] longer = Arrays.copyOf(out, out.length + 1);
                    System.arraycopy(out, at, longer, at + 1, out.length - at);
                    longer[at] = (byte) m[2];
                    out = longer;
                } else if (m[0] == 2 && out.length > 0) {
                    out[at] = (byte) m[2];
                }
            }
            return out;
        });
    }
}
