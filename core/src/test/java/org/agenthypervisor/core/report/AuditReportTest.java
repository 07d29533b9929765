package org.agenthypervisor.core.report;

import org.agenthypervisor.core.audit.AuditLog;
import org.agenthypervisor.core.audit.SessionDeltas;
import org.agenthypervisor.core.merkle.MerkleFrontier;
import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.crypto.PublicKey;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.store.LogRecord;
import org.agenthypervisor.core.store.RecordLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generated page, read as a person would: what each section says about a small, known story. */
class AuditReportTest {
    private static final Policy.AuditSettings SETTINGS = new Policy.AuditSettings(Policy.Durability.BATCH, 10, 1000, 3_600_000);

    @TempDir
    Path work;

    /** The refund desk's story in miniature: hand-offs, a rolled-back saga, a slash, a refusal, denials, a session. */
    static void story(Path dataDir) throws IOException {
        try (AuditLog log = AuditLog.open(dataDir, SETTINGS)) {
            log.record("policy.loaded", Map.of("agents", List.of("support-bot", "billing", "ledger"), "mode", "enforce"));
            log.record("session.opened", Map.of("session", "sess-1", "name", "refund R-1002", "openedBy", "host"));
            log.record("session.joined", Map.of("session", "sess-1", "agent", "support-bot", "trust", 1.0));
            Map<String, Object> delta = new LinkedHashMap<>();
            delta.put("session", "sess-1");
            delta.put("agent", "support-bot");
            delta.put("key", "refund.case");
            delta.put("oldDigest", null);
            delta.put("newDigest", "cd".repeat(32));
            delta.put("sequence", 1L);
            delta.put("version", 1L);
            log.record("session.delta", delta);
            MerkleFrontier deltas = new MerkleFrontier();
            deltas.appendRecord(SessionDeltas.deltaBytes(delta));
            String root = HexFormat.of().formatHex(deltas.root());
            log.record("handoff", handoff("support-bot", "billing", "h-1"));
            log.record("saga.begin", Map.of("saga", "s2", "name", "refund", "agent", "billing"));
            log.record("handoff", handoff("billing", "ledger", "h-2"));
            log.record("saga.step.done", Map.of("saga", "s2", "step", "s2.1", "agent", "ledger", "method", "Ledger#reserve(RefundCase)"));
            log.record("saga.step.done", Map.of("saga", "s2", "step", "s2.2", "agent", "ledger", "method", "Ledger#book(RefundCase)"));
            log.record("saga.rollback", Map.of("saga", "s2", "steps", 2, "error", "the confirmation bounced"));
            log.record("saga.compensating", Map.of("saga", "s2", "step", "s2.2", "method", "Ledger#unbook(RefundCase)", "inDoubt", false));
            log.record("saga.compensated", Map.of("saga", "s2", "step", "s2.2", "attempts", 1));
            log.record("saga.compensating", Map.of("saga", "s2", "step", "s2.1", "method", "Ledger#release(RefundCase)", "inDoubt", false));
            log.record("saga.compensated", Map.of("saga", "s2", "step", "s2.1", "attempts", 1));
            log.record("saga.end", Map.of("saga", "s2", "outcome", "compensated", "compensated", 2));
            log.record("session.closed", Map.of("session", "sess-1", "deltas", 1, "root", root,
                    "participants", List.of("support-bot", "billing", "ledger")));
            log.record("trust.slashed", Map.of("agent", "billing", "before", 1.0, "after", 0.65, "grantedRing", 1, "effectiveRing", 2,
                    "cause", "anomaly reported by 'ledger': refund R-1003 claims 420.00 EUR"));
            log.record("ring.denied", Map.of("agent", "billing", "effectiveRing", 2, "grantedRing", 1, "requiredRing", 1,
                    "method", "Ledger#reserve(RefundCase)", "source", "@Ring(1) on Ledger#reserve", "trust", 0.65));
            log.record("handoff.refused", Map.of("sender", "support-bot", "receiver", "billing", "untrustedAgent", "support-bot",
                    "trust", 0.66, "minTrust", 0.7, "policyKey", "agents.billing.minTrust", "method", "BillingAgent#process(String)"));
            log.record("capability.denied", Map.of("agent", "support-bot", "effectiveRing", 3, "capability", "network.connect",
                    "target", "paste.invalid:443", "reason", "network.connect is not granted at ring 3 <script>alert(1)</script>"));
        }
    }

    private static Map<String, Object> handoff(String from, String to, String id) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sender", from);
        m.put("receiver", to);
        m.put("id", id);
        m.put("direction", "call");
        m.put("method", "X#y()");
        return m;
    }

    private String report(Path dataDir, ReportScope scope, boolean expectVerified) throws IOException {
        PublicKey key = KeyDirectory.openReadOnly(dataDir.resolve("keys")).publicKey(AuditLog.KEY_ID).orElse(null);
        Path html = work.resolve("report-" + System.nanoTime() + ".html");
        AuditReport.Result r = AuditReport.write(dataDir.resolve("audit"), key, scope, html, dataDir.toString());
        assertEquals(expectVerified, r.verified(), r::toString);
        assertFalse(Files.exists(html.resolveSibling(html.getFileName() + ".tmp")), "no temporary file left");
        return Files.readString(html);
    }

    private static List<String> all(String html, String regex) {
        Matcher m = Pattern.compile(regex).matcher(html);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void theReportOfAGoodLogShowsEverySectionOfTheStory() throws IOException {
        Path data = work.resolve("data");
        story(data);
        String html = report(data, ReportScope.ALL, true);
        assertTrue(html.contains("class=\"banner ok\"") && html.contains("Verified: audit verify passes"), "banner");
        assertTrue(html.contains("id=\"sth-size\">20<"), "the signed tree head covers the 20 records (shutdown head)");
        assertTrue(html.contains("id=\"uncovered\">0<"));
        // The graph: three agents, the hand-offs, the refused one, billing slashed.
        assertEquals(List.of("support-bot", "billing", "ledger"), all(html, "<g class=\"node[^\"]*\" data-agent=\"([^\"]+)\""));
        assertTrue(html.contains("<g class=\"edge\" data-edge=\"0\" data-from=\"support-bot\" data-to=\"billing\""), html);
        assertTrue(html.contains("<g class=\"edge refused\" data-edge=\"0\" data-from=\"support-bot\" data-to=\"billing\""), html);
        assertTrue(html.contains("<g class=\"node slashed\" data-agent=\"billing\""));
        // Trust: billing's slash point with its cause, and the ring floors.
        Matcher slash = Pattern.compile("<circle class=\"point slash\" data-agent=\"billing\" data-seq=\"16\"[^>]*><title>([^<]*)</title>")
                .matcher(html);
        assertTrue(slash.find(), html);
        assertTrue(slash.group(1).contains("billing slash to 0.65") && slash.group(1).contains("refund R-1003 claims 420.00 EUR"),
                slash.group(1));
        assertEquals(2, all(html, "<line class=\"(floor)\"").size());
        // The saga: two steps forward, then two compensations in reverse order.
        String saga = html.substring(html.indexOf("data-saga=\"s2\""), html.indexOf("</div>", html.indexOf("data-saga=\"s2\"")));
        assertEquals(List.of("s2.1", "s2.2"), all(saga, "<g class=\"saga-event step\" data-step=\"([^\"]+)\""));
        assertEquals(List.of("s2.2", "s2.1"), all(saga, "<g class=\"saga-event comp\" data-step=\"([^\"]+)\""));
        assertEquals(2, all(saga, "<path class=\"(undo)\"").size(), "an arrow back to each step undone");
        assertTrue(saga.contains("data-outcome=\"compensated\""));
        // Denials: three rows, escaped; the histogram.
        assertEquals(List.of("billing", "billing", "support-bot"), all(html, "<tr data-agent=\"([^\"]*)\"><td><a class=\"seqlink\""));
        assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !html.contains("<script>alert(1)"), "escaped");
        assertTrue(html.contains("<svg id=\"histogram\""));
        // Sessions: participants, keys, deltas, root.
        assertTrue(html.contains("<tr data-session=\"sess-1\"><td>refund R-1002</td>"), html);
        assertTrue(html.contains("support-bot, billing, ledger</td><td>refund.case</td><td>1</td>"), html);
        // Every record shown is embedded, with the proof command built from it.
        assertTrue(html.contains("\"16\":\"{"), "slash record embedded");
        assertTrue(html.contains("data-option=\"--data-dir\"") && html.contains("audit proof ' + option + ' ' + q(dir)")
                && html.contains("--index "), "the proof command names the data directory");
    }

    @Test
    void thePageCannotReachTheNetwork() throws IOException {
        Path data = work.resolve("data");
        story(data);
        String html = report(data, ReportScope.ALL, true);
        assertTrue(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"), "CSP");
        // No attribute loads or links anything but the page itself.
        List<String> refs = all(html, "(?:src|href|xlink:href|action)=\"([^\"]*)\"");
        assertTrue(refs.stream().allMatch(r -> r.startsWith("#")), refs::toString);
        assertFalse(html.contains("url(http") || html.contains("@import"), "no external style");
        assertEquals(List.of("application/json", "application/json"), all(html, "<script type=\"([^\"]+)\""));
    }

    @Test
    void aRecordChangedWithItsCrcRecomputedGivesARedBannerThatNamesTheRange() throws IOException {
        Path data = work.resolve("data");
        story(data);
        Path forged = work.resolve("forged");
        copy(data, forged, "slashed", "pardoned");
        String html = report(forged, ReportScope.ALL, false);
        assertTrue(html.contains("class=\"banner bad\"") && html.contains("NOT VERIFIED"), html);
        assertTrue(html.contains("was changed"), banner(html));
        // What was read is still shown: the forged record is there, in the report of a log that does not verify.
        assertTrue(html.contains("trust.pardoned"));
    }

    @Test
    void aDamagedFrameStopsReadingWhereItIsAndTheBannerSaysWhichRecord() throws IOException {
        Path data = work.resolve("data");
        story(data);
        Path seg = segment(data);
        byte[] bytes = Files.readAllBytes(seg);
        int at = indexOf(bytes, "handoff.refused".getBytes(StandardCharsets.UTF_8));
        bytes[at] ^= 1;
        Files.write(seg, bytes);
        String html = report(data, ReportScope.ALL, false);
        assertTrue(html.contains("First bad record: <a class=\"seqlink\" href=\"#record-18\" data-seq=\"18\">record #18</a>"), banner(html));
        assertTrue(html.contains("id=\"read-problem\">Reading the log stopped at record 18"), banner(html));
        assertTrue(html.contains("data-seq=\"17\""), "records before it are shown");
    }

    @Test
    void anAgentScopeKeepsItsRecordsSagasAndSessionsOnly() throws IOException {
        Path data = work.resolve("data");
        story(data);
        String html = report(data, ReportScope.parse(null, null, "support-bot", null), true);
        assertEquals(List.of("billing", "support-bot"), all(html, "<tr data-agent=\"([^\"]*)\"><td><a class=\"seqlink\""),
                "billing refusing support-bot, and support-bot denied a capability");
        assertFalse(html.contains("data-saga=\"s2\""), "s2 does not involve support-bot");
        assertTrue(html.contains("data-session=\"sess-1\""), "support-bot joined the session");
        String bySeq = report(data, ReportScope.parse("4", "9", null, null), true);
        assertTrue(bySeq.contains("6 record(s) in scope (records 4..9"), bySeq);
        assertFalse(bySeq.contains("<tr data-agent=\"billing\"><td>"), "no denial in 4..9");
    }

    @Test
    void scopeBoundsAreNumbersOrInstantsAndOtherwiseNamed() {
        ReportScope s = ReportScope.parse("10", "2026-12-06T05:25:34Z", null, "");
        assertEquals(10L, s.fromSeq());
        assertEquals(java.time.Instant.parse("2026-12-06T05:25:34Z").toEpochMilli(), s.toTime());
        assertEquals(null, s.session());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> ReportScope.parse("yesterday", null, null, null));
        assertTrue(bad.getMessage().contains("--from yesterday is neither"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ReportScope.parse("9", "3", null, null));
    }

    @Test
    void aLargeLogIsKeptWithinTheCapsAndCountedInFull() throws IOException {
        Path data = work.resolve("big");
        int n = 3 * AuditDigest.MAX_DENIAL_ROWS;
        try (AuditLog log = AuditLog.open(data, SETTINGS)) {
            for (int i = 0; i < n; i++) {
                log.record("ring.denied", Map.of("agent", "a" + (i % 3), "effectiveRing", 3, "requiredRing", 0, "method", "M#m()",
                        "trust", (i % 100) / 100.0));
                if (i % 1000 == 999) {
                    log.flush();
                }
            }
        }
        AuditDigest d = AuditDigest.read(data.resolve("audit"), ReportScope.ALL);
        assertEquals(n, d.denialsTotal);
        assertEquals(AuditDigest.MAX_DENIAL_ROWS, d.denials.size());
        assertTrue(d.agents.values().stream().allMatch(a -> a.points.size() < AuditDigest.MAX_TRUST_POINTS), "trust points capped");
        assertEquals(n, java.util.Arrays.stream(d.histogram.counts).sum(), "the histogram counts every denial");
        String html = report(data, ReportScope.ALL, true);
        assertTrue(html.contains(n + " denial(s) and refusal(s) in scope; the table holds the first " + AuditDigest.MAX_DENIAL_ROWS), html.substring(0, 3000));
    }

    private static String banner(String html) {
        return html.substring(html.indexOf("<section id=\"verification\""), html.indexOf("</section>"));
    }

    /** A copy of the data directory with one record's text replaced and its frame's CRC recomputed. */
    private static void copy(Path from, Path to, String oldText, String newText) throws IOException {
        copyTree(from.resolve("keys"), to.resolve("keys"));
        Files.createDirectories(to.resolve("audit"));
        try (Stream<Path> files = Files.list(from.resolve("audit"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (f.getFileName().toString().startsWith("heads")) {
                    Files.copy(f, to.resolve("audit").resolve(f.getFileName()));
                }
            }
        }
        List<byte[]> payloads = new ArrayList<>();
        try (RecordLog log = RecordLog.open(from.resolve("audit"), "audit", RecordLog.Options.defaults().withReadOnly(true))) {
            log.forEach(0, (LogRecord r) -> payloads.add(r.payload()));
        }
        try (RecordLog log = RecordLog.open(to.resolve("audit"), "audit", RecordLog.Options.defaults())) {
            for (byte[] p : payloads) {
                log.append(new String(p, StandardCharsets.UTF_8).replace(oldText, newText).getBytes(StandardCharsets.UTF_8));
            }
            log.sync();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    private static Path segment(Path data) throws IOException {
        try (Stream<Path> files = Files.list(data.resolve("audit"))) {
            return files.filter(p -> p.getFileName().toString().matches("audit-\\d{20}\\.seg")).findFirst().orElseThrow();
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
