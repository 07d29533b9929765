package org.agenthypervisor.core.quarantine;

import org.agenthypervisor.core.context.Principal.Quarantine;
import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.store.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The quarantines in force, saved in the data directory ({@value #FILE}) at every change so that a
 * restart does not release a killed or quarantined agent. The whole file is rewritten atomically and
 * forced (operators' actions and tripped breakers are rare). A file that cannot be read is an error
 * naming it, never ignored: ignoring it would release every agent in it.
 */
final class QuarantineFile {
    static final String FILE = "quarantines.json";
    static final long VERSION = 1;

    /** One saved quarantine; {@code untilMillis} is {@link Long#MAX_VALUE} for a kill. */
    record Saved(String agent, Quarantine quarantine) {
    }

    private final Path file;

    QuarantineFile(Path dataDir) {
        this.file = dataDir.resolve(FILE);
    }

    Path path() {
        return file;
    }

    void write(List<Saved> all) throws IOException {
        List<Object> rows = new ArrayList<>();
        for (Saved s : all) {
            Quarantine q = s.quarantine();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("agent", s.agent());
            row.put("since", q.sinceMillis());
            row.put("until", q.killed() || q.untilMillis() == Long.MAX_VALUE ? null : q.untilMillis());
            row.put("reason", q.reason());
            row.put("by", q.by());
            row.put("killed", q.killed());
            rows.add(row);
        }
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("version", VERSION);
        tree.put("quarantines", rows);
        AtomicFiles.write(file, CanonicalJson.write(tree), null);
    }

    /**
     * @return the saved quarantines; empty when there is no file
     * @throws IOException naming the file when it cannot be read or is not what this class writes
     */
    List<Saved> read() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException none) {
            return List.of();
        }
        try {
            Object tree = CanonicalJson.parse(bytes);
            if (!(tree instanceof Map<?, ?> top) || !Long.valueOf(VERSION).equals(top.get("version"))
                    || !(top.get("quarantines") instanceof List<?> rows)) {
                throw new IllegalArgumentException("expected {\"version\":1,\"quarantines\":[...]}");
            }
            List<Saved> out = new ArrayList<>();
            for (Object o : rows) {
                if (!(o instanceof Map<?, ?> row) || !(row.get("agent") instanceof String agent)
                        || !(row.get("since") instanceof Long since) || !(row.get("reason") instanceof String reason)
                        || !(row.get("by") instanceof String by) || !(row.get("killed") instanceof Boolean killed)
                        || !(row.get("until") == null || row.get("until") instanceof Long)) {
                    throw new IllegalArgumentException("entry " + out.size() + " is not a quarantine: " + o);
                }
                if (!org.agenthypervisor.core.crypto.KeyDirectory.isValidId(agent) || "host".equals(agent)) {
                    throw new IllegalArgumentException("entry " + out.size() + " names '" + agent + "', not an agent id");
                }
                Long until = (Long) row.get("until");
                if (until == null && !killed) {
                    throw new IllegalArgumentException("entry " + out.size() + " has no end and is not a kill: " + o);
                }
                out.add(new Saved(agent, new Quarantine(since, until == null ? Long.MAX_VALUE : until, reason, by, killed)));
            }
            return out;
        } catch (IllegalArgumentException malformed) {
            throw new IOException("the saved quarantines in " + file + " cannot be read (" + malformed.getMessage()
                    + "); the hypervisor does not start without them, since ignoring the file would release every"
                    + " agent in it. Restore the file, or delete it to release them all (the audit log keeps the"
                    + " decisions)", malformed);
        }
    }
}
