package org.agenthypervisor.core.liability;

import org.agenthypervisor.core.crypto.Envelope;
import org.agenthypervisor.core.crypto.SigningKey;
import org.agenthypervisor.core.encoding.CanonicalJson;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One hand-off, as its sender vouches for it: who handed what to whom, through which method, with
 * which payload (its SHA-256), on top of which earlier vouches.
 *
 * <h2>Canonical bytes (version 1)</h2>
 * {@link #toCanonicalJson()} is the {@link CanonicalJson} object below (members sorted, no
 * whitespace); it is what a signature covers, wrapped as DSSE:
 * {@code PAE("application/vnd.agenthypervisor.vouch+json", bytes)}.
 * <pre>
 * complete       true unless part of the payload could not be encoded (then see unencodable)
 * direction      "call" (arguments, sender = caller) or "return" (result, sender = callee)
 * id             unique id: the JVM's boot id, "-", the sequence number
 * issuedAt       milliseconds since the epoch (UTC)
 * method         the called method, "com.acme.Billing#approve(String)"
 * parents        ids of the vouches that delivered the sender's payload (its chain's direct vouches)
 * payloadSha256  lowercase hex SHA-256 of the payload's canonical encoding (PayloadEncoder)
 * receiver       agent id
 * sender         agent id
 * sequence       per-JVM sequence number of vouches
 * session        the shared session's id, or null
 * unencodable    JSON paths of the parts of the payload that could not be encoded
 * version        1
 * </pre>
 * The audit record of type {@code handoff} carries exactly these members (plus the audit record's
 * own {@code seq}, {@code time} and {@code type}, the {@code signing} mode, and, when signed, the
 * {@code keyid} and {@code signature}), so a vouch can be rebuilt from its audit record byte for byte.
 */
public record Vouch(String id, String sender, String receiver, String method, String direction,
                    String payloadSha256, boolean complete, List<String> unencodable, List<String> parents,
                    String session, long sequence, long issuedAt) {

    /** DSSE payload type of an exported or signed vouch. */
    public static final String PAYLOAD_TYPE = "application/vnd.agenthypervisor.vouch+json";
    public static final int VERSION = 1;
    public static final String CALL = "call";
    public static final String RETURN = "return";

    /** The members of a vouch (canonical JSON and audit record alike). */
    public static final Set<String> MEMBERS = Set.of("complete", "direction", "id", "issuedAt", "method", "parents",
            "payloadSha256", "receiver", "sender", "sequence", "session", "unencodable", "version");

    public Vouch {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(receiver, "receiver");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(payloadSha256, "payloadSha256");
        unencodable = List.copyOf(unencodable);
        parents = List.copyOf(parents);
    }

    /** The canonical bytes (see the class comment). */
    public byte[] toCanonicalJson() {
        return CanonicalJson.object()
                .put("complete", complete)
                .put("direction", direction)
                .put("id", id)
                .put("issuedAt", issuedAt)
                .put("method", method)
                .put("parents", parents)
                .put("payloadSha256", payloadSha256)
                .put("receiver", receiver)
                .put("sender", sender)
                .put("sequence", sequence)
                .put("session", session)
                .put("unencodable", unencodable)
                .put("version", (long) VERSION)
                .toBytes();
    }

    /** The audit record's fields: every member, the signing mode and the signature, if any. */
    public Map<String, Object> auditFields(String signing, Envelope.Signature signature) {
        Map<String, Object> f = new LinkedHashMap<>(24);
        f.put("id", id);
        f.put("sender", sender);
        f.put("receiver", receiver);
        f.put("method", method);
        f.put("direction", direction);
        f.put("payloadSha256", payloadSha256);
        f.put("complete", complete);
        f.put("unencodable", unencodable);
        f.put("parents", parents);
        f.put("session", session);
        f.put("sequence", sequence);
        f.put("issuedAt", issuedAt);
        f.put("version", (long) VERSION);
        f.put("signing", signing);
        if (signature != null) {
            f.put("keyid", signature.keyid());
            f.put("signature", java.util.Base64.getEncoder().encodeToString(signature.sig()));
        }
        return f;
    }

    /** The DSSE signature of this vouch by {@code key}: over PAE(payload type, canonical bytes). */
    public Envelope.Signature sign(SigningKey key) {
        return new Envelope.Signature(key.keyId(), key.sign(Envelope.pae(PAYLOAD_TYPE, toCanonicalJson())));
    }

    /** A DSSE envelope of this vouch carrying {@code signature}. */
    public Envelope envelope(Envelope.Signature signature) {
        return new Envelope(PAYLOAD_TYPE, toCanonicalJson(), List.of(signature));
    }

    /**
     * Rebuilds a vouch from a parsed audit record or a parsed vouch payload.
     *
     * @throws IllegalArgumentException naming the member that is missing or of the wrong type
     */
    public static Vouch fromFields(Map<?, ?> f) {
        Object version = f.get("version");
        if (!(version instanceof Number) || ((Number) version).longValue() != VERSION) {
            throw new IllegalArgumentException("not a version-" + VERSION + " vouch (version is " + version + ")");
        }
        return new Vouch(string(f, "id", false), string(f, "sender", false), string(f, "receiver", false),
                string(f, "method", false), string(f, "direction", false), string(f, "payloadSha256", false),
                bool(f, "complete"), strings(f, "unencodable"), strings(f, "parents"), string(f, "session", true),
                number(f, "sequence"), number(f, "issuedAt"));
    }

    /** Parses canonical vouch bytes; any member beyond {@link #MEMBERS} is an error. */
    public static Vouch parse(byte[] json) {
        Object tree = CanonicalJson.parse(json);
        if (!(tree instanceof Map)) {
            throw new IllegalArgumentException("a vouch is a JSON object");
        }
        for (Object key : ((Map<?, ?>) tree).keySet()) {
            if (!MEMBERS.contains(key)) {
                throw new IllegalArgumentException("a vouch has no member \"" + key + "\"");
            }
        }
        return fromFields((Map<?, ?>) tree);
    }

    private static String string(Map<?, ?> f, String key, boolean nullable) {
        if (!f.containsKey(key)) {
            throw new IllegalArgumentException("the vouch has no \"" + key + "\"");
        }
        Object v = f.get(key);
        if (v == null && nullable) {
            return null;
        }
        if (!(v instanceof String)) {
            throw new IllegalArgumentException("the vouch's \"" + key + "\" must be a string, was " + v);
        }
        return (String) v;
    }

    private static boolean bool(Map<?, ?> f, String key) {
        Object v = f.get(key);
        if (!(v instanceof Boolean)) {
            throw new IllegalArgumentException("the vouch's \"" + key + "\" must be true or false, was " + v);
        }
        return (Boolean) v;
    }

    private static long number(Map<?, ?> f, String key) {
        Object v = f.get(key);
        if (!(v instanceof Long || v instanceof Integer || v instanceof java.math.BigInteger)) {
            throw new IllegalArgumentException("the vouch's \"" + key + "\" must be an integer, was " + v);
        }
        return ((Number) v).longValue();
    }

    private static List<String> strings(Map<?, ?> f, String key) {
        Object v = f.get(key);
        if (!(v instanceof List)) {
            throw new IllegalArgumentException("the vouch's \"" + key + "\" must be an array of strings, was " + v);
        }
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) v) {
            if (!(o instanceof String)) {
                throw new IllegalArgumentException("the vouch's \"" + key + "\" must hold strings, found " + o);
            }
            out.add((String) o);
        }
        return out;
    }
}
