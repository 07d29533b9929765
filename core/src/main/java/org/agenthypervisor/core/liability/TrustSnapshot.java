package org.agenthypervisor.core.liability;

import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.store.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * {@code trust/trust.snapshot}: every agent's latest change as of ledger record {@code covers}
 * (the snapshot sums up records {@code [0, covers)}), so that opening the ledger reads this file and
 * the records after it instead of the whole history. Replaced whole with {@link AtomicFiles#write}
 * (temp file, force, rename, force of the directory): a crash leaves the old snapshot or the new one,
 * and a leftover {@code .trust.snapshot.*.tmp} is never read (the next read-write open deletes it).
 *
 * <p>Format, integers big-endian:
 * <pre>
 *   0  4  magic "AHTS"
 *   4  4  format version, 1
 *   8  4  payload length n
 *  12  n  payload: canonical JSON {"covers":N,"entries":[{"agent":..,"cause":..,"index":..,"kind":..,
 *         "time":..,"trust":..}, ...],"lastRecordCrc":C}, entries sorted by agent
 * 12+n 4  CRC32C of bytes 0 .. 12+n-1
 * </pre>
 * {@code lastRecordCrc} is the CRC32C of record {@code covers - 1}'s payload (0 when covers is 0): it
 * ties the snapshot to the ledger it sums up, so a snapshot from another ledger or a replaced ledger
 * is refused instead of silently mixed. Anything wrong with the file (magic, length, checksum,
 * version, a malformed payload) fails the read with an {@link IOException} naming the file; it is
 * never rewritten or ignored, because the snapshot may be the only record of archived slashes.
 */
final class TrustSnapshot {
    static final String FILE = TrustLedger.NAME + ".snapshot";
    static final int VERSION = 1;
    private static final int MAGIC = 0x41485453; // "AHTS"
    private static final int HEADER = 12;

    /** What a snapshot holds. */
    record Contents(long covers, long lastRecordCrc, Map<String, TrustLedger.Entry> entries) {
    }

    private TrustSnapshot() {
    }

    static Path file(Path ledgerDir) {
        return ledgerDir.resolve(FILE);
    }

    /** Writes a snapshot of {@code entries} covering records {@code [0, covers)}, atomically and durably. */
    static void write(Path ledgerDir, long covers, long lastRecordCrc, Collection<TrustLedger.Entry> entries)
            throws IOException {
        AtomicFiles.write(file(ledgerDir), encode(covers, lastRecordCrc, entries), null);
    }

    static byte[] encode(long covers, long lastRecordCrc, Collection<TrustLedger.Entry> entries) {
        List<Object> list = new ArrayList<>(entries.size());
        for (TrustLedger.Entry e : new TreeMap<>(byAgent(entries)).values()) {
            list.add(CanonicalJson.object()
                    .put("agent", e.agent())
                    .put("trust", e.trust())
                    .put("kind", e.kind())
                    .put("cause", e.cause())
                    .put("time", e.time())
                    .put("index", e.index()));
        }
        byte[] payload = CanonicalJson.object()
                .put("covers", covers)
                .put("lastRecordCrc", lastRecordCrc)
                .put("entries", list)
                .toBytes();
        ByteBuffer b = ByteBuffer.allocate(HEADER + payload.length + 4);
        b.putInt(MAGIC).putInt(VERSION).putInt(payload.length).put(payload);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.array();
    }

    private static Map<String, TrustLedger.Entry> byAgent(Collection<TrustLedger.Entry> entries) {
        Map<String, TrustLedger.Entry> m = new TreeMap<>();
        for (TrustLedger.Entry e : entries) {
            m.put(e.agent(), e);
        }
        return m;
    }

    /**
     * Reads the snapshot of a ledger directory.
     *
     * @return its contents, or null if there is none
     * @throws IOException naming the file if it is damaged or of an unknown version
     */
    static Contents read(Path ledgerDir) throws IOException {
        Path f = file(ledgerDir);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(f);
        } catch (NoSuchFileException none) {
            return null;
        }
        return decode(f, bytes);
    }

    static Contents decode(Path f, byte[] bytes) throws IOException {
        if (bytes.length < HEADER + 4) {
            throw damaged(f, "it has " + bytes.length + " bytes, fewer than a header and a checksum");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int magic = b.getInt();
        if (magic != MAGIC) {
            throw damaged(f, "it does not start with the magic \"AHTS\" (found 0x" + Integer.toHexString(magic) + ")");
        }
        int version = b.getInt();
        int length = b.getInt();
        if (length < 0 || (long) HEADER + length + 4 != bytes.length) {
            throw damaged(f, "its header gives a payload of " + Integer.toUnsignedString(length)
                    + " bytes, but the file has " + bytes.length + " (expected " + (HEADER + 4) + " + the payload)");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, HEADER + length);
        int stored = ByteBuffer.wrap(bytes, HEADER + length, 4).getInt();
        if ((int) crc.getValue() != stored) {
            throw damaged(f, "its CRC32C checksum does not match its content");
        }
        if (version != VERSION) {
            throw new IOException("trust ledger snapshot " + f + " has format version " + version
                    + ", which this version of the agent does not know (it reads version " + VERSION
                    + "): was it written by a newer agent? The snapshot is never rewritten; run the agent version"
                    + " that wrote it");
        }
        Object tree;
        try {
            tree = CanonicalJson.parse(java.util.Arrays.copyOfRange(bytes, HEADER, HEADER + length));
        } catch (IllegalArgumentException bad) {
            throw damaged(f, "its payload is not JSON (" + bad.getMessage() + ")");
        }
        if (!(tree instanceof Map<?, ?> top) || !(top.get("covers") instanceof Long covers) || covers < 0
                || !(top.get("lastRecordCrc") instanceof Long lastCrc) || lastCrc < 0 || lastCrc > 0xffffffffL
                || !(top.get("entries") instanceof List<?> list)) {
            throw damaged(f, "its payload lacks a valid covers, lastRecordCrc or entries");
        }
        Map<String, TrustLedger.Entry> entries = new TreeMap<>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> e) || !(e.get("agent") instanceof String agent)
                    || !(e.get("trust") instanceof Number trust)
                    || !(trust.doubleValue() >= 0.0 && trust.doubleValue() <= 1.0)
                    || !(e.get("kind") instanceof String kind) || !(e.get("cause") instanceof String cause)
                    || !(e.get("time") instanceof String time) || !(e.get("index") instanceof Long index)
                    || index < 0 || index >= covers) {
                throw damaged(f, "its payload has an invalid entry: " + o);
            }
            if (entries.put(agent, new TrustLedger.Entry(agent, trust.doubleValue(), kind, cause, time, index)) != null) {
                throw damaged(f, "its payload lists agent '" + agent + "' twice");
            }
        }
        return new Contents(covers, lastCrc, entries);
    }

    /**
     * Deletes temp files a crash left while a snapshot was being written (never read: the rename
     * that would have made one the snapshot did not happen). For the read-write open only.
     */
    static void removeLeftoverTemps(Path ledgerDir) throws IOException {
        String prefix = "." + FILE + ".";
        List<Path> leftovers = new ArrayList<>();
        // A plain listing, not Files.list: no stream pipeline to link at every start (issue 11).
        for (String n : org.agenthypervisor.core.store.DirectoryListing.names(ledgerDir)) {
            if (n.startsWith(prefix) && n.endsWith(".tmp")) {
                leftovers.add(ledgerDir.resolve(n));
            }
        }
        for (Path p : leftovers) {
            Files.deleteIfExists(p);
        }
    }

    /** CRC32C of a record's payload, as {@code lastRecordCrc}. */
    static long crcOf(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return crc.getValue();
    }

    private static IOException damaged(Path f, String why) {
        return new IOException("trust ledger snapshot " + f + " is damaged: " + why + ". It is never rewritten or"
                + " ignored (it may be the only record of archived slashes): restore it from a backup");
    }
}
