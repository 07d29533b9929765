package org.agenthypervisor.core.store;

import java.nio.file.Path;

/**
 * What {@link RecordLog#open} found and did.
 *
 * @param recordsRecovered records in the log after open (all of them, not only the last segment's)
 * @param segments         segment files in the log after open
 * @param bytesCut         bytes of torn tail cut (read-write) or that would be cut (read-only); 0 if none
 * @param cutFile          the segment holding the torn tail, or null if none
 * @param cutOffset        byte offset in {@code cutFile} where the cut starts, or -1 if none
 * @param applied          true if the cut was made; false when clean or opened read-only
 * @param message          one line for the operator log
 * @param markCreated      true if the log keeps a high-water mark, had records but no mark file, and got
 *                         one now: missing records could not be checked this time (worth a warning)
 */
public record OpenReport(long recordsRecovered, int segments, long bytesCut, Path cutFile, long cutOffset,
                         boolean applied, String message, boolean markCreated) {

    /** True if the last segment ended in a torn tail (cut, or to be cut by a read-write open). */
    public boolean tornTail() {
        return cutFile != null;
    }

    @Override
    public String toString() {
        return message;
    }
}
