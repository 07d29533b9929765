package org.agenthypervisor.it;

import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.store.LogRecord;
import org.agenthypervisor.core.store.RecordLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads a data directory's signed tree heads read-only. */
public final class AuditHeads {
    private AuditHeads() {
    }

    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> read(Path dataDir) {
        List<Map<String, Object>> out = new ArrayList<>();
        try (RecordLog log = RecordLog.open(dataDir.resolve("audit"), "heads", RecordLog.Options.defaults().withReadOnly(true))) {
            log.forEach(0, (LogRecord r) -> out.add((Map<String, Object>) CanonicalJson.parse(r.payload())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
