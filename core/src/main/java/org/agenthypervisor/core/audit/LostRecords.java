package org.agenthypervisor.core.audit;

import org.agenthypervisor.core.encoding.CanonicalJson;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code <dataDir>/audit/lost}: how many audit records were lost while the log could not write, kept
 * where it survives the JVM so the next open can record {@code audit.records-lost}. The loss cannot
 * be derived from the log afterwards: a lost record leaves no gap in {@code seq}.
 *
 * <p>The file is created once with a fixed size and then only overwritten in place, never extended:
 * a full disk or a file-size limit, the usual reasons the log stopped, does not stop this small write
 * (except on a copy-on-write file system, where the ERROR line is all that is left). Its content is
 * one canonical JSON object padded with spaces: {@code {"cause":"...","lost":N,"since":"...","until":"..."}},
 * or {@code {}} when nothing is owed.
 */
public final class LostRecords implements AutoCloseable {
    static final String FILE = "lost";
    static final int SIZE = 512;

    /** What is owed: {@code lost} records from {@code since} to {@code until} (ISO-8601), and why. */
    public record Loss(long lost, String since, String until, String cause) {
        Map<String, Object> fields() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("lost", lost);
            f.put("since", since);
            f.put("until", until);
            f.put("cause", cause);
            return f;
        }
    }

    private final Path path;
    private final RandomAccessFile file;

    private LostRecords(Path path, RandomAccessFile file) {
        this.path = path;
        this.file = file;
    }

    /** Opens (creating and sizing) the file in an audit directory. */
    static LostRecords open(Path auditDir) throws IOException {
        Path path = auditDir.resolve(FILE);
        boolean fresh = !Files.exists(path);
        RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw");
        LostRecords lost = new LostRecords(path, file);
        if (fresh || file.length() != SIZE) {
            try {
                if (fresh) {
                    lost.write(null);
                } else {
                    Loss was = lost.read();
                    file.setLength(0);
                    lost.write(was);
                }
            } catch (IOException | RuntimeException e) {
                file.close();
                throw e;
            }
        }
        return lost;
    }

    /** What the file says is owed, or null. A file this class did not write is an error. */
    synchronized Loss read() throws IOException {
        byte[] bytes = new byte[(int) Math.min(SIZE, file.length())];
        file.seek(0);
        file.readFully(bytes);
        return parse(path, bytes);
    }

    /**
     * For {@code audit verify} (read-only): what the lost-records file of an audit directory says is
     * owed, or null when there is no such file or nothing is owed.
     */
    public static Loss owed(Path auditDir) throws IOException {
        Path path = auditDir.resolve(FILE);
        if (!Files.exists(path)) {
            return null;
        }
        return parse(path, Files.readAllBytes(path));
    }

    private static Loss parse(Path path, byte[] bytes) throws IOException {
        String text = new String(bytes, StandardCharsets.UTF_8).trim();
        if (text.isEmpty() || text.equals("{}")) {
            return null;
        }
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) CanonicalJson.parse(text.getBytes(StandardCharsets.UTF_8));
            long n = ((Number) m.get("lost")).longValue();
            return n <= 0 ? null : new Loss(n, String.valueOf(m.get("since")), String.valueOf(m.get("until")),
                    String.valueOf(m.get("cause")));
        } catch (RuntimeException malformed) {
            throw new IOException(path + " is not a lost-records file: " + malformed.getMessage(), malformed);
        }
    }

    /** Overwrites the file in place (no new blocks, no growth) and forces it; null clears it. */
    synchronized void write(Loss loss) throws IOException {
        byte[] json;
        if (loss == null) {
            json = "{}".getBytes(StandardCharsets.UTF_8);
        } else {
            String cause = loss.cause() == null ? "" : loss.cause();
            Loss fitted = loss;
            json = CanonicalJson.object().put("cause", cause).put("lost", loss.lost()).put("since", loss.since())
                    .put("until", loss.until()).toBytes();
            while (json.length > SIZE - 1 && !cause.isEmpty()) {
                cause = cause.substring(0, Math.max(0, cause.length() - 64));
                json = CanonicalJson.object().put("cause", cause + "…").put("lost", fitted.lost()).put("since", fitted.since())
                        .put("until", fitted.until()).toBytes();
            }
        }
        byte[] padded = new byte[SIZE];
        Arrays.fill(padded, (byte) ' ');
        System.arraycopy(json, 0, padded, 0, json.length);
        padded[SIZE - 1] = '\n';
        file.seek(0);
        file.write(padded);
        file.getFD().sync();
    }

    @Override
    public synchronized void close() throws IOException {
        file.close();
    }
}
