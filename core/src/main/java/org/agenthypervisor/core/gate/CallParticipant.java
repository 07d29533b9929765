package org.agenthypervisor.core.gate;

/**
 * A concern that takes part in governed calls beyond the ring check: liability (refusal, vouches),
 * sessions (single sign-on), sagas (boundaries, steps). Participants run in registration order on
 * entry and in reverse order on exit, always on the calling thread, off the hot path.
 */
public interface CallParticipant {
    /**
     * Before the body runs. May throw a {@link SecurityException} to refuse the call (the body then
     * does not run and the participants already entered are exited with that exception).
     *
     * @return state handed back to {@link #exit}, or null
     */
    Object enter(Call call);

    /**
     * After the body returned or threw (or after a later participant refused). Must not throw,
     * except by design: a saga rollback adds suppressed exceptions to {@code thrown} instead.
     */
    void exit(Call call, Object state, Object returned, Throwable thrown);
}
