package org.agenthypervisor.core.runtime;

import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.gate.GateListener;
import org.agenthypervisor.core.gate.SiteBinding;
import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.observe.Counters;
import org.agenthypervisor.core.observe.FlightEvents;
import org.agenthypervisor.core.rings.RingDenial;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns what the gate reports into the four things operators see: an audit record, one log line,
 * a Flight Recorder event and a counter.
 */
final class RuntimeEvents implements GateListener {
    private static final Log RINGS = Log.get("rings");
    private static final Log GATE = Log.get("gate");

    private final AuditTrail audit;
    private final Counters counters;
    /** At most this many denial lines a second reach the log; the audit log gets every denial. */
    private final org.agenthypervisor.core.log.RateLimiter denialLines = new org.agenthypervisor.core.log.RateLimiter(50);
    private volatile AnomalySink anomalies = NoAnomalySink.INSTANCE;

    RuntimeEvents(AuditTrail audit, Counters counters) {
        this.audit = audit;
        this.counters = counters;
    }

    /** Where enforced ring violations go to be counted as anomalies (liability). */
    interface AnomalySink {
        void ringViolation(RingDenial denial, SiteBinding binding);
    }

    /**
     * The sink until {@link #setAnomalySink}: none. A class, not a lambda: each lambda costs ~0.5 ms to
     * link at start-up (issue 11).
     */
    private static final class NoAnomalySink implements AnomalySink {
        static final NoAnomalySink INSTANCE = new NoAnomalySink();

        @Override
        public void ringViolation(RingDenial denial, SiteBinding binding) {
        }
    }

    void setAnomalySink(AnomalySink sink) {
        this.anomalies = sink;
    }

    @Override
    public void ringViolation(RingDenial denial, boolean enforced, SiteBinding binding) {
        report(denial, enforced, binding, null, null);
    }

    @Override
    public void toolDenied(RingDenial denial, boolean enforced, SiteBinding binding, String tool, String framework) {
        report(denial, enforced, binding, tool, framework);
    }

    private void report(RingDenial denial, boolean enforced, SiteBinding binding, String tool, String framework) {
        (enforced ? counters.denials : counters.wouldDeny).increment();
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("agent", denial.agent());
        fields.put("method", denial.method());
        fields.put("effectiveRing", denial.effectiveRing());
        fields.put("grantedRing", denial.grantedRing());
        fields.put("requiredRing", denial.requiredRing());
        fields.put("trust", denial.trust());
        fields.put("source", denial.requirementSource());
        fields.put("pinned", denial.pinned());
        if (tool != null) {
            fields.put("tool", tool);
            fields.put("framework", framework);
        }
        if (enforced) {
            audit.recordBestEffort("ring.denied", fields); // refused anyway, and the slash below must happen
        } else {
            audit.record("ring.would-deny", fields); // the call runs: under onWriteFailure deny it must not run unaudited
        }
        long suppressed = denialLines.tryAcquire();
        if (suppressed >= 0) {
            String more = suppressed > 0 ? " (" + suppressed + " more denial line(s) suppressed; every denial is in the audit log)" : "";
            RINGS.warn((enforced ? "DENIED " : "WOULD DENY (audit mode; the call runs) ") + denial.message() + more);
        }
        FlightEvents.RingDenied event = FlightEvents.recording() ? new FlightEvents.RingDenied() : null;
        if (event != null && event.isEnabled()) {
            event.agent = denial.agent();
            event.method = denial.method();
            event.effectiveRing = denial.effectiveRing();
            event.grantedRing = denial.grantedRing();
            event.requiredRing = denial.requiredRing();
            event.source = denial.requirementSource();
            event.enforced = enforced;
            event.commit();
        }
        if (enforced) {
            anomalies.ringViolation(denial, binding);
        }
    }

    @Override
    public void internalError(SiteBinding binding, Throwable error, boolean denied) {
        counters.internalErrors.increment();
        String method = binding == null ? "an unknown method" : binding.method();
        GATE.error("internal error in the check of " + method + "; the call was " + (denied ? "DENIED (fail closed)" : "ALLOWED (onInternalError: allow)"), error);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("method", method);
        fields.put("error", String.valueOf(error));
        fields.put("denied", denied);
        audit.recordBestEffort("gate.internal-error", fields);
    }
}
