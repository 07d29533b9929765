package org.agenthypervisor.core.report;

import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.store.CorruptLogException;
import org.agenthypervisor.core.store.LogRecord;
import org.agenthypervisor.core.store.RecordLog;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * One streaming pass over the audit log, kept to what the report draws. Memory is bounded whatever
 * the log's size: every list has a cap (rows, sagas, sessions, points, vouches), past which items
 * are counted rather than kept, and the histogram merges its buckets instead of adding more. Counts
 * are always complete; the page says where it shows a sample.
 */
final class AuditDigest {
    static final int MAX_DENIAL_ROWS = 2000;
    static final int MAX_SAGAS_SHOWN = 150;
    static final int MAX_COMPLETED_SAGAS_SHOWN = 50;
    static final int MAX_OPEN_SAGAS = 10_000;
    static final int MAX_SAGA_EVENTS = 200;
    static final int MAX_SESSIONS_SHOWN = 300;
    static final int MAX_SESSION_KEYS = 50;
    static final int MAX_TRUST_POINTS = 1000;
    static final int MAX_VOUCHES_PER_EDGE = 25;
    static final int MAX_AGENTS = 500;
    static final int MAX_TYPES = 200;
    static final int HISTOGRAM_BUCKETS = 120;

    /** Record types shown in the denials table. */
    static final Set<String> DENIAL_TYPES = Set.of("ring.denied", "ring.would-deny", "capability.denied",
            "capability.would-deny", "handoff.refused", "session.key-denied", "session.refused", "saga.step.refused", "quarantine.refused");

    final ReportScope scope;
    long recordsRead;
    long recordsInScope;
    long firstSeq = -1;
    long lastSeq = -1;
    long firstTime = Long.MAX_VALUE;
    long lastTime = Long.MIN_VALUE;
    /** Why reading stopped before the end of the log (a damaged frame, an unparsable record), or null. */
    String readProblem;
    long readStoppedAt = -1;
    final Map<String, Long> typeCounts = new TreeMap<>();
    final Map<String, Agent> agents = new LinkedHashMap<>();
    long agentsNotShown;
    final Map<String, Edge> edges = new LinkedHashMap<>();
    final List<Denial> denials = new ArrayList<>();
    long denialsTotal;
    final Histogram histogram = new Histogram(HISTOGRAM_BUCKETS);
    final Map<String, Saga> sagas = new LinkedHashMap<>();
    private final Map<String, Saga> openSagas = new LinkedHashMap<>();
    long sagasNotShown;
    private long completedShown;
    long sagasCompleted;
    long sagasCompensated;
    long sagasOther;
    final Map<String, Session> sessions = new LinkedHashMap<>();
    long sessionsNotShown;

    static final class Agent {
        final String name;
        Long grantedRing;
        Long effectiveRing;
        Double trust;
        long slashes;
        long denials;
        long refusals;
        final List<TrustPoint> points = new ArrayList<>();
        /** Every how many-th trust point is kept once the cap was reached (1: all). */
        int pointStride = 1;
        long pointsSeen;

        Agent(String name) {
            this.name = name;
        }
    }

    /** A trust value at a time: {@code kind} is slash, set, recovered or seen (an observation, not a change). */
    record TrustPoint(long time, double value, String kind, String cause, long seq, String json) {
    }

    static final class Edge {
        final String sender;
        final String receiver;
        long handoffs;
        long refused;
        final List<Vouch> vouches = new ArrayList<>();

        Edge(String sender, String receiver) {
            this.sender = sender;
            this.receiver = receiver;
        }
    }

    /** One hand-off (the sender vouching for what it passes) or refusal, as listed when an edge is clicked. */
    record Vouch(long seq, long time, String kind, String id, String method, String json) {
    }

    record Denial(long seq, long time, String type, String agent, String ring, String what, String rule, String message,
                  String json) {
    }

    static final class Saga {
        final String id;
        String name;
        String agent;
        long beginSeq = -1;
        long beginTime;
        long endSeq = -1;
        long endTime;
        String outcome;
        String error;
        boolean involvesAgent;
        final List<SagaEvent> events = new ArrayList<>();
        long eventsNotShown;

        Saga(String id) {
            this.id = id;
        }

        boolean notable() {
            return outcome == null || !outcome.equals("completed");
        }
    }

    /**
     * A saga event: {@code kind} is step (done), failed, refused, rollback, comp (compensating, then
     * compensated), compfailed or escalated.
     */
    static final class SagaEvent {
        final String kind;
        final String step;
        final String method;
        final long seq;
        final long time;
        final String json;
        boolean inDoubt;
        boolean finished;
        String detail;

        SagaEvent(String kind, String step, String method, long seq, long time, String json) {
            this.kind = kind;
            this.step = step;
            this.method = method;
            this.seq = seq;
            this.time = time;
            this.json = json;
        }
    }

    static final class Session {
        final String id;
        String name;
        String openedBy;
        long openSeq = -1;
        long closeSeq = -1;
        long deltas;
        String root;
        boolean involvesAgent;
        final Set<String> participants = new LinkedHashSet<>();
        final Set<String> keys = new LinkedHashSet<>();
        long keysNotShown;
        String openJson;
        String closeJson;

        Session(String id) {
            this.id = id;
        }
    }

    /** Counts per time bucket; when a time falls past the last bucket, buckets are merged in pairs. */
    static final class Histogram {
        final long[] counts;
        long start = Long.MIN_VALUE;
        long width = 1000;

        Histogram(int buckets) {
            counts = new long[buckets];
        }

        void add(long time) {
            if (start == Long.MIN_VALUE) {
                start = time - time % width;
            }
            long i = Math.max(0, (time - start) / width);
            while (i >= counts.length) {
                for (int j = 0; j < counts.length; j++) {
                    counts[j] = 2 * j + 1 < counts.length ? counts[2 * j] + counts[2 * j + 1] : 0;
                }
                width *= 2;
                i = Math.max(0, (time - start) / width);
            }
            counts[(int) i]++;
        }
    }

    private AuditDigest(ReportScope scope) {
        this.scope = scope;
    }

    /** Reads {@code <auditDir>}'s records read-only, from the scope's first record on. */
    static AuditDigest read(Path auditDir, ReportScope scope) throws IOException {
        AuditDigest d = new AuditDigest(scope);
        long[] at = {-1};
        try {
            RecordLog opened;
            Path salvaged = null;
            try {
                opened = open(auditDir);
            } catch (CorruptLogException damaged) {
                // Opening scans the last segment and refuses damage in it. The report must still show what
                // precedes the damage: read a copy of the log cut just before the damaged frame.
                d.stopAt(damaged.recordIndex(), damaged);
                salvaged = salvage(auditDir, damaged);
                if (salvaged == null) {
                    return d.finish();
                }
                opened = open(salvaged);
            }
            try (RecordLog log = opened) {
                long from = Math.max(scope.firstSeq(), log.firstIndex());
                if (from < log.size()) {
                    log.forEach(from, (LogRecord r) -> {
                        at[0] = r.index();
                        if (scope.pastEnd(r.index())) {
                            throw new EndOfScope();
                        }
                        d.accept(r.index(), r.payload());
                    });
                }
            } finally {
                if (salvaged != null) {
                    deleteTree(salvaged);
                }
            }
        } catch (EndOfScope done) {
            // --to reached: nothing after it can be in scope.
        } catch (UncheckedIOException e) {
            d.stopAt(e.getCause() instanceof CorruptLogException c ? c.recordIndex() : at[0] + 1, e.getCause());
        } catch (IOException | RuntimeException damaged) {
            // The report still shows what was read, and says where and why reading stopped.
            d.stopAt(damaged instanceof CorruptLogException c ? c.recordIndex() : at[0] + 1, damaged);
        }
        return d.finish();
    }

    /** Reads a shared store's records ({@code audit report --store}), from the scope's first record on. */
    static AuditDigest read(org.agenthypervisor.core.audit.AuditRows rows, ReportScope scope) {
        AuditDigest d = new AuditDigest(scope);
        long at = -1;
        try {
            java.util.Iterator<LogRecord> records = rows.records();
            while (records.hasNext()) {
                LogRecord r = records.next();
                at = r.index();
                if (r.index() < scope.firstSeq()) {
                    continue;
                }
                if (scope.pastEnd(r.index())) {
                    break; // --to reached: nothing after it can be in scope
                }
                d.accept(r.index(), r.payload());
            }
        } catch (UncheckedIOException e) {
            d.stopAt(at + 1, e.getCause());
        } catch (IOException | RuntimeException damaged) {
            // The report still shows what was read, and says where and why reading stopped.
            d.stopAt(at + 1, damaged);
        }
        return d.finish();
    }

    private static RecordLog open(Path dir) throws IOException {
        return RecordLog.open(dir, "audit", RecordLog.Options.defaults().withReadOnly(true));
    }

    private void stopAt(long record, Throwable why) {
        if (readProblem == null) {
            readStoppedAt = record;
            readProblem = why.getMessage() != null ? why.getMessage() : why.toString();
        }
    }

    private AuditDigest finish() {
        for (Saga open : openSagas.values()) {
            showSaga(open);
        }
        openSagas.clear();
        return this;
    }

    /**
     * A temporary copy of the log's segments up to the damaged one, cut at the damaged frame, or null if
     * the damage is not at a known place of a segment of this log. The log itself is not touched.
     */
    private static Path salvage(Path auditDir, CorruptLogException damaged) throws IOException {
        Path file = damaged.file();
        if (file == null || damaged.offset() < 0 || !Files.isRegularFile(file)
                || !auditDir.toAbsolutePath().equals(file.toAbsolutePath().getParent())) {
            return null;
        }
        Path copy = Files.createTempDirectory("audit-report-");
        String damagedName = file.getFileName().toString();
        try (Stream<Path> files = Files.list(auditDir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (name.equals("audit.start") || name.matches("audit-\\d{20}\\.seg") && name.compareTo(damagedName) < 0) {
                    Files.copy(f, copy.resolve(name));
                }
            }
        }
        try (InputStream in = Files.newInputStream(file); OutputStream out = Files.newOutputStream(copy.resolve(damagedName))) {
            long left = damaged.offset();
            byte[] buf = new byte[1 << 16];
            int n;
            while (left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0) {
                out.write(buf, 0, n);
                left -= n;
            }
        }
        return copy;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // A temporary copy left behind is harmless; the report is what matters.
        }
    }

    private static final class EndOfScope extends RuntimeException {
        EndOfScope() {
            super(null, null, false, false);
        }
    }

    @SuppressWarnings("unchecked")
    void accept(long index, byte[] payload) {
        recordsRead++;
        Object parsed;
        try {
            parsed = CanonicalJson.parse(payload);
        } catch (RuntimeException bad) {
            throw new IllegalStateException("record " + index + " is not JSON: " + bad.getMessage(), bad);
        }
        if (!(parsed instanceof Map)) {
            throw new IllegalStateException("record " + index + " is not a JSON object");
        }
        Map<String, Object> r = (Map<String, Object>) parsed;
        long time = time(r);
        if (!scope.inRange(index, time) || !scope.inSession(r)) {
            return;
        }
        String type = str(r, "type");
        boolean saga = type != null && type.startsWith("saga.");
        boolean session = type != null && type.startsWith("session.");
        boolean named = scope.namesAgent(r);
        // Saga and session records are followed whoever they name, so that an agent's saga or session
        // is shown whole; the others only when they name the agent.
        if (!named && !saga && !session) {
            return;
        }
        String json = new String(payload, StandardCharsets.UTF_8);
        if (named) {
            count(index, time, type);
        }
        switch (type == null ? "" : type) {
            case "policy.loaded", "policy.reloaded" -> {
                if (r.get("agents") instanceof List<?> list) {
                    list.forEach(a -> agent(String.valueOf(a)));
                }
            }
            case "handoff" -> handoff(r, index, time, json);
            case "trust.slashed", "trust.set", "trust.recovered" -> trust(r, type, index, time, json);
            default -> {
            }
        }
        if (DENIAL_TYPES.contains(type) && named) {
            denial(r, type, index, time, json);
        }
        if (saga) {
            saga(r, type, index, time, json, named);
        } else if (session) {
            session(r, type, index, json, named);
        }
        if (named) {
            observe(r, time, index, json);
        }
    }

    private void count(long index, long time, String type) {
        recordsInScope++;
        if (firstSeq < 0) {
            firstSeq = index;
        }
        lastSeq = index;
        if (time > 0) {
            firstTime = Math.min(firstTime, time);
            lastTime = Math.max(lastTime, time);
        }
        String t = type == null ? "(no type)" : type;
        if (typeCounts.containsKey(t) || typeCounts.size() < MAX_TYPES) {
            typeCounts.merge(t, 1L, Long::sum);
        } else {
            typeCounts.merge("(other types)", 1L, Long::sum);
        }
    }

    /** The agent's entry, or null once {@link #MAX_AGENTS} are known (the rest are only counted). */
    Agent agent(String name) {
        if (name == null) {
            return null;
        }
        Agent a = agents.get(name);
        if (a == null) {
            if (agents.size() >= MAX_AGENTS) {
                agentsNotShown++;
                return null;
            }
            a = new Agent(name);
            agents.put(name, a);
        }
        return a;
    }

    private void observe(Map<String, Object> r, long time, long seq, String json) {
        Agent a = agent(str(r, "agent"));
        if (a == null) {
            return;
        }
        Long granted = lng(r, "grantedRing");
        if (granted != null) {
            a.grantedRing = granted;
        }
        Long effective = lng(r, "effectiveRing");
        if (effective != null) {
            a.effectiveRing = effective;
        }
        String type = str(r, "type");
        Double trust = dbl(r, "trust");
        if (trust != null && !"handoff.refused".equals(type) && (a.trust == null || a.trust.doubleValue() != trust)) {
            // An observation of the agent's trust (a denial or a join states it): drawn, not marked.
            addPoint(a, new TrustPoint(time, trust, "seen", null, seq, json));
            a.trust = trust;
        }
        if (DENIAL_TYPES.contains(type)) {
            a.denials++;
        }
    }

    private void handoff(Map<String, Object> r, long seq, long time, String json) {
        String sender = str(r, "sender");
        String receiver = str(r, "receiver");
        agent(sender);
        agent(receiver);
        Edge e = edge(sender, receiver);
        e.handoffs++;
        if (e.vouches.size() < MAX_VOUCHES_PER_EDGE) {
            e.vouches.add(new Vouch(seq, time, str(r, "direction"), str(r, "id"), str(r, "method"), json));
        }
    }

    private Edge edge(String sender, String receiver) {
        String key = sender + "\u0000" + receiver;
        Edge e = edges.get(key);
        if (e == null) {
            e = new Edge(sender, receiver);
            // Edges between shown agents only: both ends are capped by MAX_AGENTS.
            if (agents.containsKey(sender) && agents.containsKey(receiver)) {
                edges.put(key, e);
            }
        }
        return e;
    }

    private void trust(Map<String, Object> r, String type, long seq, long time, String json) {
        Agent a = agent(str(r, "agent"));
        if (a == null) {
            return;
        }
        Double before = dbl(r, "before");
        Double after = dbl(r, "after");
        if (before != null && a.points.isEmpty()) {
            addPoint(a, new TrustPoint(time, before, "seen", null, seq, json));
        }
        String kind = switch (type) {
            case "trust.slashed" -> "slash";
            case "trust.set" -> "set";
            default -> "recovered";
        };
        if ("slash".equals(kind)) {
            a.slashes++;
        }
        String cause = "slash".equals(kind) ? str(r, "cause")
                : "set".equals(kind) ? "set by " + str(r, "by") + ": " + str(r, "reason") : "recovered";
        if (after != null) {
            addPoint(a, new TrustPoint(time, after, kind, cause, seq, json));
            a.trust = after;
        }
    }

    /** Keeps at most {@link #MAX_TRUST_POINTS} per agent: past that, every other point is dropped, marked ones last. */
    private static void addPoint(Agent a, TrustPoint p) {
        a.pointsSeen++;
        if (!"seen".equals(p.kind()) || a.pointsSeen % a.pointStride == 0) {
            a.points.add(p);
        }
        if (a.points.size() >= MAX_TRUST_POINTS) {
            List<TrustPoint> kept = new ArrayList<>(MAX_TRUST_POINTS / 2 + 1);
            boolean marked = a.points.stream().filter(x -> !"seen".equals(x.kind())).count() < MAX_TRUST_POINTS / 2;
            for (int i = 0; i < a.points.size(); i++) {
                TrustPoint x = a.points.get(i);
                if (i % 2 == 0 || marked && !"seen".equals(x.kind()) || i == a.points.size() - 1) {
                    kept.add(x);
                }
            }
            a.points.clear();
            a.points.addAll(kept);
            a.pointStride *= 2;
        }
    }

    private void denial(Map<String, Object> r, String type, long seq, long time, String json) {
        denialsTotal++;
        histogram.add(time);
        String agent = str(r, "agent");
        if (agent == null) {
            agent = str(r, "receiver");
        }
        if ("handoff.refused".equals(type)) {
            Agent s = agent(str(r, "sender"));
            Agent rc = agent(str(r, "receiver"));
            if (rc != null) {
                rc.refusals++;
            }
            if (s != null && rc != null) {
                Edge e = edge(s.name, rc.name);
                e.refused++;
                if (e.vouches.size() < MAX_VOUCHES_PER_EDGE) {
                    e.vouches.add(new Vouch(seq, time, "refused", null, str(r, "method"), json));
                }
            }
        }
        if (denials.size() >= MAX_DENIAL_ROWS) {
            return;
        }
        Long ring = lng(r, "effectiveRing");
        String what;
        String rule;
        String message;
        switch (type) {
            case "ring.denied", "ring.would-deny" -> {
                what = str(r, "method");
                rule = str(r, "source");
                message = ("ring.would-deny".equals(type) ? "would be denied (audit mode): " : "denied: ")
                        + "requires ring " + r.get("requiredRing") + ", effective ring " + ring
                        + (r.get("trust") != null ? " (trust " + r.get("trust") + ")" : "");
            }
            case "capability.denied", "capability.would-deny" -> {
                what = str(r, "capability") + " " + orEmpty(str(r, "target"));
                rule = str(r, "capability");
                message = orEmpty(str(r, "reason"));
            }
            case "handoff.refused" -> {
                what = str(r, "method");
                rule = str(r, "policyKey");
                message = "refused a hand-off from " + str(r, "sender") + " to " + str(r, "receiver") + ": trust of "
                        + str(r, "untrustedAgent") + " " + r.get("trust") + " below " + r.get("minTrust");
            }
            case "session.key-denied" -> {
                what = str(r, "access") + " " + str(r, "key");
                rule = str(r, "requirement");
                message = "may not " + str(r, "access") + " key " + str(r, "key") + ": requires ring " + r.get("requiredRing");
            }
            case "quarantine.refused" -> {
                what = str(r, "method");
                rule = Boolean.TRUE.equals(r.get("killed")) ? "kill" : "quarantine";
                message = "refused: " + str(r, "agent") + " is " + (Boolean.TRUE.equals(r.get("killed")) ? "killed" : "quarantined")
                        + " (" + orEmpty(str(r, "reason")) + "), called by " + str(r, "caller");
            }
            default -> {
                what = orEmpty(str(r, "method"));
                rule = orEmpty(str(r, "policyKey"));
                message = orEmpty(str(r, "reason") != null ? str(r, "reason") : str(r, "error"));
            }
        }
        denials.add(new Denial(seq, time, type, agent, ring == null ? "" : String.valueOf(ring), orEmpty(what),
                orEmpty(rule), message, json));
    }

    private void saga(Map<String, Object> r, String type, long seq, long time, String json, boolean named) {
        String id = str(r, "saga");
        if (id == null) {
            return;
        }
        Saga s = openSagas.get(id);
        if (s == null) {
            if (openSagas.size() >= MAX_OPEN_SAGAS) {
                sagasNotShown++;
                return;
            }
            s = new Saga(id);
            openSagas.put(id, s);
        }
        if (named && scope.agent() != null && str(r, "agent") != null) {
            s.involvesAgent = true;
        }
        String step = str(r, "step");
        String method = str(r, "method");
        switch (type) {
            case "saga.begin" -> {
                s.name = str(r, "name");
                s.agent = str(r, "agent");
                s.beginSeq = seq;
                s.beginTime = time;
            }
            case "saga.step.done" -> event(s, new SagaEvent("step", step, method, seq, time, json));
            case "saga.step.failed" -> event(s, detail(new SagaEvent("failed", step, method, seq, time, json), str(r, "error")));
            case "saga.step.refused" -> event(s, detail(new SagaEvent("refused", step, method, seq, time, json), str(r, "reason")));
            case "saga.rollback" -> event(s, detail(new SagaEvent("rollback", null, null, seq, time, json), str(r, "error")));
            case "saga.compensating" -> {
                SagaEvent e = new SagaEvent("comp", step, method, seq, time, json);
                e.inDoubt = Boolean.TRUE.equals(r.get("inDoubt"));
                event(s, e);
            }
            case "saga.compensated" -> {
                for (int i = s.events.size() - 1; i >= 0; i--) {
                    SagaEvent e = s.events.get(i);
                    if ("comp".equals(e.kind) && e.step != null && e.step.equals(step)) {
                        e.finished = true;
                        break;
                    }
                }
            }
            case "saga.compensation.failed" -> event(s, detail(new SagaEvent("compfailed", step, method, seq, time, json),
                    str(r, "error")));
            case "saga.escalated" -> event(s, detail(new SagaEvent("escalated", step, method, seq, time, json),
                    str(r, "reason")));
            case "saga.end" -> {
                s.outcome = str(r, "outcome");
                s.endSeq = seq;
                s.endTime = time;
                openSagas.remove(id);
                showSaga(s);
            }
            default -> {
            }
        }
        if (s.beginSeq < 0 && s.events.isEmpty() && s.endSeq < 0 && s.name == null) {
            s.beginTime = time;
        }
    }

    private static SagaEvent detail(SagaEvent e, String detail) {
        e.detail = detail;
        return e;
    }

    private static void event(Saga s, SagaEvent e) {
        if (s.events.size() < MAX_SAGA_EVENTS) {
            s.events.add(e);
        } else {
            s.eventsNotShown++;
        }
    }

    /** Keeps a finished (or, at the end, unfinished) saga for the page, within the caps; notable ones first. */
    private void showSaga(Saga s) {
        if (scope.agent() != null && !s.involvesAgent) {
            return;
        }
        if ("completed".equals(s.outcome)) {
            sagasCompleted++;
        } else if ("compensated".equals(s.outcome)) {
            sagasCompensated++;
        } else {
            sagasOther++;
        }
        boolean room = sagas.size() < MAX_SAGAS_SHOWN && (s.notable() || completedShown < MAX_COMPLETED_SAGAS_SHOWN);
        if (room) {
            sagas.put(s.id, s);
            if (!s.notable()) {
                completedShown++;
            }
        } else {
            sagasNotShown++;
        }
    }

    private void session(Map<String, Object> r, String type, long seq, String json, boolean named) {
        String id = str(r, "session");
        if (id == null) {
            return;
        }
        Session s = sessions.get(id);
        if (s == null) {
            if (sessions.size() >= MAX_SESSIONS_SHOWN) {
                if ("session.opened".equals(type)) {
                    sessionsNotShown++;
                }
                return;
            }
            s = new Session(id);
            sessions.put(id, s);
        }
        if (named && scope.agent() != null && str(r, "agent") != null) {
            s.involvesAgent = true;
        }
        switch (type) {
            case "session.opened" -> {
                s.name = str(r, "name");
                s.openedBy = str(r, "openedBy");
                s.openSeq = seq;
                s.openJson = json;
            }
            case "session.joined" -> s.participants.add(str(r, "agent"));
            case "session.delta" -> {
                s.deltas++;
                String key = str(r, "key");
                if (key != null && !s.keys.contains(key)) {
                    if (s.keys.size() < MAX_SESSION_KEYS) {
                        s.keys.add(key);
                    } else {
                        s.keysNotShown++;
                    }
                }
            }
            case "session.closed" -> {
                s.closeSeq = seq;
                s.root = str(r, "root");
                s.closeJson = json;
                if (r.get("participants") instanceof List<?> list) {
                    for (Object p : list) {
                        s.participants.add(String.valueOf(p));
                    }
                }
                if (s.name == null) {
                    s.name = str(r, "name");
                }
            }
            default -> {
            }
        }
    }

    static long time(Map<String, Object> r) {
        Object t = r.get("time");
        if (t instanceof String s) {
            try {
                return Instant.parse(s).toEpochMilli();
            } catch (DateTimeParseException bad) {
                return 0;
            }
        }
        return 0;
    }

    static String str(Map<String, Object> r, String key) {
        Object v = r.get(key);
        return v == null ? null : String.valueOf(v);
    }

    static Long lng(Map<String, Object> r, String key) {
        return r.get(key) instanceof Number n ? n.longValue() : null;
    }

    static Double dbl(Map<String, Object> r, String key) {
        return r.get(key) instanceof Number n ? n.doubleValue() : null;
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
