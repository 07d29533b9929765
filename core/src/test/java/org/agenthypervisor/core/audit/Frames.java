package org.agenthypervisor.core.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * What an attacker with write access does to a record log's segment file, written from the format's
 * description (24-byte header; frames of length, CRC32C of the length, CRC32C of length and payload),
 * independently of the code under test.
 */
final class Frames {
    static final int HEADER = 24;

    private Frames() {
    }

    /** The single segment file of log {@code name} in {@code dir}. */
    static Path segment(Path dir, String name) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> segs = s.filter(p -> p.getFileName().toString().matches(name + "-\\d{20}\\.seg")).sorted().toList();
            if (segs.size() != 1) {
                throw new IllegalStateException("expected one segment of " + name + ", got " + segs);
            }
            return segs.get(0);
        }
    }

    /** Byte offset of each frame, plus the end of the last one. */
    static List<Long> offsets(byte[] file) {
        List<Long> out = new ArrayList<>();
        long pos = HEADER;
        while (pos + 12 <= file.length) {
            out.add(pos);
            int len = ByteBuffer.wrap(file, (int) pos, 4).getInt();
            pos += 12 + len;
        }
        out.add(pos);
        return out;
    }

    static List<byte[]> payloads(byte[] file) {
        List<Long> offs = offsets(file);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i + 1 < offs.size(); i++) {
            int start = (int) (long) offs.get(i) + 12;
            int end = (int) (long) offs.get(i + 1);
            byte[] p = new byte[end - start];
            System.arraycopy(file, start, p, 0, p.length);
            out.add(p);
        }
        return out;
    }

    /** The file with its frames replaced by {@code payloads}, each with correct CRCs. */
    static byte[] rewrite(byte[] file, List<byte[]> payloads) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + payloads.stream().mapToInt(p -> p.length + 12).sum());
        b.put(file, 0, HEADER);
        for (byte[] p : payloads) {
            CRC32C c = new CRC32C();
            byte[] len = ByteBuffer.allocate(4).putInt(p.length).array();
            c.update(len);
            int lenCrc = (int) c.getValue();
            c.update(p);
            b.put(len).putInt(lenCrc).putInt((int) c.getValue()).put(p);
        }
        return b.array();
    }
}
