package org.agenthypervisor.core.saga;

import org.agenthypervisor.api.CompensationFailedException;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.ContextCell;
import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.liability.LiabilityEngine;
import org.agenthypervisor.core.policy.Policy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Runs one step's compensation: in the context the step's principal had, pinned to the step's
 * privileges and carrying the step id; retried with exponential backoff ({@code saga.retries} retries
 * after the first try, the first after {@code saga.backoffMillis}, doubling up to
 * {@code saga.maxBackoffMillis}); every attempt journaled. A compensation that still fails escalates
 * the step: journaled, audited, logged as an error, and the step's agent reported to the liability
 * engine.
 *
 * <p>The compensation is called through reflection, so its own woven ring check applies, against the
 * pinned privileges. Backoff sleeps ignore interrupts: a rollback triggered by an interrupted thread
 * must still run to its end (the caller restores the interrupt afterwards).
 */
final class Compensator {
    /** Where the instance comes from: the step's own (in process) or a factory (recovery). */
    interface InstanceSource {
        Object get() throws Exception;
    }

    /**
     * One compensation to run.
     *
     * @param stepMethod   the step, for messages
     * @param display      the compensation, as {@code Class#name(Types)}
     * @param context      the context it runs in (pinned, with the step id)
     * @param agent        the step's principal (the actor if the compensation finally fails)
     * @param chain        the step's liability chain, or null
     * @param inDoubt      a recovered step whose outcome is unknown
     * @param recovered    run by recovery (after a restart or offline)
     */
    record Job(String sagaId, String stepId, String stepMethod, String display, Method target, InstanceSource instance,
               Object[] arguments, Context context, Principal agent, Object chain, boolean inDoubt, boolean recovered) {
    }

    private final Transitions t;
    private final Supplier<Policy.SagaSettings> settings;
    private final LiabilityEngine liability;
    private final Context hostContext;

    Compensator(Transitions transitions, Supplier<Policy.SagaSettings> settings, LiabilityEngine liability,
                Context hostContext) {
        this.t = transitions;
        this.settings = settings;
        this.liability = liability;
        this.hostContext = hostContext;
    }

    /**
     * Runs the job; returns null when it was compensated, else the failure to attach. An interrupt
     * pending when it starts or arriving during it is kept pending for the caller, but the compensation
     * runs (and backs off) as if there were none.
     */
    CompensationFailedException run(Job job) {
        boolean interrupted = Thread.interrupted();
        try {
            return attempt(job);
        } finally {
            if (interrupted || Thread.interrupted()) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private CompensationFailedException attempt(Job job) {
        Policy.SagaSettings s = settings.get();
        int attempts = 1 + Math.max(0, s.retries());
        long delay = Math.max(0, s.backoffMillis());
        long maxDelay = Math.max(delay, s.maxBackoffMillis());
        if (!t.journal(JournalRecords.compensating(job.sagaId(), job.stepId(), System.currentTimeMillis(), job.inDoubt()))
                && t.journal.fenced(job.sagaId())) {
            // Another JVM took the saga over (this JVM's lease expired): it compensates; running it here too would
            // run it twice.
            Transitions.LOG.error("saga " + job.sagaId() + ": the compensation of step " + job.stepId() + " is NOT run in"
                    + " this JVM: another JVM took the saga over and compensates it");
            return new CompensationFailedException("saga " + job.sagaId() + " was taken over by another JVM, which"
                    + " compensates step " + job.stepId(), job.sagaId(), job.stepId(), job.display(), 0, null);
        }
        t.audit("saga.compensating", "saga", job.sagaId(), "step", job.stepId(), "method", job.display(),
                "inDoubt", job.inDoubt(), "recovered", job.recovered() ? Boolean.TRUE : null);
        Transitions.flight(job.sagaId(), job.stepId(), "compensating", job.display());
        Throwable last = null;
        boolean interruptedMeanwhile = false;
        int attempt = 0;
        while (attempt < attempts) {
            attempt++;
            if (attempt > 1 && t.journal.fenced(job.sagaId())) {
                // Lost the saga while backing off (a shared journal's lease): the new owner compensates it.
                Transitions.LOG.error("saga " + job.sagaId() + ": the compensation of step " + job.stepId() + " is not"
                        + " retried in this JVM: another JVM took the saga over and compensates it");
                return new CompensationFailedException("saga " + job.sagaId() + " was taken over by another JVM, which"
                        + " compensates step " + job.stepId(), job.sagaId(), job.stepId(), job.display(), attempt - 1, last);
            }
            try {
                invoke(job);
                t.journal(JournalRecords.compensated(job.sagaId(), job.stepId(), System.currentTimeMillis(), attempt));
                t.audit("saga.compensated", "saga", job.sagaId(), "step", job.stepId(), "method", job.display(),
                        "attempts", attempt, "recovered", job.recovered() ? Boolean.TRUE : null);
                Transitions.flight(job.sagaId(), job.stepId(), "compensated", job.display());
                if (interruptedMeanwhile) {
                    Thread.currentThread().interrupt();
                }
                return null;
            } catch (Throwable failure) {
                last = failure;
                String error = JournalRecords.describe(failure);
                t.journal(JournalRecords.compensationFailed(job.sagaId(), job.stepId(), System.currentTimeMillis(), attempt,
                        error));
                t.audit("saga.compensation.failed", "saga", job.sagaId(), "step", job.stepId(), "method", job.display(),
                        "attempt", attempt, "error", error);
                Transitions.flight(job.sagaId(), job.stepId(), "compensation failed", job.display());
                if (failure instanceof VirtualMachineError) {
                    break; // retrying would only make it worse
                }
                if (attempt < attempts) {
                    Transitions.LOG.warn("saga " + job.sagaId() + ": compensation " + job.display() + " of step " + job.stepId()
                            + " failed (attempt " + attempt + " of " + attempts + ", retrying in " + delay + " ms): " + error);
                    interruptedMeanwhile |= sleepUninterruptibly(delay);
                    delay = Math.min(maxDelay, delay == 0 ? 0 : delay * 2);
                }
            }
        }
        if (interruptedMeanwhile) {
            Thread.currentThread().interrupt();
        }
        return escalate(job, attempt, last);
    }

    private CompensationFailedException escalate(Job job, int attempts, Throwable last) {
        String reason = "compensation " + job.display() + " failed " + attempts + " time(s); last error: "
                + JournalRecords.describe(last);
        t.journal(JournalRecords.escalated(job.sagaId(), job.stepId(), System.currentTimeMillis(), reason, attempts));
        String agent = job.agent() == null ? "host" : job.agent().id();
        t.audit("saga.escalated", "saga", job.sagaId(), "step", job.stepId(), "method", job.stepMethod(), "agent", agent,
                "reason", reason, "attempts", attempts, "inDoubt", job.inDoubt());
        Transitions.flight(job.sagaId(), job.stepId(), "escalated", job.display());
        Transitions.LOG.error("saga " + job.sagaId() + ": step " + job.stepId() + " (" + job.stepMethod() + ", agent '" + agent
                + "') is ESCALATED: " + reason + ". Its effect is NOT undone; an operator must repair it"
                + " (saga show " + job.sagaId() + ")", last);
        if (job.agent() != null && !job.agent().isHost()) {
            t.audit("saga.liability", "saga", job.sagaId(), "step", job.stepId(), "agent", agent, "reason", reason);
            try {
                liability.compensationFailed(job.agent(), job.chain(), "saga " + job.sagaId() + " step " + job.stepId() + ": "
                        + reason);
            } catch (RuntimeException e) {
                Transitions.LOG.error("the liability engine failed on an escalated step: " + e, e);
            }
        }
        String message = "saga " + job.sagaId() + ": the compensation of step " + job.stepId() + " (" + job.stepMethod()
                + ") still failed after " + attempts + " attempt(s), so the saga is escalated and the step's effect is not"
                + " undone: " + reason;
        return new CompensationFailedException(message, job.sagaId(), job.stepId(), job.display(), attempts, last);
    }

    /** Calls the compensation in the job's context, then restores the thread's. */
    private void invoke(Job job) throws Throwable {
        Object instance = job.instance() == null ? null : job.instance().get();
        ContextCell cell = ContextCell.obtain(hostContext);
        Context previous = cell.get();
        cell.set(job.context());
        try {
            job.target().invoke(instance, job.arguments().clone());
        } catch (InvocationTargetException e) {
            throw e.getCause() == null ? e : e.getCause();
        } finally {
            cell.set(previous);
        }
    }

    /** Sleeps, ignoring interrupts; returns whether one arrived (its flag is cleared meanwhile). */
    private static boolean sleepUninterruptibly(long millis) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(left);
            interrupted |= Thread.interrupted(); // else park returns at once, again and again
        }
        return interrupted;
    }
}
