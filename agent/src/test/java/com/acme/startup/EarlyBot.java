package com.acme.startup;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A ring-3 agent (by the policy's class glob) whose static initialiser tries a ring-0 method and a
 * file read, a connection and a process: whoever first touches the class runs it, and it must run as the agent.
 */
public final class EarlyBot {
    static final String WIPE_AT_INIT = Attempt.of(Ledger::wipe);
    static final String READ_AT_INIT = Attempt.of(() -> Files.readString(Path.of("secret.txt")));
    /** The JDK's socket and process classes are woven as they load (here, on a warm start, from the cache). */
    static final String CONNECT_AT_INIT = Attempt.of(() -> {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", 9), 200);
            return "connected";
        }
    });
    static final String EXEC_AT_INIT = Attempt.of(() -> "exit " + new ProcessBuilder("true").start().waitFor());

    private EarlyBot() {
    }

    /** The same ring-0 call, from a method of the agent. */
    public static String wipe() {
        return Ledger.wipe();
    }
}
