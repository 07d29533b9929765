package org.agenthypervisor.core.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Test helpers that look at a log's files directly, independently of the code under test. */
final class LogFiles {

    static final String NAME = "journal";

    private LogFiles() {
    }

    /** A recognisable payload whose length varies with i (0..50 bytes, so some records are empty). */
    static byte[] payload(long i) {
        String s = "record-" + i + "-";
        int len = (int) (i * 7 % 51);
        byte[] b = new byte[len];
        byte[] t = s.getBytes(StandardCharsets.UTF_8);
        for (int k = 0; k < len; k++) {
            b[k] = t[k % t.length];
        }
        return b;
    }

    static RecordLog.Options small() {
        return RecordLog.Options.defaults().withSegmentSize(256).withMaxRecordSize(1024);
    }

    /** Every file in dir (not recursive) by name, with its bytes: to prove nothing was modified. */
    static Map<String, byte[]> snapshot(Path dir) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                m.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return m;
    }

    static void assertSame(Map<String, byte[]> before, Map<String, byte[]> after) {
        org.junit.jupiter.api.Assertions.assertEquals(before.keySet(), after.keySet(), "file set changed");
        for (String k : before.keySet()) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(before.get(k), after.get(k), k + " changed");
        }
    }

    static List<Path> segments(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches(NAME + "-\\d{20}\\.seg")).sorted().toList();
        }
    }

    static Path lastSegment(Path dir) throws IOException {
        List<Path> s = segments(dir);
        return s.get(s.size() - 1);
    }

    static long firstIndexOf(Path segment) {
        String f = segment.getFileName().toString();
        return Long.parseLong(f.substring(f.length() - 24, f.length() - 4));
    }

    /** Offsets of the frames in a segment, parsed by trusting the length fields. */
    static List<Long> frameOffsets(Path segment) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(segment));
        List<Long> out = new ArrayList<>();
        int pos = 24;
        while (pos + 12 <= b.limit()) {
            int len = b.getInt(pos);
            if (len < 0 || pos + 12L + len > b.limit()) {
                break;
            }
            out.add((long) pos);
            pos += 12 + len;
        }
        return out;
    }

    static List<byte[]> readAll(RecordLog log) throws IOException {
        List<byte[]> out = new ArrayList<>();
        log.forEach(0, r -> out.add(r.payload()));
        return out;
    }

    static void truncate(Path file, long size) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    static void flipByte(Path file, long offset) throws IOException {
        byte[] b = Files.readAllBytes(file);
        b[(int) offset] ^= 0x5A;
        Files.write(file, b);
    }

    static void putInt(Path file, long offset, int value) throws IOException {
        byte[] b = Files.readAllBytes(file);
        ByteBuffer.wrap(b).putInt((int) offset, value);
        Files.write(file, b);
    }

    static void appendBytes(Path file, byte[] extra) throws IOException {
        Files.write(file, extra, java.nio.file.StandardOpenOption.APPEND);
    }
}
