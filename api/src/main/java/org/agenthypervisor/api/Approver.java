package org.agenthypervisor.api;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Decides approval requests for calls the policy marks {@code approval: required}: a person answering
 * a chat message, a ticket, a rule engine. Named by the policy ({@code approval.approver: class name},
 * a public class with a public no-argument constructor, loaded from the application's class path).
 * Every request is also listed to operators ({@code approvals list --pid}), who may answer it first:
 * the first decision wins.
 *
 * <p>{@link #decide} is called on the thread of the waiting call, in the calling agent's context: hand
 * the request to your own channel and return at once. Fail closed: an approver that throws, returns
 * null or completes exceptionally denies the call; one that never completes lets it time out (denied).
 */
public interface Approver {
    /** Returns a stage that completes with the decision on {@code request}. */
    CompletionStage<Decision> decide(Request request);

    /**
     * What is asked.
     *
     * @param id              the request's id (what {@code approve ID} takes)
     * @param agent           the calling agent, or {@code host}
     * @param target          the method ({@code com.acme.Refunds#refund(String, long)}) or tool
     * @param argumentsSha256 SHA-256 (hex) of the canonical JSON of the arguments, as vouches digest payloads
     * @param preview         the start of that JSON, for a person to read
     * @param chain           the ids of the vouches that brought the payload to the agent (empty if none)
     * @param requestedMillis when the call asked (epoch milliseconds)
     * @param timeoutMillis   how long it waits before it is denied
     */
    record Request(String id, String agent, String target, String argumentsSha256, String preview, List<String> chain,
                   long requestedMillis, long timeoutMillis) {
    }

    /**
     * An answer.
     *
     * @param approved whether the call may run
     * @param by       who decided (recorded in the audit log)
     * @param reason   why (recorded in the audit log; may be empty)
     */
    record Decision(boolean approved, String by, String reason) {
        public static Decision approve(String by, String reason) {
            return new Decision(true, by, reason);
        }

        public static Decision deny(String by, String reason) {
            return new Decision(false, by, reason);
        }
    }
}
