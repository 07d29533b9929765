package org.agenthypervisor.core.gate;

import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.ContextCell;
import org.agenthypervisor.core.context.Principal;

/**
 * One governed call in flight that needs more than a ring check: a hand-off into another agent, a
 * saga boundary, a compensable step. {@link CallParticipant}s read it and adjust the contexts: the
 * one the body runs in ({@link #entered}) and the one the caller gets back ({@link #resumed}).
 */
public final class Call {
    private final SiteBinding binding;
    private final Context caller;
    private final Class<?> type;
    private final Object self;
    private final Object[] arguments;
    final ContextCell cell;
    final Object[] states;
    private Context entered;
    private Context resumed;

    Call(SiteBinding binding, Context caller, Context entered, Class<?> type, Object self, Object[] arguments,
         ContextCell cell, int participants) {
        this.binding = binding;
        this.type = type;
        this.caller = caller;
        this.entered = entered;
        this.resumed = caller;
        this.self = self;
        this.arguments = arguments;
        this.cell = cell;
        this.states = new Object[participants];
    }

    public SiteBinding binding() {
        return binding;
    }

    /** The context at the call site. */
    public Context caller() {
        return caller;
    }

    /** The agent whose method is called, or null when the method runs as its caller. */
    public Principal owner() {
        return binding.owner();
    }

    /** Whether the call crosses from one principal into another agent. */
    public boolean crossesAgents() {
        return binding.owner() != null && binding.owner() != caller.principal()
                && !(caller.ringSource() != caller.principal() && binding.owner() == caller.principal());
    }

    /** A hand-off: an agent (not the host) calls another agent's public (or rule-named) method. */
    public boolean isHandoff() {
        return binding.handoff() && crossesAgents() && !caller.isHost();
    }

    /** The class that declares the method. */
    public Class<?> type() {
        return type;
    }

    /** The instance the method runs on, or null for static methods. */
    public Object self() {
        return self;
    }

    /** The call's arguments (never null; empty for none). */
    public Object[] arguments() {
        return arguments;
    }

    /** The context the method body runs in. */
    public Context entered() {
        return entered;
    }

    public void enter(Context context) {
        this.entered = context;
    }

    /** The context the caller continues in after the call returns. */
    public Context resumed() {
        return resumed;
    }

    public void resume(Context context) {
        this.resumed = context;
    }
}
