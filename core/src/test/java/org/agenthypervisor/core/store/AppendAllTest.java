package org.agenthypervisor.core.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class AppendAllTest {
    @TempDir
    Path dir;

    @Test
    void batchesAcrossSegmentRollsReadBackInOrder() throws Exception {
        List<byte[]> expected = new ArrayList<>();
        try (RecordLog log = RecordLog.open(dir, LogFiles.NAME, LogFiles.small())) {
            long next = 0;
            for (int batch = 0; batch < 20; batch++) {
                List<byte[]> records = new ArrayList<>();
                for (int i = 0; i <= batch % 7; i++) {
                    records.add(LogFiles.payload(next + i));
                }
                assertEquals(next, log.appendAll(records));
                next += records.size();
                expected.addAll(records);
                log.append(LogFiles.payload(next++));
                expected.add(LogFiles.payload(next - 1));
            }
            assertEquals(expected.size(), log.size());
        }
        try (RecordLog log = RecordLog.open(dir, LogFiles.NAME, LogFiles.small().withReadOnly(true))) {
            assertEquals(expected.size(), log.size());
            for (int i = 0; i < expected.size(); i++) {
                assertArrayEquals(expected.get(i), log.get(i), "record " + i);
            }
            assertEquals(false, log.openReport().tornTail());
        }
        assertEquals(true, LogFiles.segments(dir).size() > 3, "the small segments rolled");
    }
}
