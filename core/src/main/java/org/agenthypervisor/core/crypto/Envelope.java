package org.agenthypervisor.core.crypto;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.agenthypervisor.core.encoding.CanonicalJson;

/**
 * A DSSE envelope (Dead Simple Signing Envelope, secure-systems-lab/dsse v1): a payload, its type,
 * and Ed25519 signatures over {@link #pae PAE(payloadType, payload)}.
 *
 * <p>The signatures cover the payload bytes exactly as sent, so nobody needs to re-serialize anything
 * to verify, and the payload type is signed too, so a signature made for one kind of record cannot be
 * replayed as another. There is no algorithm field: every signature here is Ed25519.
 *
 * <p>JSON form, as DSSE specifies, written with {@link CanonicalJson} (so the members come in this
 * order and there is no whitespace): {@code {"payload":"<base64>","payloadType":"...",
 * "signatures":[{"keyid":"...","sig":"<base64>"}]}}, standard base64 with padding. Reading accepts
 * standard or URL-safe base64, padded or not, as DSSE requires of verifiers, and rejects unknown or
 * missing members.
 *
 * @param payloadType a URI or media type naming how to read the payload, e.g.
 *     {@code application/vnd.agenthypervisor.vouch+json}
 * @param payload the signed bytes (the accessor returns a copy)
 * @param signatures one or more signatures, in the order they were added
 */
public record Envelope(String payloadType, byte[] payload, List<Signature> signatures) {

    /**
     * One signature.
     *
     * @param keyid the signer's {@link PublicKey#keyId()}; an unauthenticated hint for finding the key
     * @param sig the 64-byte Ed25519 signature of the PAE (the accessor returns a copy)
     */
    public record Signature(String keyid, byte[] sig) {
        public Signature {
            Objects.requireNonNull(keyid, "keyid");
            sig = sig.clone();
        }

        @Override
        public byte[] sig() {
            return sig.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Signature && keyid.equals(((Signature) o).keyid) && Arrays.equals(sig, ((Signature) o).sig);
        }

        @Override
        public int hashCode() {
            return keyid.hashCode() * 31 + Arrays.hashCode(sig);
        }

        @Override
        public String toString() {
            return "Signature[keyid=" + keyid + ", sig=" + Base64.getEncoder().encodeToString(sig) + "]";
        }
    }

    /**
     * The outcome of checking every signature against a set of known keys.
     *
     * @param verified key ids whose signature verified (each at most once)
     * @param invalid key ids of known keys whose signature did not verify
     * @param unknown key ids no known key matched
     */
    public record Verification(List<String> verified, List<String> invalid, List<String> unknown) {
        public Verification {
            verified = List.copyOf(verified);
            invalid = List.copyOf(invalid);
            unknown = List.copyOf(unknown);
        }

        /** DSSE acceptance with threshold 1: at least one known key signed. */
        public boolean isValid() {
            return !verified.isEmpty();
        }

        /** Stricter: at least one signature, and every signature is a valid one by a known key. */
        public boolean allVerified() {
            return !verified.isEmpty() && invalid.isEmpty() && unknown.isEmpty();
        }
    }

    public Envelope {
        Objects.requireNonNull(payloadType, "payloadType");
        payload = payload.clone();
        signatures = List.copyOf(signatures);
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    /**
     * DSSE v1 pre-authentication encoding: {@code "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body},
     * LEN being the byte length in ASCII decimal and the type in UTF-8.
     */
    public static byte[] pae(String payloadType, byte[] payload) {
        byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("DSSEv1 " + type.length + " ").getBytes(StandardCharsets.US_ASCII);
        byte[] mid = (" " + payload.length + " ").getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[head.length + type.length + mid.length + payload.length];
        int i = 0;
        System.arraycopy(head, 0, out, i, head.length);
        i += head.length;
        System.arraycopy(type, 0, out, i, type.length);
        i += type.length;
        System.arraycopy(mid, 0, out, i, mid.length);
        i += mid.length;
        System.arraycopy(payload, 0, out, i, payload.length);
        return out;
    }

    /** Signs {@code payload} as {@code payloadType} with each of {@code keys} (at least one). */
    public static Envelope sign(String payloadType, byte[] payload, SigningKey... keys) {
        if (keys.length == 0) {
            throw new IllegalArgumentException("an envelope needs at least one signing key");
        }
        byte[] pae = pae(payloadType, payload);
        List<Signature> sigs = new ArrayList<>(keys.length);
        for (SigningKey k : keys) {
            sigs.add(new Signature(k.keyId(), k.sign(pae)));
        }
        return new Envelope(payloadType, payload, sigs);
    }

    /** This envelope with one more signature (co-signing the same payload). */
    public Envelope withSignature(SigningKey key) {
        List<Signature> sigs = new ArrayList<>(signatures);
        sigs.add(new Signature(key.keyId(), key.sign(pae(payloadType, payload))));
        return new Envelope(payloadType, payload, sigs);
    }

    /** DSSE verification with threshold 1 against keys found by key id: {@code verifyDetailed(keysById).isValid()}. */
    public boolean verify(Map<String, PublicKey> keysById) {
        return verifyDetailed(keysById).isValid();
    }

    /** {@link #verify(Map)} with the keys indexed by their own {@link PublicKey#keyId()}. */
    public boolean verify(Collection<PublicKey> keys) {
        return verify(byKeyId(keys));
    }

    /** {@link #verifyDetailed(Map)} with the keys indexed by their own {@link PublicKey#keyId()}. */
    public Verification verifyDetailed(Collection<PublicKey> keys) {
        return verifyDetailed(byKeyId(keys));
    }

    /**
     * Checks every signature: the key is looked up by the signature's key id (a signature with an
     * empty key id is tried against every key, as DSSE allows). A key counts once however many of its
     * signatures the envelope carries.
     */
    public Verification verifyDetailed(Map<String, PublicKey> keysById) {
        byte[] pae = pae(payloadType, payload);
        Set<String> verified = new LinkedHashSet<>();
        Set<String> invalid = new LinkedHashSet<>();
        Set<String> unknown = new LinkedHashSet<>();
        for (Signature s : signatures) {
            if (s.keyid.isEmpty()) {
                String match = null;
                for (Map.Entry<String, PublicKey> e : keysById.entrySet()) {
                    if (e.getValue().verify(pae, s.sig)) {
                        match = e.getKey();
                        break;
                    }
                }
                (match != null ? verified : unknown).add(match != null ? match : "");
                continue;
            }
            PublicKey key = keysById.get(s.keyid);
            if (key == null) {
                unknown.add(s.keyid);
            } else if (key.verify(pae, s.sig)) {
                verified.add(s.keyid);
            } else {
                invalid.add(s.keyid);
            }
        }
        invalid.removeAll(verified); // a key that also signed validly is not reported as failing
        return new Verification(new ArrayList<>(verified), new ArrayList<>(invalid), new ArrayList<>(unknown));
    }

    private static Map<String, PublicKey> byKeyId(Collection<PublicKey> keys) {
        Map<String, PublicKey> map = new HashMap<>();
        for (PublicKey k : keys) {
            map.put(k.keyId(), k);
        }
        return map;
    }

    /** The DSSE JSON envelope, canonical (see the class comment). */
    public byte[] toJson() {
        CanonicalJson.ArrayBuilder sigs = CanonicalJson.array();
        for (Signature s : signatures) {
            sigs.add(CanonicalJson.object().put("keyid", s.keyid).put("sig", s.sig));
        }
        return CanonicalJson.object()
                .put("payload", payload)
                .put("payloadType", payloadType)
                .put("signatures", sigs)
                .toBytes();
    }

    /**
     * Reads a DSSE JSON envelope. Members other than {@code payload}, {@code payloadType} and
     * {@code signatures} (each of {@code keyid}, optional, and {@code sig}) are rejected.
     *
     * @throws IllegalArgumentException beginning "malformed DSSE envelope" and saying what is wrong
     */
    public static Envelope fromJson(byte[] json) {
        Object tree;
        try {
            tree = CanonicalJson.parse(json);
        } catch (IllegalArgumentException e) {
            throw malformed(e.getMessage(), e);
        }
        Map<?, ?> top = asObject(tree, "the envelope");
        checkMembers(top, "the envelope", Set.of("payload", "payloadType", "signatures"), Set.of());
        byte[] payload = base64(requireString(top, "payload", "the envelope"), "payload");
        String payloadType = requireString(top, "payloadType", "the envelope");
        Object sigsValue = top.get("signatures");
        if (!(sigsValue instanceof List)) {
            throw malformed("\"signatures\" must be an array", null);
        }
        List<Signature> sigs = new ArrayList<>();
        int i = 0;
        for (Object o : (List<?>) sigsValue) {
            String where = "signatures[" + i++ + "]";
            Map<?, ?> s = asObject(o, where);
            checkMembers(s, where, Set.of("sig"), Set.of("keyid"));
            Object keyid = s.get("keyid");
            if (keyid != null && !(keyid instanceof String)) {
                throw malformed(where + ".keyid must be a string", null);
            }
            sigs.add(new Signature(keyid == null ? "" : (String) keyid, base64(requireString(s, "sig", where), where + ".sig")));
        }
        return new Envelope(payloadType, payload, sigs);
    }

    private static Map<?, ?> asObject(Object o, String what) {
        if (!(o instanceof Map)) {
            throw malformed(what + " must be a JSON object", null);
        }
        return (Map<?, ?>) o;
    }

    private static void checkMembers(Map<?, ?> m, String what, Set<String> required, Set<String> optional) {
        for (String r : required) {
            if (!m.containsKey(r)) {
                throw malformed(what + " has no \"" + r + "\"", null);
            }
        }
        for (Object k : m.keySet()) {
            if (!required.contains(k) && !optional.contains(k)) {
                throw malformed(what + " has an unknown member \"" + k + "\"", null);
            }
        }
    }

    private static String requireString(Map<?, ?> m, String key, String what) {
        Object v = m.get(key);
        if (!(v instanceof String)) {
            throw malformed(what + "." + key + " must be a string", null);
        }
        return (String) v;
    }

    private static byte[] base64(String s, String what) {
        try {
            boolean urlSafe = s.indexOf('-') >= 0 || s.indexOf('_') >= 0;
            return (urlSafe ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(s);
        } catch (IllegalArgumentException e) {
            throw malformed(what + " is not base64: " + e.getMessage(), e);
        }
    }

    private static IllegalArgumentException malformed(String why, Throwable cause) {
        return new IllegalArgumentException("malformed DSSE envelope: " + why, cause);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Envelope && payloadType.equals(((Envelope) o).payloadType)
                && Arrays.equals(payload, ((Envelope) o).payload) && signatures.equals(((Envelope) o).signatures);
    }

    @Override
    public int hashCode() {
        return (payloadType.hashCode() * 31 + Arrays.hashCode(payload)) * 31 + signatures.hashCode();
    }

    @Override
    public String toString() {
        return "Envelope[payloadType=" + payloadType + ", payload=" + payload.length + " bytes, signatures="
                + signatures + "]";
    }
}
