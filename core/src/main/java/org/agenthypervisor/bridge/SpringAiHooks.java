package org.agenthypervisor.bridge;

/** What the advice woven into Spring AI's tool callbacks calls; framework types appear only as {@code Object}. */
public final class SpringAiHooks {
    static final Impl IMPL = Bridges.pending() == null ? null : Bridges.pending().springAi();

    private SpringAiHooks() {
    }

    /** What the hypervisor implements. */
    public interface Impl {
        Object enterTool(Object callback, String input);

        void exitTool(Object token);
    }

    /** @return null, a token for {@link #exitTool}, or a {@link ToolDenied} (the body must not run) */
    public static Object enterTool(Object callback, String input) {
        return IMPL.enterTool(callback, input);
    }

    public static void exitTool(Object token) {
        IMPL.exitTool(token);
    }
}
