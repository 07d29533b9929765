package org.agenthypervisor.core.approval;

import org.agenthypervisor.api.ApprovalDeniedException;
import org.agenthypervisor.api.Approver;
import org.agenthypervisor.api.Approver.Decision;
import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.encoding.PayloadEncoder;
import org.agenthypervisor.core.gate.Call;
import org.agenthypervisor.core.gate.CallParticipant;
import org.agenthypervisor.core.liability.Chain;
import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.policy.Durations;
import org.agenthypervisor.core.policy.Policy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Holds the pending approval requests of this JVM and makes approval-required calls wait for them.
 *
 * <p>A call participant (first in line, after the ring check): an approval-required method's call
 * blocks here until a decision, at most {@code approval.timeout}. Every request is listed to operators
 * ({@link #pending}, over JMX: {@code approvals list --pid}) and, when the policy names one, handed to the
 * application's {@link Approver}; the first decision wins. Denied, timed out, interrupted, or an
 * approver that throws, returns null or fails: {@link ApprovalDeniedException} and the body never runs
 * (fail closed). In {@code mode: audit} the call does not wait: the request is audited as
 * {@code approval.wouldRequire} and the call runs.
 *
 * <p>Audited: {@code approval.requested} (strictly: a request the log cannot show is refused),
 * {@code approval.approved}, {@code approval.denied}, {@code approval.timedOut}.
 */
public final class Approvals implements CallParticipant {
    private static final Log LOG = Log.get("approval");
    private static final HexFormat HEX = HexFormat.of();
    /** How much of the arguments' canonical JSON a request shows. */
    static final int PREVIEW_CHARS = 120;

    private final AuditTrail audit;
    private final Supplier<Policy> policy;
    private final LongSupplier clock;
    private final AtomicLong ids = new AtomicLong();
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    /** The policy's approver as last loaded: its name, and the instance or why it cannot be used. */
    private volatile Object[] loaded = {null, null};

    private record Pending(Approver.Request request, CompletableFuture<Decision> decision) {
    }

    public Approvals(AuditTrail audit, Supplier<Policy> policy, LongSupplier clock) {
        this.audit = audit;
        this.policy = policy;
        this.clock = clock;
    }

    /**
     * The tool method a framework's dispatcher just had approved on this thread (a display string),
     * so the woven method it dispatches to does not ask a second time for the same call.
     */
    private static final ThreadLocal<String> APPROVED_AT_DISPATCH = new ThreadLocal<>();

    /** Marks {@code method} approved for the tool call this thread is dispatching; null clears. */
    public static void approvedAtDispatch(String method) {
        if (method == null) {
            APPROVED_AT_DISPATCH.remove();
        } else {
            APPROVED_AT_DISPATCH.set(method);
        }
    }

    @Override
    public Object enter(Call call) {
        if (!call.binding().approval()) {
            return null;
        }
        String approved = APPROVED_AT_DISPATCH.get();
        if (approved != null && approved.equals(call.binding().method())) {
            APPROVED_AT_DISPATCH.remove(); // spent by this call
            return null;
        }
        Context caller = call.caller();
        await(caller.principal().id(), call.binding().method(), "method", call.arguments(),
                Chain.of(caller.isHost() ? null : caller.chain()).parents());
        return null;
    }

    @Override
    public void exit(Call call, Object state, Object returned, Throwable thrown) {
        // nothing to undo: an approval is spent by the call it was asked for
    }

    /**
     * Waits for a decision on a call of {@code target}; returns when it is approved.
     *
     * @param kind "method" or "tool", for the audit record
     * @throws ApprovalDeniedException when denied, timed out or the approver failed
     */
    public void await(String agent, String target, String kind, Object[] arguments, List<String> chain) {
        Policy p = policy.get();
        if (p.mode() == Policy.Mode.OFF) {
            return;
        }
        long timeout = p.approval().timeoutMillis();
        PayloadEncoder.Encoded encoded = PayloadEncoder.encodeArguments(arguments == null ? new Object[0] : arguments);
        String json = new String(encoded.json(), StandardCharsets.UTF_8);
        String preview = json.length() <= PREVIEW_CHARS ? json : json.substring(0, PREVIEW_CHARS) + "…";
        String id = Long.toString(ids.incrementAndGet());
        Approver.Request request = new Approver.Request(id, agent, target, HEX.formatHex(encoded.sha256()), preview,
                List.copyOf(chain), clock.getAsLong(), timeout);
        Map<String, Object> fields = fields(request, kind);
        fields.put("argumentsSha256", request.argumentsSha256());
        fields.put("preview", preview);
        fields.put("chain", String.join(",", chain));
        fields.put("timeoutMillis", timeout);
        if (p.mode() == Policy.Mode.AUDIT) {
            audit.recordBestEffort("approval.wouldRequire", fields);
            return;
        }
        CompletableFuture<Decision> decision = new CompletableFuture<>();
        pending.put(id, new Pending(request, decision));
        try {
            audit.record("approval.requested", fields); // strict: a request nobody can see is refused
            LOG.warn("APPROVAL " + id + " needed: " + describe(request) + " (approve or deny it within "
                    + Durations.format(timeout) + ")");
            ask(p, request, decision);
            long started = System.nanoTime();
            Decision d;
            try {
                d = decision.get(timeout, TimeUnit.MILLISECONDS);
            } catch (TimeoutException late) {
                // Close the request first: a decision arriving now loses, and says so to its sender.
                d = decision.complete(null) ? null : decision.getNow(null);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                d = decision.complete(Decision.deny("interrupt", "the waiting thread was interrupted"))
                        ? decision.getNow(null) : decision.getNow(null);
            } catch (ExecutionException failed) {
                d = Decision.deny("approver", "the decision failed: " + failed.getCause());
            }
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            Map<String, Object> outcome = fields(request, kind);
            outcome.put("waitedMillis", waited);
            if (d == null) {
                outcome.put("timeoutMillis", timeout);
                audit.recordBestEffort("approval.timedOut", outcome);
                String message = "approval " + id + " timed out: nobody approved " + describeCall(request) + " within "
                        + Durations.format(timeout) + " (approval.timeout); the call did not run";
                LOG.warn("DENIED " + message);
                throw new ApprovalDeniedException(message, id, agent, target, true);
            }
            outcome.put("by", d.by());
            outcome.put("reason", d.reason() == null ? "" : d.reason());
            if (d.approved()) {
                audit.recordBestEffort("approval.approved", outcome);
                LOG.warn("APPROVED " + id + " by " + d.by() + ": " + describeCall(request));
                return;
            }
            audit.recordBestEffort("approval.denied", outcome);
            String message = "approval " + id + " denied by " + d.by() + (d.reason() == null || d.reason().isBlank() ? ""
                    : ": " + d.reason()) + "; " + describeCall(request) + " did not run";
            LOG.warn("DENIED " + message);
            throw new ApprovalDeniedException(message, id, agent, target, false);
        } finally {
            pending.remove(id);
        }
    }

    /** Hands the request to the policy's approver, if any; its failure denies (fail closed). */
    private void ask(Policy p, Approver.Request request, CompletableFuture<Decision> decision) {
        String name = p.approval().approver();
        if (name == null) {
            return;
        }
        Object l = load(name);
        if (!(l instanceof Approver approver)) {
            decision.complete(Decision.deny(name, "the approver could not be loaded: " + l));
            return;
        }
        try {
            CompletionStage<Decision> stage = approver.decide(request);
            if (stage == null) {
                decision.complete(Decision.deny(name, "the approver returned no decision"));
                return;
            }
            stage.whenComplete((d, failure) -> decision.complete(failure != null
                    ? Decision.deny(name, "the approver failed: " + failure)
                    : d == null ? Decision.deny(name, "the approver decided nothing") : d));
        } catch (Throwable failure) {
            LOG.error("approver " + name + " failed on request " + request.id() + ": " + failure, failure);
            decision.complete(Decision.deny(name, "the approver failed: " + failure));
        }
    }

    /** The approver named {@code name}, or why it cannot be used (a String). Cached per name. */
    private Object load(String name) {
        Object[] l = loaded;
        if (name.equals(l[0])) {
            return l[1];
        }
        Object result;
        try {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            Class<?> type = Class.forName(name, true, loader != null ? loader : ClassLoader.getSystemClassLoader());
            result = Approver.class.isAssignableFrom(type) ? type.getConstructor().newInstance()
                    : name + " does not implement " + Approver.class.getName();
        } catch (Throwable failure) {
            result = failure.toString();
        }
        if (!(result instanceof Approver)) {
            LOG.error("approval.approver " + name + " cannot be used: " + result + "; approval-required calls are denied");
        }
        loaded = new Object[] {name, result};
        return result;
    }

    /** An operator's decision on request {@code id}. */
    public String decide(String id, boolean approve, String reason, String by) {
        Pending p = id == null ? null : pending.get(id.strip());
        if (p == null) {
            throw new IllegalArgumentException("no pending approval request '" + id + "' (decided, timed out, or never"
                    + " made; 'approvals list' shows the pending ones)");
        }
        Decision d = approve ? Decision.approve(by, reason) : Decision.deny(by, reason);
        if (!p.decision().complete(d)) {
            throw new IllegalStateException("approval request " + id + " was decided or timed out already");
        }
        return (approve ? "approved" : "denied") + " request " + id + ": " + describeCall(p.request());
    }

    /** The pending requests, by id, each on one line. */
    public Map<String, String> pending() {
        // Oldest first; a plain map: an MXBean cannot send a sorted map with a comparator.
        Map<String, String> out = new LinkedHashMap<>();
        pending.values().stream().sorted(java.util.Comparator.comparingLong(p -> Long.parseLong(p.request().id())))
                .forEach(p -> out.put(p.request().id(), describe(p.request())));
        return out;
    }

    private String describe(Approver.Request r) {
        long age = Math.max(0, clock.getAsLong() - r.requestedMillis());
        return describeCall(r) + "; arguments sha256:" + r.argumentsSha256() + " " + r.preview() + "; chain "
                + (r.chain().isEmpty() ? "none" : String.join(", ", r.chain())) + "; waiting " + Durations.format(age / 1000 * 1000)
                + " of " + Durations.format(r.timeoutMillis());
    }

    private static String describeCall(Approver.Request r) {
        return ("host".equals(r.agent()) ? "the host" : "agent '" + r.agent() + "'") + " calls " + r.target();
    }

    private static Map<String, Object> fields(Approver.Request r, String kind) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("id", r.id());
        fields.put("agent", r.agent());
        fields.put(kind, r.target());
        return fields;
    }
}
