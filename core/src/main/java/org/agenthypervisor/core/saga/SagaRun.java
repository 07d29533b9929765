package org.agenthypervisor.core.saga;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A saga in flight: what {@code Context.saga()} holds while code runs inside it, on every thread of
 * the task. Thread-safe: steps finish on executor threads while the boundary's thread may be
 * rolling back.
 */
final class SagaRun {
    enum State { RUNNING, ROLLING_BACK, COMPLETED, COMPENSATED, ESCALATED }

    final String id;
    final String name;
    final String method;
    private final AtomicInteger stepNumbers = new AtomicInteger();
    /** Guards {@link #done} and {@link #state}; also held while a done record is appended, see {@link #finishStep}. */
    private final Object lock = new Object();
    private final List<DoneStep> done = new ArrayList<>();
    private volatile State state = State.RUNNING;

    SagaRun(String id, String name, String method) {
        this.id = id;
        this.name = name;
        this.method = method;
    }

    String nextStepId() {
        return SagaIds.step(id, stepNumbers.incrementAndGet());
    }

    State state() {
        return state;
    }

    boolean isRunning() {
        return state == State.RUNNING;
    }

    /** Whether it failed (being rolled back, or rolled back). */
    boolean failed() {
        State s = state;
        return s == State.ROLLING_BACK || s == State.COMPENSATED || s == State.ESCALATED;
    }

    /** What {@link #finishStep} does while it holds the run's lock. */
    interface DoneRecorder {
        /** Appends the done record; reports its own failures (it must not throw). */
        void record();
    }

    /**
     * Records a done step: {@code journal} appends its record and, if the saga still runs, the step
     * joins the list rollback walks, both under one lock, so the journal's order of done records is
     * the order rollback (and recovery) compensate in reverse.
     *
     * @return true if the step joined the saga; false if the saga already ended or is rolling back
     *         (a late step: the caller compensates it at once if the saga failed)
     */
    boolean finishStep(DoneStep step, DoneRecorder journal) {
        synchronized (lock) {
            journal.record();
            if (state == State.RUNNING) {
                done.add(step);
                return true;
            }
            return false;
        }
    }

    /** Starts the rollback: the done steps, most recently done first; null if it was not running. */
    List<DoneStep> beginRollback() {
        synchronized (lock) {
            if (state != State.RUNNING) {
                return null;
            }
            state = State.ROLLING_BACK;
            List<DoneStep> reversed = new ArrayList<>(done.size());
            for (int i = done.size() - 1; i >= 0; i--) {
                reversed.add(done.get(i));
            }
            done.clear();
            return reversed;
        }
    }

    /** Ends a saga that ran to the end; false if it was not running. */
    boolean complete() {
        synchronized (lock) {
            if (state != State.RUNNING) {
                return false;
            }
            state = State.COMPLETED;
            done.clear();
            return true;
        }
    }

    /** Ends a rollback. */
    void ended(boolean escalated) {
        synchronized (lock) {
            state = escalated ? State.ESCALATED : State.COMPENSATED;
        }
    }

    @Override
    public String toString() {
        return "saga " + id + " (" + name + ", " + state.name().toLowerCase() + ")";
    }
}
