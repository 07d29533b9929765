package org.agenthypervisor.samples.springai;

import org.agenthypervisor.api.Approver;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An offline approver that plays a script, as {@link ScriptedChatModel} plays a model: it stands in
 * for the person (or ticket system) a policy's {@code approval.approver} names. The first request is
 * approved, the second denied, and later ones are never answered (so the policy's
 * {@code approval.timeout} denies them). Each request is printed as the approver saw it.
 */
public final class ScriptedApprover implements Approver {
    private static final AtomicInteger SEEN = new AtomicInteger();

    @Override
    public CompletionStage<Decision> decide(Request request) {
        int n = SEEN.incrementAndGet();
        System.out.println("RESULT approver-saw-" + n + " " + request.agent() + " " + request.target() + " "
                + request.preview());
        if (n == 1) {
            return CompletableFuture.completedFuture(Decision.approve("change-board", "ticket CHG-1 approved"));
        }
        if (n == 2) {
            return CompletableFuture.completedFuture(Decision.deny("change-board", "ticket CHG-2 rejected"));
        }
        return new CompletableFuture<>(); // nobody answers
    }
}
