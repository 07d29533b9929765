package org.agenthypervisor.bridge;

/**
 * A denied (or not approved) tool call under {@code onDenial: tell-model}: the tool body does not run, and the
 * integration gives the model {@link #text()} as the tool's error result. The text names the tool
 * and the ring, never the policy's internals; the full explanation is in the audit log and the
 * {@link #exception()}. A plain value: woven framework code tests for it ({@code skipOn}), so it
 * is on the bridge, and constructing one grants nothing.
 */
public final class ToolDenied {
    private final String text;
    private final SecurityException exception;

    /** @param exception why: a {@link org.agenthypervisor.api.RingViolationException}, or an approval's denial */
    public ToolDenied(String text, SecurityException exception) {
        this.text = text;
        this.exception = exception;
    }

    /** What the model reads. */
    public String text() {
        return text;
    }

    /** The full explanation, for frameworks that report tool errors as exceptions. */
    public SecurityException exception() {
        return exception;
    }
}
