package org.agenthypervisor.core.saga;

import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.observe.Counters;
import org.agenthypervisor.core.observe.FlightEvents;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What every saga transition turns into besides its journal record: an audit record, a Flight
 * Recorder event and, for the notable ones, a log line. Audit record types (all carry {@code saga}):
 *
 * <ul>
 *   <li>{@code saga.begin}: name, method, agent</li>
 *   <li>{@code saga.step.done}, {@code saga.step.failed}: step, method, agent (error)</li>
 *   <li>{@code saga.step.refused}: method, reason (a broken compensation, a failed journal, a saga
 *   that is rolling back)</li>
 *   <li>{@code saga.rollback}: error, steps</li>
 *   <li>{@code saga.compensating}, {@code saga.compensated} (attempts),
 *   {@code saga.compensation.failed} (attempt, error)</li>
 *   <li>{@code saga.escalated}: step, method, agent, reason, attempts, inDoubt</li>
 *   <li>{@code saga.liability}: step, agent, reason: the liability hook was called for the step's agent</li>
 *   <li>{@code saga.end}: name, outcome, compensated, escalated (and recovered for a recovered saga)</li>
 *   <li>{@code saga.recovery}, {@code saga.recovery.deferred}: trigger, steps / reason</li>
 *   <li>{@code saga.takeover}: from, epoch: this JVM took an unfinished saga over from a JVM whose lease on
 *   the shared journal expired (it is then recovered, trigger {@code takeover})</li>
 *   <li>{@code saga.journal.tail-cut}: file, offset, bytesCut, recordsKept</li>
 *   <li>{@code saga.journal.unauthenticated} (no saga): records (indexes, the first 100), count,
 *   reasons, tampered, quarantined (sagas the records name), held (unfinished sagas not recovered)</li>
 * </ul>
 *
 * A step's "started" transition is journaled but not audited: it is followed by done or failed (both
 * audited), or found in doubt by recovery (audited then); auditing it would double the audit volume
 * of every step.
 */
final class Transitions {
    static final Log LOG = Log.get("saga");

    final SagaLog journal;
    final AuditTrail audit;
    final Counters counters;

    Transitions(SagaLog journal, AuditTrail audit, Counters counters) {
        this.journal = journal;
        this.audit = audit;
        this.counters = counters;
    }

    /** Journals a record durably; a failure is logged (the caller decides whether it refuses). */
    boolean journal(byte[] record) {
        try {
            journal.write(record);
            return true;
        } catch (IOException e) {
            LOG.error("could not journal a saga record (" + e.getMessage() + "); the in-memory saga goes on, but a crash"
                    + " now could not be recovered from the journal");
            return false;
        }
    }

    void audit(String type, Object... keyValues) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            Object v = keyValues[i + 1];
            if (v != null) {
                fields.put((String) keyValues[i], v);
            }
        }
        try {
            audit.recordBestEffort(type, fields); // never refuse a saga step or compensation for the audit's sake
        } catch (RuntimeException e) {
            LOG.error("could not audit '" + type + "': " + e, e);
        }
    }

    static void flight(String saga, String step, String state, String method) {
        FlightEvents.SagaTransition event = FlightEvents.recording() ? new FlightEvents.SagaTransition() : null;
        if (event != null && event.isEnabled()) {
            event.saga = saga;
            event.step = step;
            event.state = state;
            event.method = method;
            event.commit();
        }
    }
}
