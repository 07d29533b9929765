package com.acme.desk;

import java.util.concurrent.Callable;

/** Runs a call and describes its outcome in one word-ish line the tests can match. */
public final class Outcome {
    private Outcome() {
    }

    public static String of(Callable<?> call) {
        try {
            return "allowed:" + call.call();
        } catch (SecurityException denied) {
            return "denied:" + denied.getClass().getSimpleName() + ":" + denied.getMessage();
        } catch (Exception failed) {
            Throwable cause = failed.getCause() != null ? failed.getCause() : failed;
            if (cause instanceof SecurityException) {
                return "denied:" + cause.getClass().getSimpleName() + ":" + cause.getMessage();
            }
            return "failed:" + cause;
        }
    }
}
