package org.agenthypervisor.core.store;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A record log holds damage that a crash cannot explain (see {@link RecordLog} for the rule). Nothing
 * was modified; an operator has to look at the named file before the log can be opened again.
 */
public final class CorruptLogException extends IOException {

    private static final long serialVersionUID = 1L;

    private final Path file;
    private final long offset;
    private final long recordIndex;

    /**
     * @param file        the damaged file
     * @param offset      byte offset in that file where the damage starts
     * @param recordIndex index of the record that would start there, or -1 if unknown
     * @param reason      what is wrong, in words
     */
    public CorruptLogException(Path file, long offset, long recordIndex, String reason) {
        super("corrupt record log: " + file + " at byte offset " + offset
                + (recordIndex >= 0 ? " (record index " + recordIndex + ")" : "") + ": " + reason);
        this.file = file;
        this.offset = offset;
        this.recordIndex = recordIndex;
    }

    /** The damaged file. */
    public Path file() {
        return file;
    }

    /** Byte offset in {@link #file()} where the damage starts. */
    public long offset() {
        return offset;
    }

    /** Index of the record that would start at {@link #offset()}, or -1 if unknown. */
    public long recordIndex() {
        return recordIndex;
    }
}
