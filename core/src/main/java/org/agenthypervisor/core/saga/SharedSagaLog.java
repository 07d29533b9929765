package org.agenthypervisor.core.saga;

import java.io.IOException;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A saga journal shared by several JVMs of one application (the PostgreSQL store). Besides writing, it
 * gives out saga numbers no other JVM uses, keeps this JVM's lease on the sagas it owns, and hands the
 * engine the unfinished sagas of JVMs whose lease expired, once this JVM has taken them over (each
 * saga to exactly one JVM; the take-over fences the old owner's writes).
 */
public interface SharedSagaLog extends SagaLog {

    /** One unfinished saga this JVM now owns: its records in the order they were written. */
    record Claimed(String sagaId, String previousOwner, long epoch, List<byte[]> records) {
    }

    /**
     * The first of a block of saga numbers reserved for this JVM.
     *
     * @param size how many numbers the block holds
     */
    long reserveNumbers(int size) throws IOException;

    /**
     * Starts the lease renewer and, whenever {@code takeOver} says so, the take-over of expired sagas;
     * {@code taken} runs on the renewer's thread with each batch of sagas this JVM took over (it must
     * not block: recovery runs elsewhere).
     */
    void start(BooleanSupplier takeOver, Consumer<List<Claimed>> taken);

    /**
     * Takes over, now, the unfinished sagas whose owner's lease expired (the command line's
     * {@code saga recover --store}).
     *
     * @param only these saga ids, or empty for all
     */
    List<Claimed> takeExpired(java.util.Set<String> only) throws IOException;

    /** Whether this JVM holds a valid lease now (new sagas and steps are refused without one). */
    boolean leaseValid();
}
