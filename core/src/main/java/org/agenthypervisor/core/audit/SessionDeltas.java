package org.agenthypervisor.core.audit;

import org.agenthypervisor.core.encoding.CanonicalJson;

import java.util.Map;

/**
 * The bytes of a session delta that go into the Merkle tree of the session's deltas, shared by the
 * sessions (which compute the root when a session closes) and {@code audit verify} (which recomputes it
 * from the {@code session.delta} records).
 *
 * <p>A delta's leaf is {@code SHA-256(0x00 ‖ canonical JSON of
 * {"agent","key","newDigest","oldDigest","sequence","session","version"})}: exactly those members of
 * its {@code session.delta} audit record, without the log's own {@code seq}, {@code time} and
 * {@code type}. {@code oldDigest} is null for a key's first write.
 */
public final class SessionDeltas {
    /** The audit record type of a delta. */
    public static final String DELTA = "session.delta";

    private SessionDeltas() {
    }

    /** The canonical bytes of a delta. */
    public static byte[] deltaBytes(String session, long sequence, String agent, String key, String oldDigest,
                                    String newDigest, long version) {
        return CanonicalJson.object()
                .put("agent", agent)
                .put("key", key)
                .put("newDigest", newDigest)
                .put("oldDigest", oldDigest)
                .put("sequence", sequence)
                .put("session", session)
                .put("version", version)
                .toBytes();
    }

    /** The canonical bytes of the delta a {@code session.delta} audit record describes. */
    public static byte[] deltaBytes(Map<String, Object> record) {
        return CanonicalJson.object()
                .put("agent", record.get("agent"))
                .put("key", record.get("key"))
                .put("newDigest", record.get("newDigest"))
                .put("oldDigest", record.get("oldDigest"))
                .put("sequence", record.get("sequence"))
                .put("session", record.get("session"))
                .put("version", record.get("version"))
                .toBytes();
    }
}
