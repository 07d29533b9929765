package org.agenthypervisor.core.crypto;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;

/**
 * Unpredictable bytes for the secrets a start makes (the gate's per-site keys, the boot id):
 * read from the kernel's {@code /dev/urandom} where there is one, which is what the JDK's default
 * {@code SecureRandom} reads on Linux and macOS, without the JDK's provider framework and its ~40 ms
 * first use (see {@link Sha256}); a {@link SecureRandom} elsewhere, or if the device cannot be read.
 * Signing keys are still made from a {@code SecureRandom} ({@link Ed25519#generate()}).
 *
 * <p>Thread-safe. Bytes are read in blocks of {@value #BLOCK} and each is handed out once.
 */
public final class Entropy {
    private static final int BLOCK = 256;
    private static final String DEVICE = "/dev/urandom";

    private static final byte[] buffer = new byte[BLOCK];
    private static int available;
    private static InputStream device;
    private static boolean deviceFailed;
    private static SecureRandom fallback;

    private Entropy() {
    }

    /** Fills {@code out} with unpredictable bytes. */
    public static synchronized void nextBytes(byte[] out) {
        int filled = 0;
        while (filled < out.length) {
            if (available == 0 && !refill()) {
                fallback().nextBytes(out); // the whole request from one source
                return;
            }
            int n = Math.min(available, out.length - filled);
            int from = BLOCK - available;
            System.arraycopy(buffer, from, out, filled, n);
            java.util.Arrays.fill(buffer, from, from + n, (byte) 0); // never handed out twice
            available -= n;
            filled += n;
        }
    }

    /** An unpredictable long. */
    public static long nextLong() {
        byte[] b = new byte[8];
        nextBytes(b);
        long v = 0;
        for (byte x : b) {
            v = (v << 8) | (x & 0xFF);
        }
        return v;
    }

    private static boolean refill() {
        if (deviceFailed) {
            return false;
        }
        try {
            if (device == null) {
                if (!new java.io.File(DEVICE).canRead()) {
                    deviceFailed = true;
                    return false;
                }
                device = new FileInputStream(DEVICE);
            }
            int n = device.readNBytes(buffer, 0, BLOCK);
            if (n == BLOCK) {
                available = BLOCK;
                return true;
            }
        } catch (IOException | SecurityException unreadable) {
            // the fallback below
        }
        deviceFailed = true;
        java.util.Arrays.fill(buffer, (byte) 0);
        return false;
    }

    private static SecureRandom fallback() {
        if (fallback == null) {
            fallback = new SecureRandom();
        }
        return fallback;
    }
}
