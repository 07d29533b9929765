package org.agenthypervisor.core.opentelemetry;

import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.audit.TreeHead;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.ContextCell;
import org.agenthypervisor.core.log.Log;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An audit trail that also tells the application's OpenTelemetry what it records: each denial,
 * refusal, slash, trust change, hand-off and saga transition becomes an event on the current span
 * (named {@code agent_hypervisor.<record type>}, with the record's fields as
 * {@code agent_hypervisor.*} attributes), and counts towards {@code agent_hypervisor.denials},
 * {@code .handoffs}, {@code .slashes} and {@code .saga.steps}; the last trust seen per agent is the
 * gauge {@code agent_hypervisor.trust}.
 *
 * <p>The records are made on the thread of the governed call, so "current span" is the
 * application's span around that call. The API is looked up at the first such event, through the
 * calling thread's context class loader and then the system class loader; without it the bridge
 * does nothing. The audit record is written first and is what counts: anything the bridge fails at
 * is logged once and turns the bridge off, never the governed call.
 */
public final class OpenTelemetryBridge implements AuditTrail {
    static final String PREFIX = "agent_hypervisor.";
    private static final Log LOG = Log.get("observe");
    private static final Set<String> DENIALS = Set.of("ring.denied", "ring.would-deny", "capability.denied",
            "capability.would-deny", "session.key-denied", "session.refused", "quarantine.refused");
    /** The breaker and the operator's quarantine, kill and release (issue 15): span events, not counted as denials. */
    private static final Set<String> QUARANTINE = Set.of("breach.tripped", "quarantine.set", "quarantine.released",
            "quarantine.expired");
    private static final Set<String> TRUST = Set.of("trust.slashed", "trust.set", "trust.recovered");
    /** Record fields renamed to the attribute names the issue asks for; the others become snake_case. */
    private static final Map<String, String> RENAMED = Map.of("effectiveRing", "ring", "source", "rule", "policyKey", "rule",
            "requirement", "rule");

    private final AuditTrail delegate;
    private volatile boolean off;
    /** The loader last looked in, and what it held (null: no API there). */
    private volatile ClassLoader lookedIn;
    private volatile OpenTelemetryApi api;
    private volatile Metrics metrics;
    private final Map<String, Double> trust = new ConcurrentHashMap<>();

    private OpenTelemetryBridge(AuditTrail delegate) {
        this.delegate = delegate;
    }

    /** {@code trail} itself when {@code enabled} is false ({@code observe.opentelemetry: off}), else the bridge around it. */
    public static AuditTrail observe(AuditTrail trail, boolean enabled) {
        return enabled ? new OpenTelemetryBridge(trail) : trail;
    }

    @Override
    public void record(String type, Map<String, Object> fields) {
        delegate.record(type, fields);
        publish(type, fields);
    }

    @Override
    public void recordBestEffort(String type, Map<String, Object> fields) {
        delegate.recordBestEffort(type, fields);
        publish(type, fields);
    }

    @Override
    public void flush() {
        delegate.flush();
    }

    @Override
    public TreeHead signTreeHead(String reason, Map<String, Object> subject) {
        return delegate.signTreeHead(reason, subject);
    }

    @Override
    public boolean signsTreeHeads() {
        return delegate.signsTreeHeads();
    }

    @Override
    public void close() {
        delegate.close();
    }


    static boolean published(String type) {
        return DENIALS.contains(type) || TRUST.contains(type) || QUARANTINE.contains(type) || type.equals("handoff")
                || type.equals("handoff.refused")
                || type.startsWith("saga.") && !type.startsWith("saga.journal.");
    }

    private void publish(String type, Map<String, Object> fields) {
        if (off || type == null || !published(type)) {
            return;
        }
        // The calls below are the hypervisor's, not the agent's whose call is being recorded: the SDK may read
        // the environment or files on first use, which the agent's capabilities would refuse (and slash it for).
        ContextCell cell = ContextCell.peek();
        Context saved = cell == null ? null : cell.get();
        if (cell != null) {
            cell.set(null);
        }
        try {
            OpenTelemetryApi otel = api();
            if (otel == null) {
                return;
            }
            Map<String, Object> values = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : fields.entrySet()) {
                String name = RENAMED.getOrDefault(e.getKey(), snake(e.getKey()));
                values.putIfAbsent(PREFIX + name, e.getValue());
            }
            otel.addEvent(PREFIX + type, otel.attributes(values));
            observeTrust(type, fields);
            Metrics m = metrics(otel);
            if (m != null) {
                m.count(type, fields);
            }
        } catch (Throwable t) {
            off = true;
            LOG.warn("OpenTelemetry bridge turned off after an error (the audit log is unaffected): " + t);
        } finally {
            if (cell != null) {
                cell.set(saved);
            }
        }
    }

    private OpenTelemetryApi api() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context == null) {
            context = ClassLoader.getSystemClassLoader();
        }
        if (context != lookedIn) {
            OpenTelemetryApi found = OpenTelemetryApi.find(context);
            if (found == null && context != ClassLoader.getSystemClassLoader()) {
                found = OpenTelemetryApi.find(ClassLoader.getSystemClassLoader());
            }
            api = found;
            lookedIn = context;
            if (found != null) {
                LOG.info("OpenTelemetry API found: denials, refusals, slashes, hand-offs and saga transitions become span"
                        + " events and agent_hypervisor.* metrics (observe.opentelemetry: off turns this off)");
            }
        }
        return api;
    }

    private void observeTrust(String type, Map<String, Object> fields) {
        Object agent = fields.get("agent");
        Object value = TRUST.contains(type) ? fields.get("after") : fields.get("trust");
        if (agent instanceof String a && value instanceof Number n && !type.equals("handoff.refused")) {
            trust.put(a, n.doubleValue());
        }
    }

    private Metrics metrics(OpenTelemetryApi otel) throws Throwable {
        Metrics m = metrics;
        if (m == null) {
            synchronized (this) {
                if (metrics == null) {
                    Object meter = otel.meter("org.agenthypervisor");
                    if (meter == null) {
                        return null; // the application has not set its OpenTelemetry yet: count from when it has
                    }
                    metrics = new Metrics(otel, meter);
                }
                m = metrics;
            }
        }
        return m;
    }

    /** The instruments, made once the application's global OpenTelemetry is set. */
    private final class Metrics {
        private final OpenTelemetryApi otel;
        private final Object denials;
        private final Object handoffs;
        private final Object slashes;
        private final Object sagaSteps;

        Metrics(OpenTelemetryApi otel, Object meter) throws Throwable {
            this.otel = otel;
            denials = otel.counter(meter, PREFIX + "denials", "Governed calls, capabilities and session keys denied");
            handoffs = otel.counter(meter, PREFIX + "handoffs", "Hand-offs between agents (outcome: accepted or refused)");
            slashes = otel.counter(meter, PREFIX + "slashes", "Trust slashes");
            sagaSteps = otel.counter(meter, PREFIX + "saga.steps", "Saga steps and compensations (state)");
            otel.gauge(meter, PREFIX + "trust", "The last trust score seen per agent", sink -> trust.forEach((agent, value) -> {
                try {
                    sink.accept(new Object[]{value, otel.attributes(Map.of(PREFIX + "agent", agent))});
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                }
            }));
        }

        void count(String type, Map<String, Object> f) throws Throwable {
            Map<String, Object> a = new LinkedHashMap<>();
            Object counter;
            if (DENIALS.contains(type)) {
                counter = denials;
                a.put(PREFIX + "agent", f.get("agent"));
                a.put(PREFIX + "type", type);
                a.put(PREFIX + "ring", f.get("effectiveRing"));
            } else if (type.equals("handoff") || type.equals("handoff.refused")) {
                counter = handoffs;
                a.put(PREFIX + "sender", f.get("sender"));
                a.put(PREFIX + "receiver", f.get("receiver"));
                a.put(PREFIX + "outcome", type.equals("handoff") ? "accepted" : "refused");
            } else if (type.equals("trust.slashed")) {
                counter = slashes;
                a.put(PREFIX + "agent", f.get("agent"));
                a.put(PREFIX + "kind", f.get("kind"));
            } else if (type.startsWith("saga.step.") || type.startsWith("saga.compensat") || type.equals("saga.escalated")) {
                counter = sagaSteps;
                a.put(PREFIX + "state", type.substring("saga.".length()));
            } else {
                return;
            }
            otel.add(counter, 1, otel.attributes(a));
        }
    }

    static String snake(String camel) {
        StringBuilder b = new StringBuilder(camel.length() + 4);
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (Character.isUpperCase(c)) {
                b.append('_').append(Character.toLowerCase(c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
