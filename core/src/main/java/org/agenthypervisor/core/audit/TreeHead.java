package org.agenthypervisor.core.audit;

import org.agenthypervisor.core.crypto.Envelope;
import org.agenthypervisor.core.crypto.PublicKey;
import org.agenthypervisor.core.crypto.SigningKey;
import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.merkle.MerkleHash;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
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
 * ({@code subject} only when there is one). The signature covers the DSSE pre-authentication encoding
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
 */
public record TreeHead(long size, byte[] root, Instant time, String keyId, String reason, Map<String, Object> subject,
                       byte[] signature) {
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
        time = Instant.ofEpochMilli(time.toEpochMilli()); // what the JSON form keeps
    }

    /** Signs a head with {@code key}. */
    public static TreeHead sign(long size, byte[] root, Instant time, String reason, Map<String, Object> subject,
                                SigningKey key) {
        TreeHead unsigned = new TreeHead(size, root, time, key.keyId(), reason, subject, new byte[0]);
        byte[] sig = key.sign(Envelope.pae(PAYLOAD_TYPE, unsigned.signedPayload()));
        return new TreeHead(size, root, time, key.keyId(), reason, subject, sig);
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
        if (subject != null) {
            m.put("subject", subject);
        }
        m.put("time", time.toString());
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
            if (!Map.of("keyId", 1, "reason", 1, "root", 1, "signature", 1, "size", 1, "subject", 1, "time", 1, "version", 1)
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
            time = Instant.parse(string(m, "time"));
        } catch (RuntimeException bad) {
            throw new IllegalArgumentException("malformed tree head: " + bad.getMessage(), bad);
        }
        Object subject = m.get("subject");
        if (subject != null && !(subject instanceof Map)) {
            throw new IllegalArgumentException("tree head member 'subject' must be an object");
        }
        return new TreeHead((Long) size, root, time, string(m, "keyId"), string(m, "reason"),
                (Map<String, Object>) subject, signature);
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
        return "tree head size " + size + " root " + rootHex().substring(0, 16) + "… (" + reason + ", " + time
                + ", key " + keyId + ")";
    }
}
