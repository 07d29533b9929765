package org.agenthypervisor.core.report;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * Which records a report covers: a sequence or time range, one agent, one session. Null members
 * do not restrict.
 *
 * @param fromSeq   first record (inclusive), or null
 * @param toSeq     last record (inclusive), or null
 * @param fromTime  earliest record time in epoch millis (inclusive), or null
 * @param toTime    latest record time in epoch millis (inclusive), or null
 * @param agent     only records naming this agent (as agent, sender, receiver, actor or reporter)
 * @param session   only records of this session id
 */
public record ReportScope(Long fromSeq, Long toSeq, Long fromTime, Long toTime, String agent, String session) {
    public static final ReportScope ALL = new ReportScope(null, null, null, null, null, null);

    /**
     * A scope from the command line's {@code --from}/{@code --to}: a whole number is a sequence number,
     * anything else an ISO-8601 instant ({@code 2026-12-06T05:25:34Z}).
     *
     * @throws IllegalArgumentException naming the option when a bound is neither
     */
    public static ReportScope parse(String from, String to, String agent, String session) {
        Long fromSeq = null, toSeq = null, fromTime = null, toTime = null;
        if (from != null) {
            if (isSeq(from)) {
                fromSeq = Long.parseLong(from);
            } else {
                fromTime = instant("--from", from);
            }
        }
        if (to != null) {
            if (isSeq(to)) {
                toSeq = Long.parseLong(to);
            } else {
                toTime = instant("--to", to);
            }
        }
        if (fromSeq != null && toSeq != null && toSeq < fromSeq || fromTime != null && toTime != null && toTime < fromTime) {
            throw new IllegalArgumentException("--to " + to + " is before --from " + from);
        }
        return new ReportScope(fromSeq, toSeq, fromTime, toTime, blankToNull(agent), blankToNull(session));
    }

    private static boolean isSeq(String s) {
        return !s.isEmpty() && s.length() < 19 && s.chars().allMatch(Character::isDigit);
    }

    private static long instant(String option, String s) {
        try {
            return Instant.parse(s).toEpochMilli();
        } catch (DateTimeParseException bad) {
            throw new IllegalArgumentException(option + " " + s + " is neither a sequence number nor an ISO-8601 instant"
                    + " such as 2026-12-06T05:25:34Z");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** The first sequence number to read. */
    long firstSeq() {
        return fromSeq == null ? 0 : fromSeq;
    }

    /** Whether a record of this sequence number and time is in range (agent and session aside). */
    boolean inRange(long seq, long timeMillis) {
        return (fromSeq == null || seq >= fromSeq) && (toSeq == null || seq <= toSeq)
                && (fromTime == null || timeMillis >= fromTime) && (toTime == null || timeMillis <= toTime);
    }

    /** Whether reading can stop: every later record is past {@code --to} (sequence numbers only grow). */
    boolean pastEnd(long seq) {
        return toSeq != null && seq > toSeq;
    }

    /** Whether a record names the scope's agent (always true without one). */
    boolean namesAgent(Map<String, Object> r) {
        if (agent == null) {
            return true;
        }
        for (String k : new String[]{"agent", "sender", "receiver", "actor", "reporter", "untrustedAgent"}) {
            if (agent.equals(r.get(k))) {
                return true;
            }
        }
        return false;
    }

    /** Whether a record belongs to the scope's session (always true without one). */
    boolean inSession(Map<String, Object> r) {
        return session == null || session.equals(r.get("session"));
    }

    /** A human description, for the report's header. */
    String describe() {
        StringBuilder b = new StringBuilder();
        if (fromSeq != null || toSeq != null) {
            b.append("records ").append(fromSeq == null ? "0" : fromSeq).append("..").append(toSeq == null ? "end" : toSeq).append("; ");
        }
        if (fromTime != null || toTime != null) {
            b.append("time ").append(fromTime == null ? "start" : Instant.ofEpochMilli(fromTime))
                    .append(" to ").append(toTime == null ? "end" : Instant.ofEpochMilli(toTime)).append("; ");
        }
        if (agent != null) {
            b.append("agent ").append(agent).append("; ");
        }
        if (session != null) {
            b.append("session ").append(session).append("; ");
        }
        return b.isEmpty() ? "the whole log" : b.substring(0, b.length() - 2);
    }
}
