package org.agenthypervisor.core.saga;

import org.agenthypervisor.core.crypto.HmacSha256;
import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.crypto.SigningKey;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Authenticates journal records, so that someone who can write the data directory but not read the
 * hypervisor's key cannot make recovery run a compensation of their choosing (the record log's CRCs
 * only catch accidents: a forger recomputes them).
 *
 * <h2>Format 2 record</h2>
 * {@code [0x02][tag: 32 bytes][canonical JSON]}, where
 * {@code tag = HMAC-SHA256(K, index ‖ previous tag ‖ JSON)}: {@code index} is the record's position
 * in the log (8 bytes, big-endian) and {@code previous tag} the tag stored in the record before it
 * (32 zero bytes for record 0, or after a record that has none). Format 1 records (before this
 * version) are the bare JSON, which always starts with {@code '{'}, so the two never mix up.
 *
 * <p>Binding the index and chaining the previous tag means a record verifies only where it was
 * written, after exactly the record it was written after: an edited, forged, reordered or duplicated
 * record fails, a record deleted from the middle makes the next one fail, and a record or journal
 * from another data directory (another key) fails. A cut tail is not detected: it looks like a crash
 * before the write, which the journal must survive anyway.
 *
 * <h2>Key</h2>
 * {@code K = HMAC-SHA256(seed of the hypervisor's Ed25519 key, "}{@value #LABEL}{@code ")}: one
 * secret to protect ({@code <keysDir>/hypervisor.key}, owner-only), not a second key file.
 *
 * <p>Immutable; {@link Chain} and {@link Verifier} hold the per-use state ({@link HmacSha256} is not
 * thread-safe).
 */
public final class JournalSeal {
    /** The first byte of a format 2 record. */
    static final byte FORMAT = 2;
    static final int TAG_SIZE = 32;
    static final int HEADER_SIZE = 1 + TAG_SIZE;
    /** The derivation label: names the purpose, and its version if the scheme ever changes. */
    static final String LABEL = "agent-hypervisor saga journal v1";
    /** The key directory id of the key the journal key is derived from (the audit log signs with it too). */
    static final String KEY_ID = KeyDirectory.HYPERVISOR;
    private static final byte[] NO_TAG = new byte[TAG_SIZE];

    private final byte[] key;
    private final String keyId;

    private JournalSeal(byte[] secret, String keyId) {
        this.key = secret.clone();
        this.keyId = keyId;
    }

    /** The seal of a key: the journal key derived from it. */
    public static JournalSeal of(SigningKey key) {
        return new JournalSeal(key.deriveSecret(LABEL), key.keyId());
    }

    /** Loads (creating if missing) the hypervisor's key in {@code keysDir}. */
    public static JournalSeal loadOrCreate(Path keysDir) {
        return of(KeyDirectory.open(keysDir).getOrCreate(KEY_ID));
    }

    /** For read-only tools: the seal if the hypervisor's key exists and can be read; never creates one. */
    public static Optional<JournalSeal> load(Path keysDir) {
        try {
            return KeyDirectory.openReadOnly(keysDir).signingKey(KEY_ID).map(JournalSeal::of);
        } catch (RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    /** The id of the key the journal key derives from (for messages; never secret). */
    public String keyId() {
        return keyId;
    }

    HmacSha256 newMac() {
        return new HmacSha256(key);
    }

    /** Whether a stored record is format 2 (carries a tag); anything else is an unauthenticated record. */
    static boolean isSealed(byte[] record) {
        return record.length > HEADER_SIZE && record[0] == FORMAT;
    }

    /** The JSON of a stored record of either format. */
    static byte[] json(byte[] record) {
        return isSealed(record) ? java.util.Arrays.copyOfRange(record, HEADER_SIZE, record.length) : record;
    }

    /** The tag the next record chains to: this record's, or none (format 1, or not a record). */
    static byte[] chainTag(byte[] record) {
        return isSealed(record) ? java.util.Arrays.copyOfRange(record, 1, HEADER_SIZE) : NO_TAG;
    }

    /** {@code position} is the caller's 8-byte scratch buffer (the journal's hot path allocates only the record). */
    private static void tag(HmacSha256 mac, byte[] position, long index, byte[] previousTag, byte[] json, int offset, int length,
                            byte[] out, int outOffset) {
        for (int i = 0; i < 8; i++) {
            position[i] = (byte) (index >>> (56 - 8 * i));
        }
        mac.update(position);
        mac.update(previousTag);
        mac.update(json, offset, length);
        mac.doFinal(out, outOffset);
    }

    /**
     * The writer's side: seals records in log order. Not thread-safe; the journal calls it under the
     * lock (or on the one thread) that also appends, so the index it binds is the one the log assigns.
     */
    static final class Chain {
        private final java.util.function.Supplier<JournalSeal> seal;
        private HmacSha256 mac;
        private long next;
        private final byte[] previous = new byte[TAG_SIZE];
        private final byte[] position = new byte[8];

        /**
         * @param seal     where the key comes from; asked on the first record only (a JVM that never
         *                 journals never loads the key for it)
         * @param next     the index the next record gets
         * @param previous the stored record before it, or null if the log is empty
         */
        Chain(java.util.function.Supplier<JournalSeal> seal, long next, byte[] previous) {
            this.seal = seal;
            this.next = next;
            if (previous != null) {
                System.arraycopy(chainTag(previous), 0, this.previous, 0, TAG_SIZE);
            }
        }

        /** The stored form of {@code json} as the next record of the log; call {@link #appended} once it is written. */
        byte[] seal(byte[] json) {
            if (mac == null) {
                mac = seal.get().newMac();
            }
            byte[] record = new byte[HEADER_SIZE + json.length];
            record[0] = FORMAT;
            System.arraycopy(json, 0, record, HEADER_SIZE, json.length);
            tag(mac, position, next, previous, json, 0, json.length, record, 1);
            return record;
        }

        /** The tag the next record chains to (a copy): what a checkpoint records as {@code previous}. */
        byte[] previousTag() {
            return previous.clone();
        }

        /** The index the next record gets. */
        long next() {
            return next;
        }

        /** The record {@link #seal} returned last is in the log: the next one chains to it. */
        void appended(byte[] record) {
            System.arraycopy(record, 1, previous, 0, TAG_SIZE);
            next++;
        }
    }

    /**
     * The reader's side: checks records in log order, from record 0, or from a compaction checkpoint
     * with the tag it names ({@link #continueFrom}). Not thread-safe.
     */
    final class Verifier {
        private final HmacSha256 mac = newMac();
        private final byte[] expected = new byte[TAG_SIZE];
        private final byte[] position = new byte[8];
        private byte[] previous = NO_TAG;

        /**
         * The next record chains to {@code tag}: for a live journal that starts after archived records,
         * the tag its first record (a checkpoint, which binds the tag) names; that record verifies only
         * if the tag is the one it was sealed with.
         */
        void continueFrom(byte[] tag) {
            previous = tag.length == TAG_SIZE ? tag.clone() : NO_TAG;
        }

        /** Whether {@code record}, stored at {@code index}, is a format 2 record whose tag verifies. */
        boolean verify(long index, byte[] record) {
            boolean ok = false;
            if (isSealed(record)) {
                tag(mac, position, index, previous, record, HEADER_SIZE, record.length - HEADER_SIZE, expected, 0);
                ok = MessageDigest.isEqual(expected, java.util.Arrays.copyOfRange(record, 1, HEADER_SIZE));
            }
            previous = chainTag(record); // the stored tag, verified or not: one bad record fails itself and its successor only
            return ok;
        }
    }

    Verifier verifier() {
        return new Verifier();
    }

    @Override
    public String toString() {
        return "JournalSeal[derived from " + keyId + "]"; // never the secret
    }
}
