package org.agenthypervisor.core.crypto;

import org.bouncycastle.crypto.digests.SHA256Digest;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Every SHA-256 digest of the hypervisor. Two implementations give the same hashes:
 * <ul>
 *   <li>Bouncy Castle's {@code SHA256Digest}, plain Java, first. The JDK's digest needs the JDK's
 *       provider framework, whose first use (the security properties, the {@code SUN} provider's
 *       table of services, the OID registry) costs ~40 ms of CPU and ~60 classes: more than every
 *       hash a start computes, which a process that lives a second never earns back.</li>
 *   <li>The JDK's, once {@value #UPGRADE_AFTER} digests have been asked for: a daemon thread
 *       initialises the providers, and from then on new digests are the JDK's, whose compiled code
 *       uses the CPU's SHA instructions (4 to 7 times faster here). A long-running process pays the
 *       providers once, off the threads that hash; a short one never does.</li>
 * </ul>
 * Callers that keep a digest for reuse pass it through {@link #current} before each message, so
 * that hot paths move to the JDK's too.
 */
public final class Sha256 {
    /** Digests asked for before the JDK's providers are initialised in the background. */
    static final int UPGRADE_AFTER = 4096;

    private static volatile MessageDigest jdkPrototype;
    private static final AtomicBoolean UPGRADE_REQUESTED = new AtomicBoolean();
    /** Racy on purpose: an approximate count is enough to decide a process hashes a lot. */
    private static int portableUses;

    private Sha256() {
    }

    /** A fresh SHA-256 digest. */
    public static MessageDigest newDigest() {
        MessageDigest prototype = jdkPrototype;
        if (prototype != null) {
            return copyOf(prototype);
        }
        countPortableUse();
        return new Portable();
    }

    /**
     * The digest to hash the next message with, in place of {@code kept} (a digest kept for reuse,
     * between messages): {@code kept} itself, or a JDK digest once those are ready.
     */
    public static MessageDigest current(MessageDigest kept) {
        if (kept instanceof Portable) {
            MessageDigest prototype = jdkPrototype;
            if (prototype != null) {
                return copyOf(prototype);
            }
            countPortableUse();
        }
        return kept;
    }

    /** The SHA-256 of {@code bytes}. */
    public static byte[] hash(byte[] bytes) {
        return newDigest().digest(bytes);
    }

    /** Whether new digests are the JDK's (for tests and diagnostics). */
    public static boolean usesJdkDigest() {
        return jdkPrototype != null;
    }

    /**
     * Initialises the JDK's digest now, on the calling thread, and uses it from then on (for a caller
     * that knows it will hash a lot, and for tests). Returns whether it is in use.
     */
    public static boolean useJdkDigestNow() {
        UPGRADE_REQUESTED.set(true);
        return installJdkDigest();
    }

    /** Tests: back to Bouncy Castle's digest for new digests (true: the JDK's), as before any upgrade. */
    static void useJdkDigestForTests(boolean jdk) {
        if (jdk) {
            useJdkDigestNow();
        } else {
            UPGRADE_REQUESTED.set(true); // and no background upgrade meanwhile
            jdkPrototype = null;
        }
    }

    /** Tests: the count of digests starts again, and a new upgrade may start. */
    static void resetUpgradeForTests() {
        portableUses = 0;
        UPGRADE_REQUESTED.set(false);
    }

    private static void countPortableUse() {
        if (++portableUses >= UPGRADE_AFTER && UPGRADE_REQUESTED.compareAndSet(false, true)) {
            Thread upgrade = new Thread(new Upgrade(), "agent-hypervisor-sha256");
            upgrade.setDaemon(true);
            upgrade.setPriority(Thread.MIN_PRIORITY);
            upgrade.start();
        }
    }

    private static boolean installJdkDigest() {
        if (jdkPrototype != null) {
            return true;
        }
        try {
            MessageDigest jdk = MessageDigest.getInstance("SHA-256");
            copyOf(jdk); // cloneable, or it is not used: every copy is a clone
            jdkPrototype = jdk;
            return true;
        } catch (NoSuchAlgorithmException | IllegalStateException | LinkageError unavailable) {
            return false; // Bouncy Castle's digest stays in use: the same hashes, slower
        }
    }

    private static MessageDigest copyOf(MessageDigest prototype) {
        try {
            return (MessageDigest) prototype.clone();
        } catch (CloneNotSupportedException notCloneable) {
            throw new IllegalStateException("the JDK's SHA-256 digest cannot be cloned", notCloneable);
        }
    }

    /** A class, not a lambda, on a path a start may take (issue 11). */
    private static final class Upgrade implements Runnable {
        @Override
        public void run() {
            installJdkDigest();
        }
    }

    /** Bouncy Castle's SHA-256 behind the JDK's {@code MessageDigest} interface. */
    static final class Portable extends MessageDigest implements Cloneable {
        private SHA256Digest digest;

        Portable() {
            super("SHA-256");
            digest = new SHA256Digest();
        }

        @Override
        protected void engineUpdate(byte input) {
            digest.update(input);
        }

        @Override
        protected void engineUpdate(byte[] input, int offset, int length) {
            digest.update(input, offset, length);
        }

        @Override
        protected byte[] engineDigest() {
            byte[] out = new byte[32];
            digest.doFinal(out, 0); // and resets, as MessageDigest.digest must
            return out;
        }

        @Override
        protected int engineDigest(byte[] out, int offset, int length) throws java.security.DigestException {
            if (length < 32 || offset < 0 || out.length - offset < 32) {
                throw new java.security.DigestException("a SHA-256 digest needs 32 bytes, " + length + " given");
            }
            digest.doFinal(out, offset);
            return 32;
        }

        @Override
        protected int engineGetDigestLength() {
            return 32;
        }

        @Override
        protected void engineReset() {
            digest.reset();
        }

        @Override
        public Object clone() throws CloneNotSupportedException {
            Portable copy = (Portable) super.clone();
            copy.digest = new SHA256Digest(digest);
            return copy;
        }
    }
}
