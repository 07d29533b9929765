package org.agenthypervisor.core.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link RecordLog#appendAll}: many records per write call, same files as one append each. */
class RecordLogAppendAllTest {
    @TempDir
    Path dir;

    private static List<byte[]> records(Random random, int count, int maxSize) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] r = new byte[random.nextInt(maxSize + 1)];
            random.nextBytes(r);
            out.add(r);
        }
        return out;
    }

    @Test
    void batchesAcrossChunksAndSegmentRollsReadBackInOrderAfterReopen() throws IOException {
        Random random = new Random(7);
        List<byte[]> all = new ArrayList<>();
        RecordLog.Options options = RecordLog.Options.defaults().withSegmentSize(50_000).withMaxRecordSize(200_000);
        try (RecordLog log = RecordLog.open(dir, "j", options)) {
            for (int batch = 0; batch < 40; batch++) {
                List<byte[]> records = records(random, random.nextInt(300), batch % 7 == 0 ? 100_000 : 400);
                long first = log.appendAll(records);
                assertEquals(all.size(), first);
                all.addAll(records);
                assertEquals(all.size(), log.size());
                log.append("single".getBytes(StandardCharsets.UTF_8));
                all.add("single".getBytes(StandardCharsets.UTF_8));
            }
            assertEquals(all.size(), log.size());
            assertArrayEquals(all.get(all.size() - 1), log.get(all.size() - 1));
        }
        try (RecordLog log = RecordLog.open(dir, "j", options)) {
            assertEquals(all.size(), log.size());
            assertEquals(0, log.openReport().bytesCut());
            List<byte[]> read = new ArrayList<>();
            log.forEach(0, r -> read.add(r.payload()));
            for (int i = 0; i < all.size(); i++) {
                assertArrayEquals(all.get(i), read.get(i), "record " + i);
            }
            assertEquals(true, log.openReport().segments() > 3, "the batches crossed segment rolls");
        }
    }

    @Test
    void anEmptyBatchWritesNothing() throws IOException {
        try (RecordLog log = RecordLog.open(dir, "j", RecordLog.Options.defaults())) {
            log.append(new byte[] {1});
            assertEquals(1, log.appendAll(List.of()));
            assertEquals(1, log.size());
            assertEquals(1, log.appendAll(Arrays.asList(new byte[] {2}, new byte[0])));
            assertEquals(3, log.size());
        }
    }
}
