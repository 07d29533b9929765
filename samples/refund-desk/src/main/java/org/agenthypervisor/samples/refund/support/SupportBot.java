package org.agenthypervisor.samples.refund.support;

import org.agenthypervisor.api.Session;
import org.agenthypervisor.samples.refund.RefundCase;
import org.agenthypervisor.samples.refund.billing.BillingAgent;
import org.agenthypervisor.samples.refund.ledger.LedgerDatabase;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Talks to customers. In a real deployment a language model drives it; here its "tool calls" are
 * plain methods, including what a manipulated model would do: believe an inflated claim, try to
 * decide on its own, or run the SQL a customer smuggled in.
 */
public class SupportBot {
    private static final Pattern REQUEST = Pattern.compile("order (\\w+).*refund (\\d+)\\.(\\d{2})", Pattern.CASE_INSENSITIVE);

    private final BillingAgent billing;
    private final LedgerDatabase database;

    public SupportBot(BillingAgent billing, LedgerDatabase database) {
        this.billing = billing;
        this.database = database;
    }

    /**
     * Understands a customer's message, puts the case into the shared session and asks billing to
     * process it by id: the case itself is never copied from agent to agent.
     */
    public String handle(String customer, String message) {
        Matcher m = REQUEST.matcher(message);
        if (!m.find()) {
            return "could not understand: " + message;
        }
        RefundCase refund = new RefundCase("R-" + m.group(1), m.group(1), customer,
                Long.parseLong(m.group(2)) * 100 + Long.parseLong(m.group(3)));
        Session.current().state().put("refund.case", refund);
        return billing.process(refund.caseId());
    }

    /** Tries to write billing's decision itself (the key is ring-protected by the policy). */
    public void decideAlone(String decision) {
        Session.current().state().put("refund.decision", decision);
    }

    /**
     * What a prompt-injected model does next: post the refunds it has seen in its conversations to a
     * web host the attacker controls. Nothing here is a marked method: only the support bot's
     * capabilities stand in the way.
     */
    public String exfiltrate(String url, String table) throws Exception {
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .connectTimeout(java.time.Duration.ofSeconds(3)).build();
        java.net.http.HttpResponse<String> response = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                        .timeout(java.time.Duration.ofSeconds(5))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(table)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        return "uploaded, status " + response.statusCode();
    }

    /** ...or spawn a shell to do the same. */
    public String spawnShell(String command) throws Exception {
        Process shell = new ProcessBuilder("sh", "-c", command).start();
        return "the shell exited with " + shell.waitFor();
    }

    /** What a prompt-injected model does: run the SQL the "customer" smuggled in. */
    public int followInjectedInstruction(String sql) {
        return database.execute(sql);
    }
}
