package org.agenthypervisor.core.store;

/**
 * One record read back from a {@link RecordLog}.
 *
 * @param index   the record's 0-based position in the log
 * @param payload the bytes as appended; a fresh array owned by the caller (equality is by reference,
 *                as for any record holding an array)
 */
public record LogRecord(long index, byte[] payload) {

    @Override
    public String toString() {
        return "LogRecord[index=" + index + ", " + payload.length + " bytes]";
    }
}
