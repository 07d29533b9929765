package org.agenthypervisor.core.audit;

import java.util.Map;

/**
 * Where the hypervisor's decisions are recorded. Appends must be cheap for the caller (they happen
 * on denial and hand-off paths): implementations queue and write in the background according to the
 * policy's {@code audit.durability}, and {@link #flush()} waits until everything queued is durable.
 */
public interface AuditTrail extends AutoCloseable {
    /**
     * Records an event that a governed call depends on: once the log cannot write, under
     * {@code audit.onWriteFailure: deny} (the default) this throws {@link AuditUnavailableException}
     * so the call fails closed instead of running unaudited; under {@code continue} the record is
     * counted as lost and the call goes on.
     *
     * @param type   the record type, e.g. {@code ring.would-deny}
     * @param fields the event's fields: strings, numbers, booleans, lists and maps of those
     * @throws AuditUnavailableException if the log cannot write and the policy says deny
     */
    void record(String type, Map<String, Object> fields);

    /**
     * Records an event whose call is refused anyway or that belongs to no call (a denial, a slash,
     * a policy reload, a shutdown): never throws for a log that cannot write; the record is counted
     * as lost instead. Refusing here would only replace one refusal by another, or skip a slash.
     */
    default void recordBestEffort(String type, Map<String, Object> fields) {
        try {
            record(type, fields);
        } catch (AuditUnavailableException counted) {
            // the trail counted the lost record and said so
        }
    }

    /** Waits until every record queued so far is written and durable per the policy. */
    void flush();

    /**
     * Signs a tree head now, covering every record queued before this call (after making them
     * durable per the policy), and waits for it. Used when a session closes.
     *
     * @param reason  why, recorded and signed with the head (e.g. {@code session.closed})
     * @param subject what the head is for (signed with it), or null
     * @return the head, or null if this trail does not sign (a trail of tools and tests) or is closed
     */
    default TreeHead signTreeHead(String reason, Map<String, Object> subject) {
        flush();
        return null;
    }

    /** Whether {@link #signTreeHead} signs (a real audit log, or a trail around one); tools' and tests' trails do not. */
    default boolean signsTreeHeads() {
        return false;
    }

    @Override
    void close();

    /** A trail that records nothing (for tools and tests). */
    AuditTrail NONE = new AuditTrail() {
        @Override
        public void record(String type, Map<String, Object> fields) {
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
}
