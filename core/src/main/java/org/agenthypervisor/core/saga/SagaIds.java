package org.agenthypervisor.core.saga;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Saga and step ids. A saga id is {@code s} followed by a number that grows across restarts (the
 * next number after the highest in the journal), so ids are short, unique within a data directory
 * and sort in the order sagas began: {@code s17}. A step id is the saga id, a dot and the step's
 * number in the order steps started: {@code s17.3}. Step ids are what {@code Hypervisor.currentStep()}
 * returns, inside the step and inside its compensation, also after a restart.
 */
public final class SagaIds {
    /** Numbers a JVM reserves at once in a shared journal (one database round trip per block). */
    static final int BLOCK = 100;

    private final AtomicLong next;
    /** A shared journal hands out blocks of numbers; null for the file journal. */
    private final SharedSagaLog shared;
    private long blockNext;
    private long blockEnd;

    SagaIds(long highestInJournal) {
        this.next = new AtomicLong(highestInJournal);
        this.shared = null;
    }

    /**
     * Ids in a journal several JVMs share: from blocks of {@value #BLOCK} numbers the database reserves
     * for this JVM, so no two JVMs ever give out the same id (ids then sort by block, not by start).
     */
    SagaIds(SharedSagaLog shared) {
        this.next = null;
        this.shared = shared;
    }

    /** @throws java.io.UncheckedIOException if a shared journal cannot reserve numbers */
    String nextSaga() {
        if (shared == null) {
            return "s" + next.incrementAndGet();
        }
        synchronized (this) {
            if (blockNext >= blockEnd) {
                try {
                    blockNext = shared.reserveNumbers(BLOCK);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                blockEnd = blockNext + BLOCK;
            }
            return "s" + blockNext++;
        }
    }

    static String step(String sagaId, int number) {
        return sagaId + "." + number;
    }

    /** The number of a saga id, or 0 if it is not one of ours. */
    static long number(String sagaId) {
        if (sagaId.length() < 2 || sagaId.charAt(0) != 's') {
            return 0;
        }
        long n = 0;
        for (int i = 1; i < sagaId.length(); i++) {
            char c = sagaId.charAt(i);
            if (c < '0' || c > '9' || n > Long.MAX_VALUE / 10 - 10) {
                return 0;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** Accepts {@code s17} and {@code 17} (what operators type). */
    public static String normalize(String id) {
        return !id.isEmpty() && Character.isDigit(id.charAt(0)) ? "s" + id : id;
    }
}
