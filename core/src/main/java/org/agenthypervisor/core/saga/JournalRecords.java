package org.agenthypervisor.core.saga;

import org.agenthypervisor.core.encoding.CanonicalJson;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The journal's record types and how each is written. Every record is a canonical JSON object with
 * {@code type}, {@code saga} (the saga id) and {@code time} (epoch milliseconds), plus:
 *
 * <table>
 *   <caption>journal records</caption>
 *   <tr><th>type</th><th>members</th></tr>
 *   <tr><td>{@value #BEGIN}</td><td>{@code name}, {@code method} (the boundary), {@code agent}</td></tr>
 *   <tr><td>{@value #STEP_STARTED}</td><td>{@code step}, {@code method}, {@code declaringClass},
 *       {@code instanceClass} (null for a static step), {@code compensation} (name),
 *       {@code descriptor} (its JVM descriptor), {@code passesResult}, {@code compensateInDoubt},
 *       {@code args} (the encoded arguments, a JSON array), {@code recoverable}, {@code unrecoverable}
 *       (why not, when not), {@code agent}, {@code ring} (the effective ring the step ran with)</td></tr>
 *   <tr><td>{@value #STEP_DONE}</td><td>{@code step}, {@code result} (the encoded return value),
 *       {@code resultComplete}</td></tr>
 *   <tr><td>{@value #STEP_FAILED}</td><td>{@code step}, {@code error}</td></tr>
 *   <tr><td>{@value #ROLLBACK}</td><td>{@code error} (what left the saga), {@code steps} (to compensate)</td></tr>
 *   <tr><td>{@value #RECOVERY}</td><td>{@code trigger} (start, factory, class, cli), {@code steps}</td></tr>
 *   <tr><td>{@value #COMPENSATING}</td><td>{@code step}, {@code inDoubt}</td></tr>
 *   <tr><td>{@value #COMPENSATION_FAILED}</td><td>{@code step}, {@code attempt}, {@code error}</td></tr>
 *   <tr><td>{@value #COMPENSATED}</td><td>{@code step}, {@code attempts}</td></tr>
 *   <tr><td>{@value #ESCALATED}</td><td>{@code step}, {@code reason}, {@code attempts}</td></tr>
 *   <tr><td>{@value #END}</td><td>{@code outcome} (completed, compensated, escalated),
 *       {@code compensated}, {@code escalated} (step counts)</td></tr>
 *   <tr><td>{@value #CHECKPOINT}</td><td>{@code saga} empty; {@code start}, {@code previous}, {@code highest},
 *       {@code carries}, {@code cut} (see {@link #checkpoint})</td></tr>
 *   <tr><td>{@value #CARRY}</td><td>{@code records} (the saga's records so far, each with its {@code index})</td></tr>
 * </table>
 */
public final class JournalRecords {
    public static final String BEGIN = "begin";
    public static final String STEP_STARTED = "step.started";
    public static final String STEP_DONE = "step.done";
    public static final String STEP_FAILED = "step.failed";
    public static final String ROLLBACK = "rollback";
    public static final String RECOVERY = "recovery";
    public static final String COMPENSATING = "compensating";
    public static final String COMPENSATION_FAILED = "compensation.failed";
    public static final String COMPENSATED = "compensated";
    public static final String ESCALATED = "escalated";
    public static final String END = "end";
    /** Written by compaction at the start of a segment: where a later cut may fall (see {@link JournalCompaction}). */
    public static final String CHECKPOINT = "checkpoint";
    /** Written by compaction right after a checkpoint: an unfinished saga's records so far, re-embedded. */
    public static final String CARRY = "carry";

    /** Outcomes of an ended saga. */
    public static final String COMPLETED = "completed";
    public static final String OUTCOME_COMPENSATED = "compensated";
    public static final String OUTCOME_ESCALATED = "escalated";

    private JournalRecords() {
    }

    public static byte[] begin(String saga, long time, String name, String method, String agent) {
        return JournalJson.record(BEGIN, saga, time).put("name", name).put("method", method).put("agent", agent).toBytes();
    }

    /** What a step.started record holds (see the class comment for the members). */
    public record StepStart(String saga, String step, long time, String method, String declaringClass, String instanceClass,
                     String compensation, String descriptor, boolean passesResult, boolean compensateInDoubt,
                     byte[] args, boolean recoverable, String unrecoverable, String agent, int ring) {
    }

    public static byte[] stepStarted(StepStart s) {
        // Members in key order (the hot record: each member then costs one comparison).
        JournalJson r = new JournalJson()
                .putRepeated("agent", s.agent())
                .putRaw("args", s.args())
                .put("compensateInDoubt", s.compensateInDoubt())
                .putRepeated("compensation", s.compensation())
                .putRepeated("declaringClass", s.declaringClass())
                .putRepeated("descriptor", s.descriptor())
                .putRepeated("instanceClass", s.instanceClass())
                .putRepeated("method", s.method())
                .put("passesResult", s.passesResult())
                .put("recoverable", s.recoverable())
                .put("ring", s.ring())
                .put("saga", s.saga())
                .put("step", s.step())
                .put("time", s.time())
                .putRepeated("type", STEP_STARTED);
        if (s.unrecoverable() != null) {
            r.put("unrecoverable", s.unrecoverable());
        }
        return r.toBytes();
    }

    public static byte[] stepDone(String saga, String step, long time, byte[] result, boolean resultComplete) {
        return new JournalJson().putRaw("result", result).put("resultComplete", resultComplete).put("saga", saga)
                .put("step", step).put("time", time).putRepeated("type", STEP_DONE).toBytes();
    }

    public static byte[] stepFailed(String saga, String step, long time, String error) {
        return JournalJson.record(STEP_FAILED, saga, time).put("step", step).put("error", error).toBytes();
    }

    public static byte[] rollback(String saga, long time, String error, int steps) {
        return JournalJson.record(ROLLBACK, saga, time).put("error", error).put("steps", steps).toBytes();
    }

    public static byte[] recovery(String saga, long time, String trigger, int steps) {
        return JournalJson.record(RECOVERY, saga, time).put("trigger", trigger).put("steps", steps).toBytes();
    }

    public static byte[] compensating(String saga, String step, long time, boolean inDoubt) {
        return JournalJson.record(COMPENSATING, saga, time).put("step", step).put("inDoubt", inDoubt).toBytes();
    }

    public static byte[] compensationFailed(String saga, String step, long time, int attempt, String error) {
        return JournalJson.record(COMPENSATION_FAILED, saga, time).put("step", step).put("attempt", attempt)
                .put("error", error).toBytes();
    }

    public static byte[] compensated(String saga, String step, long time, int attempts) {
        return JournalJson.record(COMPENSATED, saga, time).put("step", step).put("attempts", attempts).toBytes();
    }

    public static byte[] escalated(String saga, String step, long time, String reason, int attempts) {
        return JournalJson.record(ESCALATED, saga, time).put("step", step).put("reason", reason)
                .put("attempts", attempts).toBytes();
    }

    public static byte[] end(String saga, long time, String outcome, int compensated, int escalated) {
        return JournalJson.record(END, saga, time).put("outcome", outcome).put("compensated", compensated)
                .put("escalated", escalated).toBytes();
    }

    /**
     * A compaction checkpoint, the first record of its segment. {@code saga} is empty (it names no
     * saga). Its MAC binds its index and {@code previous}, so a journal whose live part starts here
     * can be verified without the archived record before it.
     *
     * @param start    its own index (a cut here makes it the first live record)
     * @param previous the stored tag of the record before it, hex (what the chain continues from)
     * @param highest  the highest saga number the journal has mentioned so far (ids are never reused)
     * @param carries  how many carry records follow it at once
     * @param cut      where this compaction archives up to (the live part never starts later than this)
     */
    public static byte[] checkpoint(long time, long start, byte[] previous, long highest, int carries, long cut) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("type", CHECKPOINT);
        r.put("saga", "");
        r.put("time", time);
        r.put("start", start);
        r.put("previous", java.util.HexFormat.of().formatHex(previous));
        r.put("highest", highest);
        r.put("carries", carries);
        r.put("cut", cut);
        return CanonicalJson.write(r);
    }

    /**
     * A carry: every record of an unfinished saga so far, in journal order, each with its original
     * {@code index} (steps are ordered by it), so that the saga no longer needs the segments they are in.
     */
    public static byte[] carry(String saga, long time, List<Map<String, Object>> records) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("type", CARRY);
        r.put("saga", saga);
        r.put("time", time);
        r.put("records", records);
        return CanonicalJson.write(r);
    }

    /** {@code java.lang.IllegalStateException: message}, bounded so a huge message cannot bloat the journal. */
    static String describe(Throwable t) {
        if (t == null) {
            return null;
        }
        String message = t.getMessage();
        String text = message == null ? t.getClass().getName() : t.getClass().getName() + ": " + message;
        return text.length() > 2000 ? text.substring(0, 2000) + "..." : text;
    }
}
