package org.agenthypervisor.core.audit;

import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.store.LogCursor;
import org.agenthypervisor.core.store.LogRecord;
import org.agenthypervisor.core.store.RecordLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the audit log proves about another store, for a cross-check at start. Reads the audit log
 * read-only (no lock, nothing modified), so it works while this JVM's {@link AuditLog} has it open.
 * Each record costs one byte search; only the few that match are parsed.
 */
public final class AuditEvidence {
    /** Canonical JSON writes members compactly, so a saga end always holds these bytes. */
    private static final byte[] SAGA_END = "\"type\":\"saga.end\"".getBytes(StandardCharsets.UTF_8);

    private AuditEvidence() {
    }

    /**
     * The {@code saga.end} audit records of any of {@code sagaIds}: saga id to the record's index
     * (its {@code seq}). Empty if there is no audit log.
     *
     * @throws IOException if the audit log cannot be read, or is corrupt
     */
    public static Map<String, Long> sagaEnds(Path dataDir, Set<String> sagaIds) throws IOException {
        Path dir = dataDir.resolve("audit");
        Map<String, Long> out = new TreeMap<>();
        if (sagaIds.isEmpty() || !Files.isDirectory(dir)) {
            return out;
        }
        try (RecordLog log = RecordLog.open(dir, AuditLog.RECORDS, RecordLog.Options.defaults().withReadOnly(true));
             LogCursor cursor = log.read(0)) {
            while (cursor.hasNext()) {
                LogRecord r = cursor.next();
                byte[] p = r.payload();
                if (indexOf(p, SAGA_END) < 0) {
                    continue;
                }
                Object tree;
                try {
                    tree = CanonicalJson.parse(p);
                } catch (IllegalArgumentException notJson) {
                    continue; // the audit log's own verification reports it
                }
                if (tree instanceof Map<?, ?> m && "saga.end".equals(m.get("type")) && m.get("saga") instanceof String id
                        && sagaIds.contains(id)) {
                    out.putIfAbsent(id, r.index());
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return out;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0, last = hay.length - needle.length; i <= last; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
