package org.agenthypervisor.it;

import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.store.LogRecord;
import org.agenthypervisor.core.store.RecordLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads a data directory's audit log read-only, as a list of records. */
public final class AuditRecords {
    private AuditRecords() {
    }

    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> read(Path dataDir) {
        Path dir = dataDir.resolve("audit");
        List<Map<String, Object>> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (RecordLog log = RecordLog.open(dir, "audit", RecordLog.Options.defaults().withReadOnly(true))) {
            log.forEach(0, (LogRecord r) -> out.add((Map<String, Object>) CanonicalJson.parse(r.payload())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    public static List<Map<String, Object>> ofType(Path dataDir, String type) {
        return read(dataDir).stream().filter(r -> type.equals(r.get("type"))).toList();
    }
}
