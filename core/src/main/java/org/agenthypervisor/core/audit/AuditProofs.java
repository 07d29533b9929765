package org.agenthypervisor.core.audit;

import org.agenthypervisor.core.crypto.PublicKey;
import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.merkle.MerkleHash;
import org.agenthypervisor.core.merkle.MerkleProofs;
import org.agenthypervisor.core.merkle.MerkleTree;
import org.agenthypervisor.core.store.CorruptLogException;
import org.agenthypervisor.core.store.LogCursor;
import org.agenthypervisor.core.store.LogRecord;
import org.agenthypervisor.core.store.RecordLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RFC 9162 inclusion and consistency proofs of the audit log, each bundled with the signed tree head
 * it refers to, and their verification from that bundle alone (no access to the log).
 *
 * <h2>Proof files</h2>
 * Canonical JSON objects. Inclusion:
 * <pre>{"index":N,"kind":"inclusion","leafHash":"&lt;hex&gt;","proof":["&lt;hex&gt;",…],"publicKey":"&lt;PEM&gt;",
 *  "record":"&lt;the record's JSON text&gt;","treeHead":{…}}</pre>
 * Consistency:
 * <pre>{"kind":"consistency","newSize":N,"oldRoot":"&lt;hex&gt;","oldSize":M,"oldTreeHead":{…},"proof":[…],
 *  "publicKey":"…","treeHead":{…}}</pre>
 * {@code treeHead} is the stored form of a {@link TreeHead}; {@code oldTreeHead} is present when a head
 * was signed at the old size; {@code publicKey} (the hypervisor's public key, PEM) only when the
 * generator knew it. A verifier should pin the key it trusts; the embedded one is a convenience.
 *
 * <h2>After retention</h2>
 * When older segments were archived (the live log starts at record {@code F > 0}), proofs are made
 * from the signed checkpoint of size {@code F}: the tree is extended from its frontier over the live
 * records, which gives the inclusion proof of every live record and consistency proofs from any size
 * {@code >= F}, against any later signed head (a proof file is the same either way). Proofs that need
 * archived records (the inclusion of a record below {@code F}, consistency from a size below it) need
 * the archive directory.
 */
public final class AuditProofs {
    private AuditProofs() {
    }

    /** A proof cannot be produced or does not verify. {@code usage}: the request itself was wrong. */
    public static final class ProofException extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean usage;

        ProofException(boolean usage, String message) {
            super(message);
            this.usage = usage;
        }

        /** True for a bad request (exit code 2), false for a log that does not match its head (exit 1). */
        public boolean usage() {
            return usage;
        }
    }

    /**
     * The inclusion proof of record {@code index} in the tree of the signed head of size {@code size}
     * (null: the last head).
     */
    public static Map<String, Object> inclusion(Path auditDir, long index, Long size, PublicKey publicKey)
            throws IOException, ProofException {
        return inclusion(auditDir, index, size, publicKey, null);
    }

    /** {@link #inclusion(Path, long, Long, PublicKey)} reading archived records from {@code archiveDir} (null: none). */
    public static Map<String, Object> inclusion(Path auditDir, long index, Long size, PublicKey publicKey, Path archiveDir)
            throws IOException, ProofException {
        TreeHead head = head(auditDir, size);
        if (index < 0 || index >= head.size()) {
            throw new ProofException(true, "record index " + index + " is not covered by the signed tree head of size "
                    + head.size() + " (valid: 0.." + (head.size() - 1) + ")");
        }
        byte[][] record = new byte[1][];
        MerkleTree tree = rebuild(auditDir, archiveDir, head, index, record);
        if (index < tree.base()) {
            throw archived("record " + index, tree.base());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kind", "inclusion");
        out.put("index", index);
        out.put("record", new String(record[0], StandardCharsets.UTF_8));
        out.put("leafHash", hex(tree.leafHash(index)));
        out.put("proof", hexes(tree.inclusionProof(index, head.size())));
        out.put("treeHead", head.toMap());
        if (publicKey != null) {
            out.put("publicKey", publicKey.toPem());
        }
        return out;
    }

    /**
     * The consistency proof from the tree of {@code from} records to the signed head of size {@code to}
     * (null: the last head).
     */
    public static Map<String, Object> consistency(Path auditDir, long from, Long to, PublicKey publicKey)
            throws IOException, ProofException {
        return consistency(auditDir, from, to, publicKey, null);
    }

    /** {@link #consistency(Path, long, Long, PublicKey)} reading archived records from {@code archiveDir} (null: none). */
    public static Map<String, Object> consistency(Path auditDir, long from, Long to, PublicKey publicKey, Path archiveDir)
            throws IOException, ProofException {
        TreeHead head = head(auditDir, to);
        if (from < 1 || from > head.size()) {
            throw new ProofException(true, "--from " + from + " must be between 1 and the new tree size " + head.size()
                    + " (RFC 9162 defines no consistency proof from the empty tree)");
        }
        MerkleTree tree = rebuild(auditDir, archiveDir, head, -1, null);
        if (from < tree.base()) {
            throw archived("the tree of " + from + " records", tree.base());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kind", "consistency");
        out.put("oldSize", from);
        out.put("oldRoot", hex(tree.root(from)));
        for (TreeHead h : AuditVerifier.readHeads(auditDir)) {
            if (h.size() == from) {
                out.put("oldTreeHead", h.toMap());
            }
        }
        out.put("newSize", head.size());
        out.put("proof", hexes(tree.consistencyProof(from, head.size())));
        out.put("treeHead", head.toMap());
        if (publicKey != null) {
            out.put("publicKey", publicKey.toPem());
        }
        return out;
    }

    /**
     * The inclusion proof of record {@code index} in an audit log kept as rows (the shared store), against
     * its signed head of size {@code size} (null: the last); the proof carries the registered public key
     * of the JVM that signed that head.
     */
    public static Map<String, Object> inclusion(AuditRows rows, long index, Long size) throws IOException, ProofException {
        TreeHead head = head(AuditVerifier.readHeads(rows), rows.describe(), size);
        if (index < 0 || index >= head.size()) {
            throw new ProofException(true, "record index " + index + " is not covered by the signed tree head of size "
                    + head.size() + " (valid: 0.." + (head.size() - 1) + ")");
        }
        byte[][] record = new byte[1][];
        MerkleTree tree = rebuild(rows, head, index, record);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kind", "inclusion");
        out.put("index", index);
        out.put("record", new String(record[0], StandardCharsets.UTF_8));
        out.put("leafHash", hex(tree.leafHash(index)));
        out.put("proof", hexes(tree.inclusionProof(index, head.size())));
        out.put("treeHead", head.toMap());
        putKey(out, "publicKey", rows.keys().get(head.keyId()));
        return out;
    }

    /** The consistency proof from the tree of {@code from} records to a signed head of rows (null: the last). */
    public static Map<String, Object> consistency(AuditRows rows, long from, Long to) throws IOException, ProofException {
        List<TreeHead> heads = AuditVerifier.readHeads(rows);
        TreeHead head = head(heads, rows.describe(), to);
        if (from < 1 || from > head.size()) {
            throw new ProofException(true, "--from " + from + " must be between 1 and the new tree size " + head.size()
                    + " (RFC 9162 defines no consistency proof from the empty tree)");
        }
        MerkleTree tree = rebuild(rows, head, -1, null);
        Map<String, PublicKey> keys = rows.keys();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kind", "consistency");
        out.put("oldSize", from);
        out.put("oldRoot", hex(tree.root(from)));
        for (TreeHead h : heads) {
            if (h.size() == from) {
                out.put("oldTreeHead", h.toMap());
                if (!h.keyId().equals(head.keyId())) {
                    putKey(out, "oldPublicKey", keys.get(h.keyId())); // another JVM signed the old head
                }
            }
        }
        out.put("newSize", head.size());
        out.put("proof", hexes(tree.consistencyProof(from, head.size())));
        out.put("treeHead", head.toMap());
        putKey(out, "publicKey", keys.get(head.keyId()));
        return out;
    }

    private static void putKey(Map<String, Object> out, String member, PublicKey key) {
        if (key != null) {
            out.put(member, key.toPem());
        }
    }

    /** The tree of rows up to the head's size, checked against the head's root; a missing index fails. */
    private static MerkleTree rebuild(AuditRows rows, TreeHead head, long keep, byte[][] kept)
            throws IOException, ProofException {
        MerkleTree tree = new MerkleTree();
        try {
            java.util.Iterator<LogRecord> it = rows.records();
            while (it.hasNext() && tree.size() < head.size()) {
                LogRecord r = it.next();
                if (r.index() != tree.size()) {
                    throw new ProofException(false, "record " + tree.size() + " is missing from " + rows.describe()
                            + " (a row was deleted); run 'audit verify'");
                }
                tree.appendRecord(r.payload());
                if (r.index() == keep) {
                    kept[0] = r.payload();
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (tree.size() < head.size()) {
            throw new ProofException(false, "the signed tree head covers " + head.size() + " records but "
                    + rows.describe() + " holds only " + tree.size() + "; run 'audit verify'");
        }
        if (!MessageDigest.isEqual(tree.root(head.size()), head.root())) {
            throw new ProofException(false, "the records do not match the signed tree head of size " + head.size()
                    + "; run 'audit verify'");
        }
        return tree;
    }

    private static TreeHead head(Path auditDir, Long size) throws IOException, ProofException {
        return head(AuditVerifier.readHeads(auditDir), auditDir.toString(), size);
    }

    private static TreeHead head(List<TreeHead> heads, String where, Long size) throws ProofException {
        if (heads.isEmpty()) {
            throw new ProofException(false, "no signed tree head in " + where + " yet: proofs refer to a signed head");
        }
        if (size == null) {
            return heads.get(heads.size() - 1);
        }
        TreeHead found = null;
        List<Long> sizes = new ArrayList<>();
        for (TreeHead h : heads) {
            if (h.size() == size) {
                found = h;
            }
            if (sizes.isEmpty() || sizes.get(sizes.size() - 1) != h.size()) {
                sizes.add(h.size());
            }
        }
        if (found == null) {
            List<Long> shown = sizes.size() <= 20 ? sizes : sizes.subList(sizes.size() - 20, sizes.size());
            throw new ProofException(true, "no signed tree head of size " + size + "; signed sizes"
                    + (shown.size() < sizes.size() ? " (last 20)" : "") + ": " + shown);
        }
        return found;
    }

    private static ProofException archived(String what, long first) {
        return new ProofException(true, what + " lies below record " + first + ", where the live log starts (older"
                + " records were archived by audit.retention): give the archive directory with --archive DIR");
    }

    /**
     * The tree of the head's records, checked against the head's root: from record 0 (reading the archived
     * records from {@code archiveDir} when the live log starts later), or else extended from the checkpoint at
     * the live log's first record (the tree's {@link MerkleTree#base()} is then that record).
     */
    private static MerkleTree rebuild(Path auditDir, Path archiveDir, TreeHead head, long keep, byte[][] kept)
            throws IOException, ProofException {
        MerkleTree tree = new MerkleTree();
        try (RecordLog log = RecordLog.open(auditDir, AuditLog.RECORDS, RecordLog.Options.defaults().withReadOnly(true))) {
            long first = log.firstIndex();
            if (first > 0 && archiveDir != null) {
                try (RecordLog archive = RecordLog.open(archiveDir, AuditLog.RECORDS,
                        RecordLog.Options.defaults().withReadOnly(true))) {
                    if (archive.firstIndex() > 0 || archive.size() < first) {
                        throw new ProofException(false, "the archive " + archiveDir + " holds records " + archive.firstIndex()
                                + ".." + (archive.size() - 1) + ", not 0.." + (first - 1) + "; run 'audit verify --archive'");
                    }
                    append(archive, 0, first, tree, head, keep, kept);
                }
            } else if (first > 0) {
                TreeHead checkpoint = null;
                for (TreeHead h : AuditVerifier.readHeads(auditDir)) {
                    if (h.size() == first && h.isCheckpoint() && h.frontierMatchesRoot()) {
                        checkpoint = h;
                        break;
                    }
                }
                if (checkpoint == null) {
                    throw new ProofException(false, "the live log starts at record " + first + " and no checkpoint of that"
                            + " size is in the tree head log; give --archive DIR, and run 'audit verify'");
                }
                tree = MerkleTree.extending(first, checkpoint.frontier());
            }
            append(log, first, head.size(), tree, head, keep, kept);
        } catch (CorruptLogException | UncheckedIOException damaged) {
            throw new ProofException(false, "the audit log is damaged (" + damaged.getMessage() + "); run 'audit verify'");
        }
        if (tree.size() < head.size()) {
            throw new ProofException(false, "the signed tree head covers " + head.size() + " records but the log holds only "
                    + tree.size() + "; run 'audit verify'");
        }
        if (!MessageDigest.isEqual(tree.root(head.size()), head.root())) {
            throw new ProofException(false, "the records do not match the signed tree head of size " + head.size()
                    + "; run 'audit verify'");
        }
        return tree;
    }

    private static void append(RecordLog log, long from, long to, MerkleTree tree, TreeHead head, long keep, byte[][] kept)
            throws IOException {
        try (LogCursor cursor = log.read(from)) {
            while (cursor.hasNext() && tree.size() < Math.min(to, head.size())) {
                LogRecord r = cursor.next();
                tree.appendRecord(r.payload());
                if (r.index() == keep) {
                    kept[0] = r.payload();
                }
            }
        }
    }

    /**
     * Checks a proof file's content.
     *
     * @param pinned the key to check signatures with, or null to use the file's {@code publicKey}
     *               (then {@code notes} says so)
     * @param notes  receives remarks for the operator
     * @return a one-line description of what the proof shows
     * @throws ProofException when it does not verify ({@code usage} when the file is not a proof)
     */
    @SuppressWarnings("unchecked")
    public static String verify(byte[] json, PublicKey pinned, List<String> notes) throws ProofException {
        return verify(json, pinned, null, notes);
    }

    /**
     * {@link #verify(byte[], PublicKey, List)}, checking each head with the key its {@code keyId} names
     * in {@code registered} (the shared store's key directory) when that is not null: heads of a shared
     * log are signed by the JVMs' own keys.
     */
    @SuppressWarnings("unchecked")
    public static String verify(byte[] json, PublicKey pinned, Map<String, PublicKey> registered, List<String> notes)
            throws ProofException {
        Map<String, Object> proof;
        TreeHead head;
        try {
            Object parsed = CanonicalJson.parse(json);
            if (!(parsed instanceof Map)) {
                throw new IllegalArgumentException("not a JSON object");
            }
            proof = (Map<String, Object>) parsed;
            if (!(proof.get("treeHead") instanceof Map)) {
                throw new IllegalArgumentException("no treeHead");
            }
            head = TreeHead.fromMap((Map<String, Object>) proof.get("treeHead"));
        } catch (IllegalArgumentException | ClassCastException | NullPointerException bad) {
            throw new ProofException(true, "not a proof file: " + bad.getMessage());
        }
        PublicKey key = pinned;
        if (registered != null) {
            key = registered.get(head.keyId());
            if (key == null) {
                throw new ProofException(false, "the tree head (size " + head.size() + ") names key " + head.keyId()
                        + ", which is not registered in the shared store's key directory: forged, or signed by another key");
            }
        }
        if (key == null) {
            if (!(proof.get("publicKey") instanceof String pem)) {
                throw new ProofException(true, "the proof carries no public key; give the hypervisor's public key with --public-key");
            }
            try {
                key = PublicKey.fromPem(pem);
            } catch (IllegalArgumentException bad) {
                throw new ProofException(true, "the proof's publicKey is not an Ed25519 public key: " + bad.getMessage());
            }
            notes.add("the tree head signature was checked with the key carried in the proof file (key id " + key.keyId()
                    + "); pin the key you trust with --public-key");
        }
        if (!head.verify(key)) {
            throw new ProofException(false, "the tree head (size " + head.size() + ", key id " + head.keyId()
                    + ") is not signed by key " + key.keyId() + ": forged, altered or signed by another key");
        }
        List<byte[]> path;
        try {
            path = unhex((List<Object>) proof.get("proof"));
        } catch (RuntimeException bad) {
            throw new ProofException(true, "malformed proof member 'proof': " + bad.getMessage());
        }
        String kind = String.valueOf(proof.get("kind"));
        String signed = "the tree head of size " + head.size() + " (root " + head.rootHex().substring(0, 16)
                + "…, signed " + head.time() + " by key " + key.keyId() + ", reason " + head.reason() + ")";
        switch (kind) {
            case "inclusion": {
                if (!(proof.get("index") instanceof Long index)) {
                    throw new ProofException(true, "malformed inclusion proof: no integer 'index'");
                }
                byte[] leaf;
                if (proof.get("record") instanceof String record) {
                    leaf = MerkleHash.leaf(record.getBytes(StandardCharsets.UTF_8));
                    if (proof.get("leafHash") instanceof String given && !given.equals(hex(leaf))) {
                        throw new ProofException(false, "the record does not hash to the proof's leafHash " + given
                                + " (it hashes to " + hex(leaf) + ")");
                    }
                } else if (proof.get("leafHash") instanceof String given) {
                    leaf = unhex(given);
                } else {
                    throw new ProofException(true, "malformed inclusion proof: neither 'record' nor 'leafHash'");
                }
                if (!MerkleProofs.verifyInclusion(leaf, index, head.size(), path, head.root())) {
                    throw new ProofException(false, "the inclusion proof does not verify: leaf " + hex(leaf).substring(0, 16)
                            + "… at index " + index + " does not lead to the root of " + signed
                            + " (a wrong record, index or proof)");
                }
                return "inclusion proof OK: record " + index + " is in " + signed;
            }
            case "consistency": {
                if (!(proof.get("oldSize") instanceof Long oldSize) || !(proof.get("oldRoot") instanceof String oldRootHex)) {
                    throw new ProofException(true, "malformed consistency proof: needs integer 'oldSize' and 'oldRoot'");
                }
                byte[] oldRoot = unhex(oldRootHex);
                if (proof.get("oldTreeHead") instanceof Map) {
                    TreeHead old;
                    try {
                        old = TreeHead.fromMap((Map<String, Object>) proof.get("oldTreeHead"));
                    } catch (IllegalArgumentException bad) {
                        throw new ProofException(true, "malformed oldTreeHead: " + bad.getMessage());
                    }
                    PublicKey oldKey = oldKey(proof, old, key, pinned, registered, notes);
                    if (!old.verify(oldKey)) {
                        throw new ProofException(false, "the old tree head (size " + old.size() + ") is not signed by key "
                                + (oldKey == null ? old.keyId() + " (not registered)" : oldKey.keyId()));
                    }
                    if (old.size() != oldSize || !MessageDigest.isEqual(old.root(), oldRoot)) {
                        throw new ProofException(false, "the old tree head (size " + old.size() + ", root " + old.rootHex()
                                + ") does not match oldSize " + oldSize + " / oldRoot " + oldRootHex);
                    }
                }
                if (proof.get("newSize") instanceof Long newSize && newSize != head.size()) {
                    throw new ProofException(false, "newSize " + newSize + " is not the signed tree head's size " + head.size());
                }
                if (!MerkleProofs.verifyConsistency(oldSize, head.size(), oldRoot, head.root(), path)) {
                    throw new ProofException(false, "the consistency proof does not verify: the tree of " + oldSize
                            + " records with root " + oldRootHex.substring(0, Math.min(16, oldRootHex.length()))
                            + "… is not shown to be a prefix of " + signed);
                }
                return "consistency proof OK: the tree of " + oldSize + " records (root " + oldRootHex.substring(0, 16)
                        + "…) is a prefix of " + signed;
            }
            default:
                throw new ProofException(true, "unknown proof kind '" + kind + "' (inclusion or consistency)");
        }
    }

    /** The key to check the old head of a consistency proof with: the same as the new one's, unless another JVM signed it. */
    private static PublicKey oldKey(Map<String, Object> proof, TreeHead old, PublicKey key, PublicKey pinned,
                                    Map<String, PublicKey> registered, List<String> notes) throws ProofException {
        if (old.keyId().equals(key.keyId())) {
            return key;
        }
        if (registered != null) {
            return registered.get(old.keyId());
        }
        if (pinned == null && proof.get("oldPublicKey") instanceof String pem) {
            try {
                PublicKey k = PublicKey.fromPem(pem);
                notes.add("the old tree head was checked with the key carried in the proof file (key id " + k.keyId()
                        + "); check the keys against the shared store with --store");
                return k;
            } catch (IllegalArgumentException bad) {
                throw new ProofException(true, "the proof's oldPublicKey is not an Ed25519 public key: " + bad.getMessage());
            }
        }
        return key;
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static byte[] unhex(String s) throws ProofException {
        try {
            return HexFormat.of().parseHex(s);
        } catch (IllegalArgumentException bad) {
            throw new ProofException(true, "malformed hash '" + s + "': " + bad.getMessage());
        }
    }

    private static List<Object> hexes(List<byte[]> hashes) {
        List<Object> out = new ArrayList<>(hashes.size());
        for (byte[] h : hashes) {
            out.add(hex(h));
        }
        return out;
    }

    private static List<byte[]> unhex(List<Object> hexes) {
        List<byte[]> out = new ArrayList<>(hexes.size());
        for (Object h : hexes) {
            out.add(HexFormat.of().parseHex((String) h));
        }
        return out;
    }
}
