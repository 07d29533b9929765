package org.agenthypervisor.core.observe;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Counters of what the hypervisor decided. Only slow paths count; allowed checks are not counted. */
public final class Counters {
    public final LongAdder denials = new LongAdder();
    public final LongAdder wouldDeny = new LongAdder();
    public final LongAdder internalErrors = new LongAdder();
    public final LongAdder handoffs = new LongAdder();
    public final LongAdder refusals = new LongAdder();
    public final LongAdder slashes = new LongAdder();
    public final LongAdder sagasStarted = new LongAdder();
    public final LongAdder sagasCompensated = new LongAdder();
    public final LongAdder sagasEscalated = new LongAdder();
    public final LongAdder sessionsOpened = new LongAdder();
    public final LongAdder deltas = new LongAdder();
    public final LongAdder policyReloads = new LongAdder();
    public final LongAdder policyRejections = new LongAdder();
    public final LongAdder auditRecords = new LongAdder();

    /** Every counter by name, for JMX. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("denials", denials.sum());
        out.put("wouldDeny", wouldDeny.sum());
        out.put("internalErrors", internalErrors.sum());
        out.put("handoffs", handoffs.sum());
        out.put("refusals", refusals.sum());
        out.put("slashes", slashes.sum());
        out.put("sagasStarted", sagasStarted.sum());
        out.put("sagasCompensated", sagasCompensated.sum());
        out.put("sagasEscalated", sagasEscalated.sum());
        out.put("sessionsOpened", sessionsOpened.sum());
        out.put("deltas", deltas.sum());
        out.put("policyReloads", policyReloads.sum());
        out.put("policyRejections", policyRejections.sum());
        out.put("auditRecords", auditRecords.sum());
        return out;
    }
}
