package org.agenthypervisor.samples.refund;

import org.agenthypervisor.it.AuditRecords;
import org.agenthypervisor.it.ChildJvm;
import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code audit report --html} on the log of a real run of the refund desk under the agent jar (what
 * {@code demo.sh} ends with), and on a copy of that log with one byte changed. The browser's view of
 * the same page is {@link RefundDeskReportBrowserIT}.
 */
class RefundDeskReportIT {
    static Path dir;

    @BeforeAll
    static void runDemo() {
        dir = demoRun("demo-report");
    }

    /** A fresh run of the demo under the agent, in its own working directory. */
    static Path demoRun(String name) {
        Path work = ChildJvm.freshWorkDir(name);
        Result demo = ChildJvm.withAgent("policy=" + System.getProperty("it.policy")).in(work)
                .jar(Path.of(System.getProperty("it.demoJar"))).runJar();
        assertEquals(0, demo.exitCode(), demo::toString);
        return work;
    }

    static Result cli(Path in, String... args) {
        return ChildJvm.withoutAgent().in(in).jar(Path.of(ChildJvm.agentJar())).runJar(args);
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
    void theDemosReportShowsItsStoryAndSaysTheLogVerifies() throws IOException {
        Result r = cli(dir, "audit", "report", "--html", "report.html");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().startsWith("report written to " + dir.resolve("report.html").toAbsolutePath()), r::toString);
        assertTrue(r.stdout().contains("the log is verified"), r::toString);
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("<h2 id=\"verdict\">Verified: audit verify passes on this log</h2>"));
        assertTrue(html.contains("id=\"uncovered\">0<"), "a cleanly stopped JVM leaves every record signed");
        assertEquals(List.of("support-bot", "billing", "ledger"), all(html, "<g class=\"node[^\"]*\" data-agent=\"([^\"]+)\""));
        assertEquals(List.of("support-bot|billing"), all(html, "<g class=\"edge refused\" data-edge=\"\\d+\" data-from=\"([^\"]+)\" data-to")
                .stream().map(from -> from + "|billing").toList(), "act 3: billing refused the support bot's hand-off");
        // Act 3: billing slashed twice (the anomaly, then its own ring violation).
        assertEquals(2, all(html, "<circle class=\"point (slash)\" data-agent=\"billing\"").size(), html);
        // Act 2: saga s2's two steps, then their compensations in reverse order.
        int s2 = html.indexOf("data-saga=\"s2\"");
        String saga = html.substring(s2, html.indexOf("</div>", s2));
        assertEquals(List.of("s2.1", "s2.2"), all(saga, "<g class=\"saga-event step\" data-step=\"([^\"]+)\""));
        assertEquals(List.of("s2.2", "s2.1"), all(saga, "<g class=\"saga-event comp\" data-step=\"([^\"]+)\""));
        assertTrue(saga.contains("Ledger#unbook") && saga.contains("Ledger#release"), saga);
        // Acts 1, 3, 4, 5: the key denial, the two ring denials, the refusal, the two capability denials.
        // Act 1 to 3, then act 4's bot: 12 graded ring denials until the breaker trips, 9 calls refused in
        // quarantine; then act 5's two capability denials.
        List<String> story = new java.util.ArrayList<>(List.of("session.key-denied", "ring.denied", "handoff.refused"));
        story.addAll(java.util.Collections.nCopies(12, "ring.denied"));
        story.addAll(java.util.Collections.nCopies(9, "quarantine.refused"));
        story.addAll(List.of("capability.denied", "capability.denied"));
        assertEquals(story, all(html, "<tr data-agent=\"[^\"]*\"><td>.*?</td><td>.*?</td><td>.*?</td><td>.*?</td><td>([^<]+)</td>"));
        assertEquals(5, all(html, "<tr data-session=\"([^\"]+)\">").size(), "the five refund sessions");
        // Only the page itself: nothing to fetch.
        assertTrue(all(html, "(?:src|href)=\"([^\"]*)\"").stream().allMatch(ref -> ref.startsWith("#")));
    }

    @Test
    void scopedToAnAgentAndARange() throws IOException {
        Result r = cli(dir, "audit", "report", "--html", "ledger.html", "--agent", "ledger", "--from", "0", "--to", "40");
        assertEquals(0, r.exitCode(), r::toString);
        String html = Files.readString(dir.resolve("ledger.html"));
        assertTrue(html.contains("agent ledger") && html.contains("records 0..40"), html.substring(0, 2000));
        assertTrue(html.contains("data-saga=\"s2\""), "ledger ran s2's steps");
        assertFalse(html.contains("data-saga=\"s3\""), "s3 is after record 40");
        Result bad = cli(dir, "audit", "report", "--html", "x.html", "--from", "last tuesday");
        assertEquals(2, bad.exitCode(), bad::toString);
        assertTrue(bad.stderr().contains("--from last tuesday is neither a sequence number nor an ISO-8601 instant"), bad::toString);
    }

    @Test
    void aTamperedLogGivesARedBannerThatSaysWhere() throws IOException {
        Path copy = ChildJvm.freshWorkDir("demo-report-tampered");
        copyTree(dir.resolve(".agent-hypervisor"), copy.resolve(".agent-hypervisor"));
        Path seg = copy.resolve(".agent-hypervisor/audit/audit-00000000000000000000.seg");
        byte[] bytes = Files.readAllBytes(seg);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int at = text.indexOf("\"after\":0.65");
        assertTrue(at > 0);
        bytes[at + 10] = '9'; // billing's first slash now says 0.95
        Files.write(seg, bytes);
        long seq = (Long) AuditRecords.ofType(dir.resolve(".agent-hypervisor"), "trust.slashed").get(0).get("seq");
        Result r = cli(copy, "audit", "report", "--html", "tampered.html");
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains("the log is NOT verified: first bad record " + seq + ": record " + seq + " (byte offset"), r::toString);
        String html = Files.readString(copy.resolve("tampered.html"));
        assertTrue(html.contains("<h2 id=\"verdict\">NOT VERIFIED: this log does not pass audit verify</h2>"));
        assertTrue(html.contains("First bad record: <a class=\"seqlink\" href=\"#record-" + seq + "\" data-seq=\"" + seq + "\">record #" + seq + "</a>"), html);
        assertTrue(html.contains("Reading the log stopped at record " + seq), html);
        assertTrue(html.contains("data-saga=\"s2\""), "what precedes the damage is still shown");
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else if (!f.getFileName().toString().endsWith(".lock")) {
                    Files.copy(f, target);
                }
            }
        }
    }
}
