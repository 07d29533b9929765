package com.acme.escape;

import java.util.List;

/** Tasks written by the application (host code, no agent's): whoever runs them decides their ring. */
public final class HostTasks {
    private HostTasks() {
    }

    public static Runnable drop(Vault vault, List<String> sink) {
        return () -> sink.add(EscapeApp.outcome(vault::drop));
    }
}
