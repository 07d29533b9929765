package com.acme.startup;

/** Runs an action and says how it went; a host class, so it switches nobody's context. */
public final class Attempt {
    private Attempt() {
    }

    public interface Action {
        String run() throws Exception;
    }

    public static String of(Action action) {
        try {
            return "allowed:" + action.run();
        } catch (SecurityException denied) {
            return "denied:" + denied.getClass().getSimpleName();
        } catch (Exception other) {
            return "failed:" + other;
        }
    }
}
