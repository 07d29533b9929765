package org.agenthypervisor.core.report;

import org.agenthypervisor.core.audit.AuditVerifier;
import org.agenthypervisor.core.audit.TreeHead;

import java.io.IOException;
import java.io.Writer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the report page: HTML, inline CSS, SVG charts drawn here and one short inline script
 * (sorting, filtering and paging the denials table, listing an edge's vouches, showing a record and
 * its proof command). A Content-Security-Policy of {@code default-src 'none'} makes the browser
 * refuse any request the page might make, so it cannot reach the network even by mistake.
 */
final class HtmlReport {
    static final String[] RING_COLOURS = {"#7b3294", "#2c7fb8", "#1a9850", "#f46d43"};
    static final String UNKNOWN_RING_COLOUR = "#999999";
    /** trust.thresholds defaults (rings 0, 1, 2): the log does not record the policy's values. */
    static final double[] DEFAULT_FLOORS = {0.95, 0.95, 0.60};

    /** Rows per page of the denials table (the script pages by the same number). */
    static final int PAGE_ROWS = 100;

    private final Writer out;
    private final AuditDigest d;
    private final Verification v;
    private final String dataDir;
    /** How the commands the page shows name the log: {@code --data-dir} or {@code --store}. */
    private final String sourceOption;
    /** What the header calls the log's place: "Data directory", or the shared store's description. */
    private final String sourceLabel;
    /** Records the page embeds, for the record panel: only those of items shown, so bounded too. */
    private final StringBuilder records = new StringBuilder("{");
    private final java.util.Set<Long> embedded = new java.util.HashSet<>();

    /** The outcome of {@code audit verify} on the log the report covers. */
    record Verification(AuditVerifier.Report report, String coverageRefusal, String problem) {
        boolean verified() {
            return problem == null && report != null && report.ok() && report.owed() == null && coverageRefusal == null;
        }
    }

    private HtmlReport(Writer out, AuditDigest d, Verification v, String dataDir, String sourceOption, String sourceLabel) {
        this.out = out;
        this.d = d;
        this.v = v;
        this.dataDir = dataDir;
        this.sourceOption = sourceOption;
        this.sourceLabel = sourceLabel;
    }

    static void write(Writer out, AuditDigest d, Verification v, String dataDir, Instant generated) throws IOException {
        new HtmlReport(out, d, v, dataDir, "--data-dir", "Data directory").page(generated);
    }

    /** The report of a shared store's log: its commands say {@code --store policyFile}. */
    static void writeStore(Writer out, AuditDigest d, Verification v, String policyFile, String storeDescription,
                           Instant generated) throws IOException {
        new HtmlReport(out, d, v, policyFile, "--store", storeDescription + ", policy").page(generated);
    }

    private void page(Instant generated) throws IOException {
        w("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
        w("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline';"
                + " script-src 'unsafe-inline'; img-src data:\">\n");
        w("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        w("<title>Audit report: " + esc(dataDir) + "</title>\n<style>" + CSS + "</style></head>\n");
        w("<body data-dir=\"" + esc(dataDir) + "\" data-option=\"" + esc(sourceOption)
                + "\">\n<header><h1>Agent Hypervisor audit report</h1>\n<p>" + esc(sourceLabel) + " <code>" + esc(dataDir) + "</code>; " + esc(d.scope.describe()) + ". Generated " + generated + ".</p>\n<p>"
                + d.recordsInScope + " record(s) in scope" + (d.firstSeq >= 0 ? " (records " + d.firstSeq + ".." + d.lastSeq
                + (d.firstTime <= d.lastTime ? ", " + Instant.ofEpochMilli(d.firstTime) + " to " + Instant.ofEpochMilli(d.lastTime) : "")
                + ")" : "") + " of " + d.recordsRead + " read. Click any <span class=\"seqlink\">#seq</span> for the record and"
                + " the command that proves it is in the signed log.</p>\n");
        w("<nav><a href=\"#verification\">Verification</a> <a href=\"#graph\">Hand-offs</a> <a href=\"#trust\">Trust</a>"
                + " <a href=\"#sagas\">Sagas</a> <a href=\"#denials\">Denials</a> <a href=\"#sessions\">Sessions</a>"
                + " <a href=\"#types\">Record types</a></nav></header>\n<main>\n");
        banner();
        graph();
        trust();
        sagas();
        denials();
        sessions();
        types();
        w("</main>\n<aside id=\"record-panel\" hidden><button id=\"record-close\" type=\"button\">close</button>"
                + "<h3>Record <span id=\"record-seq\"></span></h3><pre id=\"record-json\"></pre>"
                + "<p>Prove it is in the signed log (inclusion proof, checkable anywhere with the public key):</p>"
                + "<pre id=\"proof-cmd\"></pre></aside>\n<div id=\"tip\" hidden></div>\n");
        records.append('}');
        w("<script type=\"application/json\" id=\"records\">" + scriptSafe(records.toString()) + "</script>\n");
        w("<script>" + SCRIPT + "</script>\n</body></html>\n");
        out.flush();
    }

    // ---- verification banner ----

    private void banner() throws IOException {
        AuditVerifier.Report r = v.report();
        boolean ok = v.verified();
        w("<section id=\"verification\" class=\"banner " + (ok ? "ok" : "bad") + "\">\n");
        w("<h2 id=\"verdict\">" + (ok ? "Verified: audit verify passes on this log"
                : "NOT VERIFIED: this log does not pass audit verify") + "</h2>\n<ul>\n");
        if (v.problem() != null) {
            w("<li class=\"failure\">" + esc(v.problem()) + "</li>\n");
        }
        if (r != null) {
            if (r.failure() != null) {
                w("<li class=\"failure\">" + (r.failure().record() >= 0 ? "First bad record: " + seqLink(r.failure().record(), false)
                        + ". " : "") + esc(r.failure().message()) + "</li>\n");
                w("<li>Verified before that: " + r.recordsChecked() + " record(s), " + r.heads() + " signed tree head(s). Records"
                        + " after the failure are shown below as they are in the file: treat them as unproven.</li>\n");
            }
            if (r.owed() != null) {
                w("<li class=\"failure\">" + r.owed().lost() + " record(s) were lost from " + esc(String.valueOf(r.owed().since()))
                        + " to " + esc(String.valueOf(r.owed().until())) + " (" + esc(r.owed().cause())
                        + ") and are not recorded in the log yet.</li>\n");
            }
            if (v.coverageRefusal() != null) {
                w("<li class=\"failure\">" + esc(v.coverageRefusal()) + "</li>\n");
            }
            TreeHead last = r.lastHead();
            if (last != null) {
                w("<li>Signed tree head: size <b id=\"sth-size\">" + last.size() + "</b>, root <code>" + last.rootHex()
                        + "</code>, key id <code>" + esc(last.keyId()) + "</code>, signed " + last.time() + " (" + esc(last.reason())
                        + "); " + r.heads() + " head(s) checked.</li>\n");
            } else {
                w("<li>No signed tree head.</li>\n");
            }
            w("<li>Records not yet covered by a signed tree head: <b id=\"uncovered\">" + r.uncovered() + "</b>.</li>\n");
            w("<li>" + r.records() + " record(s) in the log; " + r.sessions() + " closed session(s) whose delta roots were"
                    + " recomputed" + (r.cut() > 0 ? "; records 0.." + (r.cut() - 1) + " archived and not checked" : "")
                    + (r.lossRecords() > 0 ? "; " + r.lostRecorded() + " record(s) stated lost by " + r.lossRecords()
                    + " audit.records-lost record(s)" : "") + ".</li>\n");
        }
        w("<li>The verification covers the whole log" + (d.scope == ReportScope.ALL ? "" : ", of which this report shows "
                + esc(d.scope.describe())) + ". Check it yourself: <code>java -jar agent-hypervisor.jar audit verify "
                + sourceOption + " " + esc(shellQuote(dataDir)) + "</code></li>\n");
        if (d.readProblem != null) {
            w("<li class=\"failure\" id=\"read-problem\">Reading the log stopped at record " + d.readStoppedAt + ": "
                    + esc(d.readProblem) + ". The report shows the records before it.</li>\n");
        }
        w("</ul></section>\n");
    }

    // ---- hand-off graph ----

    private void graph() throws IOException {
        List<AuditDigest.Agent> agents = new ArrayList<>(d.agents.values());
        int n = agents.size();
        double cx = 360, cy = 235, radius = n <= 1 ? 0 : Math.max(165, Math.min(200, 60 + 25 * n));
        Map<String, double[]> at = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) {
            double a = -Math.PI / 2 + 2 * Math.PI * i / Math.max(1, n);
            at.put(agents.get(i).name, new double[]{cx + radius * Math.cos(a), cy + radius * Math.sin(a)});
        }
        w("<section id=\"graph\"><h2>Hand-offs between agents</h2>\n<p>Agents coloured by granted ring; an arrow is a"
                + " sender's hand-offs to a receiver (each one the sender vouching for what it passed, signed), red dashed arrows"
                + " are refused hand-offs, and a red ring marks a slashed agent. Click an arrow to list its vouches.</p>\n");
        w("<svg id=\"graph-svg\" viewBox=\"0 0 720 470\" width=\"720\" height=\"470\" role=\"img\" aria-label=\"hand-off graph\">"
                + "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\""
                + " orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" fill=\"#555\"/></marker>"
                + "<marker id=\"arrow-red\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\""
                + " orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" fill=\"#d7191c\"/></marker></defs>\n");
        StringBuilder vouches = new StringBuilder("[");
        int index = 0;
        for (AuditDigest.Edge e : d.edges.values()) {
            double[] a = at.get(e.sender), b = at.get(e.receiver);
            if (a == null || b == null) {
                continue;
            }
            if (e.handoffs > 0) {
                edge(index, e, a, b, false, 28);
            }
            if (e.refused > 0) {
                edge(index, e, a, b, true, e.handoffs > 0 ? 60 : 28);
            }
            vouches.append(index == 0 ? "" : ",").append("{\"from\":").append(js(e.sender)).append(",\"to\":").append(js(e.receiver))
                    .append(",\"handoffs\":").append(e.handoffs).append(",\"refused\":").append(e.refused).append(",\"items\":[");
            for (int i = 0; i < e.vouches.size(); i++) {
                AuditDigest.Vouch x = e.vouches.get(i);
                embed(x.seq(), x.json());
                vouches.append(i == 0 ? "" : ",").append("{\"seq\":").append(x.seq()).append(",\"time\":").append(js(iso(x.time())))
                        .append(",\"kind\":").append(js(x.kind())).append(",\"id\":").append(js(x.id()))
                        .append(",\"method\":").append(js(x.method())).append('}');
            }
            vouches.append("]}");
            index++;
        }
        vouches.append(']');
        for (AuditDigest.Agent ag : agents) {
            double[] p = at.get(ag.name);
            String colour = ag.grantedRing != null && ag.grantedRing >= 0 && ag.grantedRing <= 3
                    ? RING_COLOURS[ag.grantedRing.intValue()] : UNKNOWN_RING_COLOUR;
            w("<g class=\"node" + (ag.slashes > 0 ? " slashed" : "") + "\" data-agent=\"" + esc(ag.name) + "\"><title>"
                    + esc(ag.name) + ": granted ring " + ring(ag.grantedRing) + ", effective ring " + ring(ag.effectiveRing)
                    + ", trust " + trustText(ag.trust) + "; " + ag.slashes + " slash(es), " + ag.denials + " denial(s), "
                    + ag.refusals + " hand-off(s) refused</title>");
            if (ag.slashes > 0) {
                w("<circle class=\"slash-ring\" cx=\"" + f(p[0]) + "\" cy=\"" + f(p[1]) + "\" r=\"40\" fill=\"none\""
                        + " stroke=\"#d7191c\" stroke-width=\"4\"/>");
            }
            w("<circle cx=\"" + f(p[0]) + "\" cy=\"" + f(p[1]) + "\" r=\"34\" fill=\"" + colour + "\"/>");
            w("<text class=\"agent-name\" x=\"" + f(p[0]) + "\" y=\"" + f(p[1] + 4) + "\" text-anchor=\"middle\">" + esc(ag.name)
                    + "</text><text class=\"agent-sub\" x=\"" + f(p[0]) + "\" y=\"" + f(p[1] + 56) + "\" text-anchor=\"middle\">ring "
                    + ring(ag.grantedRing) + (ag.effectiveRing != null && !ag.effectiveRing.equals(ag.grantedRing)
                    ? " (now " + ag.effectiveRing + ")" : "") + ", trust " + trustText(ag.trust)
                    + (ag.slashes > 0 ? ", slashed " + ag.slashes + "×" : "") + "</text></g>\n");
        }
        w("</svg>\n<div class=\"legend\">");
        for (int r = 0; r < 4; r++) {
            w("<span><i style=\"background:" + RING_COLOURS[r] + "\"></i>ring " + r + "</span> ");
        }
        w("<span><i style=\"background:" + UNKNOWN_RING_COLOUR + "\"></i>ring not in the log</span></div>\n");
        if (d.agentsNotShown > 0) {
            w("<p class=\"note\">" + d.agentsNotShown + " record(s) named agents beyond the first " + AuditDigest.MAX_AGENTS
                    + " shown.</p>\n");
        }
        w("<div id=\"vouches\"><p class=\"note\">Click an arrow to list its hand-offs.</p></div>\n");
        w("<script type=\"application/json\" id=\"vouch-data\">" + scriptSafe(vouches.toString()) + "</script></section>\n");
    }

    private void edge(int index, AuditDigest.Edge e, double[] a, double[] b, boolean refused, double bend) throws IOException {
        double dx = b[0] - a[0], dy = b[1] - a[1], len = Math.max(1, Math.hypot(dx, dy));
        double ux = dx / len, uy = dy / len;
        double sx = a[0] + ux * 42, sy = a[1] + uy * 42, ex = b[0] - ux * 44, ey = b[1] - uy * 44;
        // Bend to the sender's left, so that A->B and B->A do not overlap.
        double mx = (sx + ex) / 2 - uy * bend, my = (sy + ey) / 2 + ux * bend;
        double lx = (sx + 2 * mx + ex) / 4, ly = (sy + 2 * my + ey) / 4;
        String label = refused ? "refused " + e.refused : String.valueOf(e.handoffs);
        w("<g class=\"edge" + (refused ? " refused" : "") + "\" data-edge=\"" + index + "\" data-from=\"" + esc(e.sender)
                + "\" data-to=\"" + esc(e.receiver) + "\"><title>" + esc(e.sender) + " → " + esc(e.receiver) + ": "
                + (refused ? e.refused + " hand-off(s) refused" : e.handoffs + " hand-off(s)") + "</title>"
                + "<path d=\"M" + f(sx) + "," + f(sy) + " Q" + f(mx) + "," + f(my) + " " + f(ex) + "," + f(ey) + "\" fill=\"none\""
                + " stroke=\"" + (refused ? "#d7191c" : "#555") + "\" stroke-width=\"" + (refused ? 2.5 : f(1.5 + Math.min(4,
                Math.log10(e.handoffs + 1)))) + "\"" + (refused ? " stroke-dasharray=\"6 4\"" : "") + " marker-end=\"url(#"
                + (refused ? "arrow-red" : "arrow") + ")\"/><path class=\"hit\" d=\"M" + f(sx) + "," + f(sy) + " Q" + f(mx) + ","
                + f(my) + " " + f(ex) + "," + f(ey) + "\" fill=\"none\" stroke=\"transparent\" stroke-width=\"14\"/>"
                + "<text x=\"" + f(lx) + "\" y=\"" + f(ly) + "\" text-anchor=\"middle\" class=\"edge-label\">" + label
                + "</text></g>\n");
    }

    // ---- trust over time ----

    private void trust() throws IOException {
        w("<section id=\"trust\"><h2>Trust over time</h2>\n");
        long t0 = d.firstTime, t1 = d.lastTime;
        if (t0 > t1) {
            w("<p>No records with a time in scope.</p></section>\n");
            return;
        }
        if (t1 - t0 < 1000) {
            t1 = t0 + 1000;
        }
        double left = 50, right = 870, top = 20, bottom = 300;
        long span = t1 - t0;
        long tStart = t0;
        java.util.function.LongFunction<Double> x = t -> left + (right - left) * (t - tStart) / (double) span;
        java.util.function.DoubleFunction<Double> y = val -> bottom - (bottom - top) * Math.max(0, Math.min(1, val));
        w("<p>One line per agent; <span class=\"key slash\">●</span> a slash, <span class=\"key set\">■</span> an operator's"
                + " change, <span class=\"key rec\">▲</span> recovery (hover for the cause, click for the record). Dashed lines:"
                + " the ring floors (an agent keeps ring r only while its trust is above the floor; the defaults of"
                + " trust.thresholds are drawn, as the log does not record the policy's values).</p>\n");
        w("<svg id=\"trust-svg\" viewBox=\"0 0 900 340\" width=\"900\" height=\"340\" role=\"img\" aria-label=\"trust over time\">\n");
        for (double g = 0; g <= 1.0001; g += 0.25) {
            w("<line x1=\"" + left + "\" x2=\"" + right + "\" y1=\"" + f(y.apply(g)) + "\" y2=\"" + f(y.apply(g))
                    + "\" class=\"grid\"/><text x=\"" + (left - 6) + "\" y=\"" + f(y.apply(g) + 4) + "\" text-anchor=\"end\""
                    + " class=\"axis\">" + String.format(Locale.ROOT, "%.2f", g) + "</text>\n");
        }
        w("<line class=\"floor\" data-ring=\"0 1\" x1=\"" + left + "\" x2=\"" + right + "\" y1=\"" + f(y.apply(DEFAULT_FLOORS[0]))
                + "\" y2=\"" + f(y.apply(DEFAULT_FLOORS[0])) + "\"/><text class=\"floor-label\" x=\"" + (right - 4) + "\" y=\""
                + f(y.apply(DEFAULT_FLOORS[0]) - 4) + "\" text-anchor=\"end\">ring 0 and 1 floor " + DEFAULT_FLOORS[0] + "</text>\n");
        w("<line class=\"floor\" data-ring=\"2\" x1=\"" + left + "\" x2=\"" + right + "\" y1=\"" + f(y.apply(DEFAULT_FLOORS[2]))
                + "\" y2=\"" + f(y.apply(DEFAULT_FLOORS[2])) + "\"/><text class=\"floor-label\" x=\"" + (right - 4) + "\" y=\""
                + f(y.apply(DEFAULT_FLOORS[2]) - 4) + "\" text-anchor=\"end\">ring 2 floor " + DEFAULT_FLOORS[2] + "</text>\n");
        w("<text class=\"axis\" x=\"" + left + "\" y=\"" + (bottom + 18) + "\">" + iso(t0) + "</text><text class=\"axis\" x=\""
                + right + "\" y=\"" + (bottom + 18) + "\" text-anchor=\"end\">" + iso(t1) + "</text>\n");
        int colour = 0;
        StringBuilder legend = new StringBuilder();
        for (AuditDigest.Agent a : d.agents.values()) {
            if (a.points.isEmpty()) {
                continue;
            }
            String c = LINE_COLOURS[colour++ % LINE_COLOURS.length];
            StringBuilder path = new StringBuilder();
            AuditDigest.TrustPoint first = a.points.get(0);
            path.append('M').append(f(x.apply(first.time()))).append(',').append(f(y.apply(first.value())));
            for (AuditDigest.TrustPoint p : a.points) {
                path.append(" H").append(f(x.apply(p.time()))).append(" V").append(f(y.apply(p.value())));
            }
            path.append(" H").append(f(right));
            w("<g class=\"trust-agent\" data-agent=\"" + esc(a.name) + "\"><path class=\"trust-line\" d=\"" + path + "\" stroke=\""
                    + c + "\" fill=\"none\" stroke-width=\"2\"/>");
            for (AuditDigest.TrustPoint p : a.points) {
                if ("seen".equals(p.kind())) {
                    continue;
                }
                embed(p.seq(), p.json());
                double px = x.apply(p.time()), py = y.apply(p.value());
                String title = esc(a.name + " " + p.kind() + " to " + trustText(p.value()) + " at " + iso(p.time()) + " (record "
                        + p.seq() + "): " + p.cause());
                String attrs = " class=\"point " + p.kind() + "\" data-agent=\"" + esc(a.name) + "\" data-seq=\"" + p.seq()
                        + "\" data-time=\"" + iso(p.time()) + "\" data-value=\"" + p.value() + "\"";
                switch (p.kind()) {
                    case "slash" -> w("<circle" + attrs + " cx=\"" + f(px) + "\" cy=\"" + f(py) + "\" r=\"6\" fill=\"#d7191c\""
                            + " stroke=\"" + c + "\" stroke-width=\"2\"><title>" + title + "</title></circle>");
                    case "set" -> w("<rect" + attrs + " x=\"" + f(px - 5) + "\" y=\"" + f(py - 5) + "\" width=\"10\" height=\"10\""
                            + " fill=\"#2c7fb8\"><title>" + title + "</title></rect>");
                    default -> w("<path" + attrs + " d=\"M" + f(px) + "," + f(py - 5) + " l5,9 h-10z\" fill=\"#1a9850\"><title>"
                            + title + "</title></path>");
                }
            }
            w("</g>\n");
            legend.append("<span><i style=\"background:").append(c).append("\"></i>").append(esc(a.name)).append(' ')
                    .append(trustText(a.trust)).append(a.pointStride > 1 ? " (line sampled)" : "").append("</span> ");
        }
        w("</svg>\n<div class=\"legend\">" + legend + "</div></section>\n");
    }

    private static final String[] LINE_COLOURS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
            "#17becf", "#bcbd22", "#7f7f7f"};

    // ---- sagas ----

    private void sagas() throws IOException {
        w("<section id=\"sagas\"><h2>Sagas</h2>\n<p>" + (d.sagasCompleted + d.sagasCompensated + d.sagasOther) + " saga(s): "
                + d.sagasCompleted + " completed, " + d.sagasCompensated + " compensated, " + d.sagasOther
                + " other or unfinished. Each saga's steps run left to right (green; red: failed or refused); its compensations"
                + " (orange, in the order they ran) are drawn on the second row with an arrow back to the step each undoes."
                + " Hover for times and errors.</p>\n");
        if (d.sagasNotShown > 0) {
            w("<p class=\"note\">" + d.sagasNotShown + " saga(s) not drawn (at most " + AuditDigest.MAX_SAGAS_SHOWN
                    + " are, failed and compensated ones first and " + AuditDigest.MAX_COMPLETED_SAGAS_SHOWN
                    + " completed ones; narrow the range with --from/--to or --agent).</p>\n");
        }
        for (AuditDigest.Saga s : d.sagas.values()) {
            saga(s);
        }
        w("</section>\n");
    }

    private void saga(AuditDigest.Saga s) throws IOException {
        String outcome = s.outcome == null ? "unfinished" : s.outcome;
        boolean escalated = s.events.stream().anyMatch(e -> "escalated".equals(e.kind) || "compfailed".equals(e.kind));
        boolean inDoubt = s.events.stream().anyMatch(e -> e.inDoubt);
        w("<div class=\"saga " + esc(outcome) + (escalated ? " escalated" : "") + "\" data-saga=\"" + esc(s.id) + "\" data-outcome=\""
                + esc(outcome) + "\"><h3>" + esc(s.id) + " " + esc(s.name == null ? "" : s.name) + ": <span class=\"outcome\">"
                + esc(outcome) + "</span>" + (escalated ? " <span class=\"flag\">escalated</span>" : "")
                + (inDoubt ? " <span class=\"flag\">in doubt</span>" : "") + " <small>begun by " + esc(s.agent == null ? "?" : s.agent)
                + (s.beginSeq >= 0 ? " " + seqLink(s.beginSeq, false) : "") + (s.endSeq >= 0 ? ", ended " + seqLink(s.endSeq, false)
                : "") + "</small></h3>\n");
        List<AuditDigest.SagaEvent> forward = new ArrayList<>();
        List<AuditDigest.SagaEvent> back = new ArrayList<>();
        for (AuditDigest.SagaEvent e : s.events) {
            (e.kind.equals("comp") || e.kind.equals("compfailed") || e.kind.equals("escalated") ? back : forward).add(e);
        }
        double slot = 150;
        int slots = Math.max(1, forward.size() + back.size());
        double width = Math.max(300, 20 + slot * slots);
        w("<svg class=\"saga-svg\" viewBox=\"0 0 " + f(width) + " 100\" width=\"" + f(width) + "\" height=\"100\">"
                + "<line x1=\"10\" x2=\"" + f(width - 10) + "\" y1=\"30\" y2=\"30\" class=\"saga-bar\"/>");
        Map<String, Double> stepX = new java.util.HashMap<>();
        for (int i = 0; i < forward.size(); i++) {
            AuditDigest.SagaEvent e = forward.get(i);
            double x0 = 10 + slot * i;
            if (e.step != null) {
                stepX.put(e.step, x0 + (slot - 10) / 2);
            }
            sagaEvent(e, x0, 15, "step".equals(e.kind) ? "#1a9850" : "rollback".equals(e.kind) ? "#fdae61" : "#d7191c");
        }
        for (int i = 0; i < back.size(); i++) {
            AuditDigest.SagaEvent e = back.get(i);
            double x0 = 10 + slot * (forward.size() + i);
            sagaEvent(e, x0, 62, "comp".equals(e.kind) ? "#f46d43" : "#7b3294");
            Double target = e.step == null ? null : stepX.get(e.step);
            if (target != null) {
                w("<path class=\"undo\" d=\"M" + f(x0 + 5) + ",70 C" + f(x0 - 20) + ",56 " + f(target + 20) + ",56 " + f(target)
                        + ",46\" fill=\"none\" stroke=\"#f46d43\" stroke-width=\"1.5\" marker-end=\"url(#arrow-red)\"/>");
            }
        }
        w("</svg></div>\n");
    }

    private void sagaEvent(AuditDigest.SagaEvent e, double x0, double y0, String colour) throws IOException {
        embed(e.seq, e.json);
        String label = (e.step == null ? e.kind : e.step) + " " + shortMethod(e.method);
        String title = e.kind + (e.step != null ? " " + e.step : "") + (e.method != null ? " " + e.method : "") + " at "
                + iso(e.time) + " (record " + e.seq + ")" + (e.inDoubt ? ", IN DOUBT" : "")
                + ("comp".equals(e.kind) && !e.finished ? ", not confirmed compensated" : "")
                + (e.detail != null ? ": " + e.detail : "");
        w("<g class=\"saga-event " + e.kind + (e.inDoubt ? " in-doubt" : "") + "\" data-step=\"" + esc(e.step == null ? "" : e.step)
                + "\" data-seq=\"" + e.seq + "\"><title>" + esc(title) + "</title><rect x=\"" + f(x0) + "\" y=\"" + f(y0)
                + "\" width=\"140\" height=\"30\" rx=\"4\" fill=\"" + colour + "\"" + (e.inDoubt
                ? " stroke=\"#000\" stroke-dasharray=\"4 3\" stroke-width=\"2\"" : "") + "/><text x=\"" + f(x0 + 6) + "\" y=\""
                + f(y0 + 19) + "\" class=\"saga-label\">" + esc(label) + "</text></g>");
    }

    // ---- denials ----

    private void denials() throws IOException {
        w("<section id=\"denials\"><h2>Denials and refusals</h2>\n<p>" + d.denialsTotal + " denial(s) and refusal(s) in scope"
                + (d.denialsTotal > d.denials.size() ? "; the table holds the first " + d.denials.size()
                + " (narrow the range with --from/--to or --agent to see the others)" : "") + ". The histogram counts all of them.</p>\n");
        histogram();
        w("<div class=\"controls\"><label>Filter <input id=\"denial-filter\" type=\"search\" placeholder=\"any text\"></label>"
                + " <label>Agent <select id=\"denial-agent\"><option value=\"\">all agents</option>");
        java.util.TreeSet<String> names = new java.util.TreeSet<>();
        d.denials.forEach(x -> {
            if (x.agent() != null) {
                names.add(x.agent());
            }
        });
        for (String name : names) {
            w("<option value=\"" + esc(name) + "\">" + esc(name) + "</option>");
        }
        w("</select></label> <span id=\"denial-count\"></span> <span class=\"pager\"><button type=\"button\" id=\"page-prev\">"
                + "previous</button> <span id=\"page-info\"></span> <button type=\"button\" id=\"page-next\">next</button></span></div>\n");
        w("<table id=\"denials-table\" class=\"sortable\"><thead><tr><th data-num=\"1\">#</th><th>time</th><th>agent</th>"
                + "<th data-num=\"1\">ring</th><th>type</th><th>method or capability</th><th>rule</th><th>message</th></tr></thead>"
                + "<tbody>\n");
        int row = 0;
        for (AuditDigest.Denial x : d.denials) {
            embed(x.seq(), x.json());
            // Rows past the first page start hidden, so the browser lays out one page, not thousands.
            w("<tr data-agent=\"" + esc(x.agent() == null ? "" : x.agent()) + "\"" + (row++ >= PAGE_ROWS ? " hidden" : "") + "><td>" + seqLink(x.seq(), true) + "</td><td>"
                    + iso(x.time()) + "</td><td>" + esc(x.agent()) + "</td><td>" + esc(x.ring()) + "</td><td>" + esc(x.type())
                    + "</td><td>" + esc(x.what()) + "</td><td>" + esc(x.rule()) + "</td><td>" + esc(x.message()) + "</td></tr>\n");
        }
        w("</tbody></table></section>\n");
    }

    private void histogram() throws IOException {
        AuditDigest.Histogram h = d.histogram;
        if (d.denialsTotal == 0) {
            return;
        }
        int used = 0;
        long max = 1;
        for (int i = 0; i < h.counts.length; i++) {
            if (h.counts[i] > 0) {
                used = i + 1;
                max = Math.max(max, h.counts[i]);
            }
        }
        double barW = Math.max(4, Math.min(40, 840.0 / Math.max(1, used)));
        w("<svg id=\"histogram\" viewBox=\"0 0 900 150\" width=\"900\" height=\"150\" role=\"img\" aria-label=\"denials over time\">");
        for (int i = 0; i < used; i++) {
            double hgt = 110.0 * h.counts[i] / max;
            long from = h.start + i * h.width;
            w("<rect class=\"bar\" x=\"" + f(50 + i * barW) + "\" y=\"" + f(120 - hgt) + "\" width=\"" + f(barW - 1) + "\" height=\""
                    + f(hgt) + "\" data-count=\"" + h.counts[i] + "\"><title>" + h.counts[i] + " from " + iso(from) + " ("
                    + h.width + " ms)</title></rect>");
        }
        w("<text class=\"axis\" x=\"50\" y=\"140\">" + iso(h.start) + "</text><text class=\"axis\" x=\"" + f(50 + used * barW)
                + "\" y=\"140\" text-anchor=\"end\">" + iso(h.start + used * h.width) + "</text><text class=\"axis\" x=\"44\" y=\"14\""
                + " text-anchor=\"end\">" + max + "</text></svg>\n");
    }

    // ---- sessions ----

    private void sessions() throws IOException {
        w("<section id=\"sessions\"><h2>Sessions</h2>\n");
        if (d.sessionsNotShown > 0) {
            w("<p class=\"note\">" + d.sessionsNotShown + " more session(s) not listed (at most " + AuditDigest.MAX_SESSIONS_SHOWN
                    + ").</p>\n");
        }
        w("<table id=\"sessions-table\" class=\"sortable\"><thead><tr><th>name</th><th>session</th><th>opened by</th>"
                + "<th>participants</th><th>keys written</th><th data-num=\"1\">deltas</th><th>committed root</th><th>records</th>"
                + "</tr></thead><tbody>\n");
        for (AuditDigest.Session s : d.sessions.values()) {
            if (d.scope.agent() != null && !s.involvesAgent) {
                continue;
            }
            embed(s.openSeq, s.openJson);
            embed(s.closeSeq, s.closeJson);
            w("<tr data-session=\"" + esc(s.id) + "\"><td>" + esc(s.name) + "</td><td><code>" + esc(s.id) + "</code></td><td>"
                    + esc(s.openedBy) + "</td><td>" + esc(String.join(", ", s.participants)) + "</td><td>"
                    + esc(String.join(", ", s.keys)) + (s.keysNotShown > 0 ? " and " + s.keysNotShown + " more" : "") + "</td><td>"
                    + s.deltas + "</td><td><code title=\"" + esc(s.root) + "\">" + (s.root == null ? "not closed"
                    : esc(s.root.substring(0, Math.min(16, s.root.length()))) + "…") + "</code></td><td>"
                    + (s.openSeq >= 0 ? "opened " + seqLink(s.openSeq, false) : "") + (s.closeSeq >= 0 ? " closed "
                    + seqLink(s.closeSeq, false) : "") + "</td></tr>\n");
        }
        w("</tbody></table></section>\n");
    }

    private void types() throws IOException {
        w("<section id=\"types\"><h2>Record types</h2><table class=\"sortable\"><thead><tr><th>type</th><th data-num=\"1\">"
                + "records</th></tr></thead><tbody>");
        for (Map.Entry<String, Long> e : d.typeCounts.entrySet()) {
            w("<tr><td>" + esc(e.getKey()) + "</td><td>" + e.getValue() + "</td></tr>");
        }
        w("</tbody></table></section>\n");
    }

    // ---- helpers ----

    private void embed(long seq, String json) {
        if (seq >= 0 && json != null && embedded.add(seq)) {
            records.append(records.length() > 1 ? "," : "").append('"').append(seq).append("\":").append(js(json));
        }
    }

    private String seqLink(long seq, boolean bare) {
        return "<a class=\"seqlink\" href=\"#record-" + seq + "\" data-seq=\"" + seq + "\">" + (bare ? "" : "record ") + "#" + seq
                + "</a>";
    }

    private void w(String s) throws IOException {
        out.write(s);
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** A JSON string literal. */
    static String js(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(s.length() + 8).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** JSON inside a script element: no "</" can close it (js() already escapes every '<'). */
    private static String scriptSafe(String json) {
        return json.replace("</", "<\\/");
    }

    static String shellQuote(String s) {
        return s.matches("[A-Za-z0-9_./:@-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    private static String iso(long millis) {
        return millis <= 0 ? "" : Instant.ofEpochMilli(millis).toString();
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String ring(Long r) {
        return r == null ? "?" : String.valueOf(r);
    }

    private static String trustText(Double t) {
        return t == null ? "?" : String.format(Locale.ROOT, "%.2f", t);
    }

    private static String shortMethod(String method) {
        if (method == null) {
            return "";
        }
        int paren = method.indexOf('(');
        String m = paren < 0 ? method : method.substring(0, paren);
        int dot = m.lastIndexOf('.');
        return dot < 0 ? m : m.substring(dot + 1);
    }

    private static final String CSS = """
            body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
            header{padding:12px 24px;background:#fff;border-bottom:1px solid #ddd}
            header h1{margin:0 0 4px;font-size:20px}nav a{margin-right:12px}
            main{padding:0 24px 48px}section{margin:18px 0;padding:12px 16px;background:#fff;border:1px solid #e3e3e3;border-radius:6px}
            .banner.ok{border-left:8px solid #1a9850}.banner.bad{border-left:8px solid #d7191c;background:#fff3f3}
            .banner h2{margin:0 0 6px}.banner.ok h2{color:#1a7a40}.banner.bad h2{color:#b01010}.failure{color:#b01010;font-weight:600}
            code,pre{font:12px ui-monospace,monospace}pre{white-space:pre-wrap;word-break:break-all;background:#f4f4f4;padding:8px}
            table{border-collapse:collapse;width:100%;font-size:12px}th,td{border-bottom:1px solid #eee;padding:3px 6px;text-align:left;vertical-align:top}
            th{cursor:pointer;background:#f0f0f0;position:sticky;top:0}th.asc::after{content:" ▲"}th.desc::after{content:" ▼"}
            .legend span{margin-right:14px}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
            .note{color:#666}.flag{background:#7b3294;color:#fff;border-radius:3px;padding:0 4px;font-size:12px}
            .saga h3{font-size:14px;margin:10px 0 2px}.saga.compensated .outcome,.saga.failed .outcome{color:#d95f02}
            .saga-bar{stroke:#ccc;stroke-width:2}.saga-label{font-size:11px;fill:#fff}
            .agent-name{font-size:10.5px;fill:#fff;font-weight:600}.agent-sub{font-size:11px;fill:#333}
            .edge{cursor:pointer}.hit{pointer-events:stroke}.edge-label{font-size:12px;fill:#222;paint-order:stroke;stroke:#fff;stroke-width:3px}.edge.refused .edge-label{fill:#d7191c}
            .grid{stroke:#eee}.axis{font-size:10px;fill:#666}.floor{stroke:#999;stroke-dasharray:5 4}.floor-label{font-size:10px;fill:#666}
            .point,[data-seq]{cursor:pointer}.key.slash{color:#d7191c}.key.set{color:#2c7fb8}.key.rec{color:#1a9850}
            .bar{fill:#d7191c}.controls{margin:6px 0}
            #record-panel{position:fixed;right:16px;bottom:16px;width:min(640px,90vw);max-height:70vh;overflow:auto;background:#fff;border:1px solid #888;box-shadow:0 4px 16px rgba(0,0,0,.2);padding:10px 14px}
            #record-close{float:right}
            """;

    private static final String SCRIPT = """
            (function () {
              'use strict';
              var records = JSON.parse(document.getElementById('records').textContent);
              var vouches = JSON.parse(document.getElementById('vouch-data').textContent);
              var dir = document.body.getAttribute('data-dir');
              var option = document.body.getAttribute('data-option');
              function q(s) { return /^[A-Za-z0-9_.\\/:@-]+$/.test(s) ? s : "'" + s.replace(/'/g, "'\\\\''") + "'"; }
              function showRecord(seq) {
                var panel = document.getElementById('record-panel');
                document.getElementById('record-seq').textContent = '#' + seq;
                var json = records[seq];
                document.getElementById('record-json').textContent = json ? JSON.stringify(JSON.parse(json), null, 2)
                  : '(this record is not embedded in the report; the proof command prints it)';
                document.getElementById('proof-cmd').textContent = 'java -jar agent-hypervisor.jar audit proof ' + option + ' ' + q(dir)
                  + ' --index ' + seq + ' -o record-' + seq + '.proof\\njava -jar agent-hypervisor.jar audit verify-proof record-'
                  + seq + '.proof';
                panel.hidden = false;
              }
              function listVouches(i) {
                var e = vouches[i], box = document.getElementById('vouches');
                box.textContent = '';
                var h = document.createElement('h3');
                h.textContent = e.from + ' \\u2192 ' + e.to + ': ' + e.handoffs + ' hand-off(s), ' + e.refused + ' refused'
                  + (e.items.length < e.handoffs + e.refused ? ' (first ' + e.items.length + ' listed)' : '');
                box.appendChild(h);
                var ul = document.createElement('ul');
                e.items.forEach(function (v) {
                  var li = document.createElement('li'), a = document.createElement('a');
                  a.href = '#record-' + v.seq; a.className = 'seqlink'; a.setAttribute('data-seq', v.seq); a.textContent = '#' + v.seq;
                  li.appendChild(a);
                  li.appendChild(document.createTextNode(' ' + v.time + ' ' + v.kind + (v.id ? ' ' + v.id : '') + ' ' + (v.method || '')));
                  ul.appendChild(li);
                });
                box.appendChild(ul);
              }
              document.addEventListener('click', function (ev) {
                var t = ev.target;
                if (t.id === 'record-close') { document.getElementById('record-panel').hidden = true; return; }
                var s = t.closest('[data-seq]');
                if (s) { ev.preventDefault(); showRecord(s.getAttribute('data-seq')); return; }
                var e = t.closest('[data-edge]');
                if (e) { listVouches(+e.getAttribute('data-edge')); }
              });
              // Sortable tables: click a header; numeric columns sort as numbers.
              Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
                Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
                  th.addEventListener('click', function () {
                    var asc = !th.classList.contains('asc');
                    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.classList.remove('asc', 'desc'); });
                    th.classList.add(asc ? 'asc' : 'desc');
                    var num = th.hasAttribute('data-num'), body = table.tBodies[0];
                    var rows = Array.prototype.slice.call(body.rows);
                    rows.sort(function (a, b) {
                      var x = a.cells[col].textContent, y = b.cells[col].textContent;
                      var r = num ? (parseFloat(x.replace('#', '')) || 0) - (parseFloat(y.replace('#', '')) || 0) : x.localeCompare(y);
                      return asc ? r : -r;
                    });
                    rows.forEach(function (r) { body.appendChild(r); });
                    if (table.id === 'denials-table') { page = 0; apply(); }
                  });
                });
              });
              // The denials table: filter by text and agent, then show one page of 100 rows.
              var table = document.getElementById('denials-table'), filter = document.getElementById('denial-filter');
              var agent = document.getElementById('denial-agent'), page = 0, PAGE = 100;
              function apply() {
                var text = filter.value.toLowerCase(), who = agent.value, shown = 0, matched = 0;
                Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
                  var ok = (!who || r.getAttribute('data-agent') === who) && (!text || r.textContent.toLowerCase().indexOf(text) >= 0);
                  if (ok) { matched++; }
                  var visible = ok && matched > page * PAGE && matched <= (page + 1) * PAGE;
                  r.hidden = !visible;
                  if (visible) { shown++; }
                });
                var pages = Math.max(1, Math.ceil(matched / PAGE));
                document.getElementById('denial-count').textContent = matched + ' row(s) match';
                document.getElementById('page-info').textContent = 'page ' + (page + 1) + ' of ' + pages;
                document.getElementById('page-prev').disabled = page === 0;
                document.getElementById('page-next').disabled = page + 1 >= pages;
              }
              filter.addEventListener('input', function () { page = 0; apply(); });
              agent.addEventListener('change', function () { page = 0; apply(); });
              document.getElementById('page-prev').addEventListener('click', function () { page--; apply(); });
              document.getElementById('page-next').addEventListener('click', function () { page++; apply(); });
              apply();
              if (/^#record-\\d+$/.test(location.hash)) { showRecord(location.hash.substring(8)); }
            })();
            """;
}
