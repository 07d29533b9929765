package org.agenthypervisor.core.audit;

import org.agenthypervisor.core.crypto.Envelope;
import org.agenthypervisor.core.crypto.PublicKey;
import org.agenthypervisor.core.crypto.SigningKey;
import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.merkle.MerkleFrontier;
import org.agenthypervisor.core.merkle.MerkleHash;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A signed tree head: the hypervisor's Ed25519 signature over the size and root of the audit log's
 * Merkle tree at one moment, why it was signed and, for a session's close, the session and the Merkle
 * root of its deltas.
 *
 * <h2>Stored form</h2>
 * One canonical JSON object per record of the {@code heads} log:
 * <pre>{"keyId":"…","reason":"every","root":"&lt;64 hex&gt;","signature":"&lt;base64&gt;","size":1000,
 * "subject":{…},"time":"2026-…Z","version":1}</pre>
 * ({@code subject} only when there is one) and, on heads signed since retention exists, the member
 * {@code "frontier":["<64 hex>",…]}: the roots of the complete subtrees the tree of {@code size}
 * records is made of (one per set bit of {@code size}, largest first, see {@link MerkleFrontier}).
 * A head with a frontier is a <em>checkpoint</em>: the tree can be extended from it without the
 * records below it (a fast open, and verification of a log whose older segments were archived), and
 * its frontier is checked by folding it to the signed root ({@link #frontierMatchesRoot()}). Heads
 * without it (older ones) stay valid. The signature covers the DSSE pre-authentication encoding
 * ({@link Envelope#pae}) of {@link #PAYLOAD_TYPE} and the canonical JSON of the same object without
 * {@code signature}, so a signature made for a tree head can never pass for a vouch or anything else
 * the hypervisor signs, and every field, including the reason and the subject, is covered.
 *
 * @param size      number of records the head covers (records {@code 0 … size-1})
 * @param root      RFC 9162 root of those records (32 bytes; the accessor returns a copy)
 * @param time      when it was signed
 * @param keyId     id of the signing key ({@link PublicKey#keyId()})
 * @param reason    {@code every} (N records), {@code interval} (T ms), {@code session.closed},
 *                  {@code shutdown} or {@code requested}
 * @param subject   what the head was signed for, or null: for a session's close
 *                  {@code {"deltas":n,"name":"…","root":"<hex>","session":"<id>"}}
 * @param signature 64 bytes (the accessor returns a copy)
 * @param frontier  the checkpoint frontier, or null (the accessor returns copies)
 */
public record TreeHead(long size, byte[] root, Instant time, String keyId, String reason, Map<String, Object> subject,
                       byte[] signature, List<byte[]> frontier) {
    /** The DSSE payload type bound into every tree head signature. */
    public static final String PAYLOAD_TYPE = "application/vnd.agenthypervisor.tree-head+json";
    static final int VERSION = 1;

    public TreeHead {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(signature, "signature");
        if (size < 0) {
            throw new IllegalArgumentException("tree size " + size + " < 0");
        }
        if (root.length != MerkleHash.SIZE) {
            throw new IllegalArgumentException("a root is " + MerkleHash.SIZE + " bytes, got " + root.length);
        }
        root = root.clone();
        signature = signature.clone();
        subject = subject == null ? null : Map.copyOf(subject);
        if (frontier != null) {
            List<byte[]> copy = new ArrayList<>(frontier.size());
            for (byte[] piece : frontier) {
                if (piece.length != MerkleHash.SIZE) {
                    throw new IllegalArgumentException("a frontier piece is " + MerkleHash.SIZE + " bytes, got " + piece.length);
                }
                copy.add(piece.clone());
            }
            frontier = Collections.unmodifiableList(copy);
        }
        time = Instant.ofEpochMilli(time.toEpochMilli()); // what the JSON form keeps
    }

    /** A head without a frontier (the form before checkpoints). */
    public TreeHead(long size, byte[] root, Instant time, String keyId, String reason, Map<String, Object> subject,
                    byte[] signature) {
        this(size, root, time, keyId, reason, subject, signature, null);
    }

    /** Signs a head with {@code key}, without a frontier. */
    public static TreeHead sign(long size, byte[] root, Instant time, String reason, Map<String, Object> subject,
                                SigningKey key) {
        return sign(size, root, time, reason, subject, null, key);
    }

    /** Signs a head with {@code key}; with a frontier (null: none) it is a checkpoint, and the signature covers it. */
    public static TreeHead sign(long size, byte[] root, Instant time, String reason, Map<String, Object> subject,
                                List<byte[]> frontier, SigningKey key) {
        TreeHead unsigned = new TreeHead(size, root, time, key.keyId(), reason, subject, new byte[0], frontier);
        byte[] sig = key.sign(Envelope.pae(PAYLOAD_TYPE, unsigned.signedPayload()));
        return new TreeHead(size, root, time, key.keyId(), reason, subject, sig, frontier);
    }

    /** Signs a checkpoint: the frontier's size and root with its pieces. */
    public static TreeHead signCheckpoint(MerkleFrontier tree, Instant time, String reason, Map<String, Object> subject,
                                          SigningKey key) {
        return sign(tree.size(), tree.root(), time, reason, subject, tree.pieces(), key);
    }

    @Override
    public List<byte[]> frontier() {
        if (frontier == null) {
            return null;
        }
        List<byte[]> out = new ArrayList<>(frontier.size());
        // Loops, not lambdas: each lambda costs ~0.5 ms to link at start-up (issue 11).
        for (byte[] p : frontier) {
            out.add(p.clone());
        }
        return out;
    }

    /** Whether this head carries a frontier (is a checkpoint). */
    public boolean isCheckpoint() {
        return frontier != null;
    }

    /**
     * Whether the frontier has the right number of pieces for the size and folds to the signed root.
     * False for a head without one. A valid signature and this together make the frontier trustworthy.
     */
    public boolean frontierMatchesRoot() {
        if (frontier == null) {
            return false;
        }
        try {
            return MessageDigest.isEqual(MerkleFrontier.of(size, frontier).root(), root);
        } catch (IllegalArgumentException wrongCount) {
            return false;
        }
    }

    /** The frontier as a tree to extend (a fresh copy), or null when this head has none. */
    public MerkleFrontier toFrontier() {
        return frontier == null ? null : MerkleFrontier.of(size, frontier);
    }

    @Override
    public byte[] root() {
        return root.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** The root in lowercase hex. */
    public String rootHex() {
        return HexFormat.of().formatHex(root);
    }

    /** The canonical JSON the signature covers (inside the PAE): every field but {@code signature}. */
    public byte[] signedPayload() {
        return CanonicalJson.write(fields(false));
    }

    /** Whether {@code key} signed exactly this head (and its key id names that key). */
    public boolean verify(PublicKey key) {
        return key != null && key.keyId().equals(keyId)
                && key.verify(Envelope.pae(PAYLOAD_TYPE, signedPayload()), signature);
    }

    /** The stored form (see the class comment). */
    public byte[] toJson() {
        return CanonicalJson.write(fields(true));
    }

    /** The stored form as a map (for embedding in proofs). */
    public Map<String, Object> toMap() {
        return fields(true);
    }

    private Map<String, Object> fields(boolean withSignature) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("keyId", keyId);
        m.put("reason", reason);
        m.put("root", rootHex());
        if (withSignature) {
            m.put("signature", Base64.getEncoder().encodeToString(signature));
        }
        m.put("size", size);
        if (frontier != null) {
            List<Object> hexes = new ArrayList<>(frontier.size());
            for (byte[] p : frontier) {
                hexes.add(HexFormat.of().formatHex(p));
            }
            m.put("frontier", hexes);
        }
        if (subject != null) {
            m.put("subject", subject);
        }
        m.put("time", org.agenthypervisor.core.encoding.IsoInstant.format(time));
        m.put("version", VERSION);
        return m;
    }

    /** Reads the stored form. */
    public static TreeHead fromJson(byte[] json) {
        Object parsed = CanonicalJson.parse(json);
        if (!(parsed instanceof Map)) {
            throw new IllegalArgumentException("a tree head is a JSON object, got: " + new String(json, StandardCharsets.UTF_8));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) parsed;
        return fromMap(m);
    }

    /**
     * Reads the map form.
     *
     * @throws IllegalArgumentException naming the member that is missing, unknown or malformed
     */
    @SuppressWarnings("unchecked")
    public static TreeHead fromMap(Map<String, Object> m) {
        for (String key : m.keySet()) {
            if (!Map.of("frontier", 1, "keyId", 1, "reason", 1, "root", 1, "signature", 1, "size", 1, "subject", 1, "time", 1, "version", 1)
                    .containsKey(key)) {
                throw new IllegalArgumentException("tree head has an unknown member '" + key + "'");
            }
        }
        Object version = m.get("version");
        if (!(version instanceof Long) || (Long) version != VERSION) {
            throw new IllegalArgumentException("tree head version " + version + " is not " + VERSION);
        }
        Object size = m.get("size");
        if (!(size instanceof Long)) {
            throw new IllegalArgumentException("tree head member 'size' must be an integer, got " + size);
        }
        byte[] root;
        byte[] signature;
        Instant time;
        try {
            root = HexFormat.of().parseHex(string(m, "root"));
            signature = Base64.getDecoder().decode(string(m, "signature"));
            time = org.agenthypervisor.core.encoding.IsoInstant.parse(string(m, "time"));
        } catch (RuntimeException bad) {
            throw new IllegalArgumentException("malformed tree head: " + bad.getMessage(), bad);
        }
        Object subject = m.get("subject");
        if (subject != null && !(subject instanceof Map)) {
            throw new IllegalArgumentException("tree head member 'subject' must be an object");
        }
        List<byte[]> frontier = null;
        if (m.containsKey("frontier")) {
            if (!(m.get("frontier") instanceof List<?> list)) {
                throw new IllegalArgumentException("tree head member 'frontier' must be an array of hex hashes");
            }
            frontier = new ArrayList<>(list.size());
            for (Object piece : list) {
                byte[] hash;
                try {
                    hash = HexFormat.of().parseHex((String) piece);
                } catch (RuntimeException bad) {
                    throw new IllegalArgumentException("tree head member 'frontier' holds a malformed hash: " + piece);
                }
                if (hash.length != MerkleHash.SIZE) {
                    throw new IllegalArgumentException("tree head member 'frontier' holds a hash of " + hash.length
                            + " bytes, not " + MerkleHash.SIZE);
                }
                frontier.add(hash);
            }
        }
        return new TreeHead((Long) size, root, time, string(m, "keyId"), string(m, "reason"),
                (Map<String, Object>) subject, signature, frontier);
    }

    private static String string(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof String)) {
            throw new IllegalArgumentException("tree head member '" + key + "' must be a string, got " + v);
        }
        return (String) v;
    }

    /** The session a {@code session.closed} head was signed for, or null. */
    public String sessionId() {
        return subject == null ? null : (String) subject.get("session");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TreeHead && java.util.Arrays.equals(((TreeHead) o).toJson(), toJson());
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(toJson());
    }

    @Override
    public String toString() {
        return (frontier != null ? "checkpoint" : "tree head") + " size " + size + " root " + rootHex().substring(0, 16) + "… (" + reason + ", " + time
                + ", key " + keyId + ")";
    }
}
