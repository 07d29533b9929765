package org.agenthypervisor.core.context;

/**
 * The immutable context of a logical task at one point: who the code runs as, whose ring the checks
 * use, and what the task carries (the chain of hand-offs that brought the current payload, the
 * saga, the step, the session). Crossing into another agent makes a new context; returning
 * restores the caller's, updated with what it received.
 *
 * <p>{@code ringSource} is normally the principal itself. A compensation runs with a pinned copy of
 * the step's privileges ({@link #pinnedTo}), so a later demotion does not block it (SPEC §4).
 */
public final class Context {
    private final Principal principal;
    private final Principal ringSource;
    private final Object chain;
    private final Object saga;
    private final Object step;
    private final Object session;

    private Context(Principal principal, Principal ringSource, Object chain, Object saga, Object step,
                    Object session) {
        this.principal = principal;
        this.ringSource = ringSource;
        this.chain = chain;
        this.saga = saga;
        this.step = step;
        this.session = session;
    }

    /** A context with nothing in it, running as {@code principal}. */
    public static Context of(Principal principal) {
        return new Context(principal, principal, null, null, null, null);
    }

    /** Who the code runs as. */
    public Principal principal() {
        return principal;
    }

    /** Whose effective ring the ring check reads. */
    public Principal ringSource() {
        return ringSource;
    }

    public boolean isHost() {
        return principal.isHost();
    }

    /**
     * Whether this is the plain host context: the host, unpinned, carrying no chain, saga, step or
     * session. Only such a context may be dropped when work moves to another thread (the thread then
     * runs as the host anyway); a host context that carries a saga or a session must follow the task.
     */
    public boolean carriesNothing() {
        return principal.isHost() && ringSource == principal && chain == null && saga == null && step == null
                && session == null;
    }

    /** The chain of hand-offs that brought the current payload here (liability), or null. */
    public Object chain() {
        return chain;
    }

    /** The saga the task is in, or null. */
    public Object saga() {
        return saga;
    }

    /** The saga step the code runs in (or compensates), or null. */
    public Object step() {
        return step;
    }

    /** The shared session bound to the task, or null. */
    public Object session() {
        return session;
    }

    /** The same task continued as another principal, keeping saga and session. */
    public Context as(Principal other, Object newChain) {
        return new Context(other, other, newChain, saga, null, session);
    }

    public Context withChain(Object newChain) {
        return new Context(principal, ringSource, newChain, saga, step, session);
    }

    public Context withSaga(Object newSaga) {
        return new Context(principal, ringSource, chain, newSaga, step, session);
    }

    public Context withStep(Object newStep) {
        return new Context(principal, ringSource, chain, saga, newStep, session);
    }

    public Context withSession(Object newSession) {
        return new Context(principal, ringSource, chain, saga, step, newSession);
    }

    /** The same context, but ring checks use {@code pinned} (a frozen copy of some privileges). */
    public Context pinnedTo(Principal pinned) {
        return new Context(principal, pinned, chain, saga, step, session);
    }

    @Override
    public String toString() {
        return "Context[" + principal.id() + (ringSource != principal ? ", pinned ring " + ringSource.effectiveRing() : "")
                + (saga != null ? ", saga" : "") + (session != null ? ", session" : "") + "]";
    }
}
