package org.agenthypervisor.core.policy;

import java.util.List;

/**
 * A policy that cannot be used. The message lists every problem found, each as
 * {@code file:line:column: key.path: what is wrong}, so the user can go straight to it.
 */
public final class PolicyException extends Exception {
    private static final long serialVersionUID = 1L;

    /** One problem: where, which key, what. */
    public record Problem(String file, int line, int column, String keyPath, String message) {
        @Override
        public String toString() {
            return file + ":" + line + ":" + column + ": " + (keyPath.isEmpty() ? "" : keyPath + ": ") + message;
        }
    }

    private final transient List<Problem> problems;

    public PolicyException(List<Problem> problems) {
        super(render(problems));
        this.problems = List.copyOf(problems);
    }

    private static String render(List<Problem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a PolicyException needs at least one problem");
        }
        StringBuilder out = new StringBuilder();
        out.append(problems.size() == 1 ? "invalid policy: " : "invalid policy (" + problems.size() + " problems):");
        if (problems.size() == 1) {
            out.append(problems.get(0));
        } else {
            for (Problem p : problems) {
                out.append("\n  ").append(p);
            }
        }
        return out.toString();
    }

    /** Every problem found, in file order. */
    public List<Problem> problems() {
        return problems;
    }
}
