package org.agenthypervisor.core.capabilities;

import java.util.Locale;

/** A kind of thing an agent does through the JDK, named as in the policy. */
public enum Capability {
    NETWORK_CONNECT("network.connect", Kind.HOST_PORTS, "connect to"),
    NETWORK_LISTEN("network.listen", Kind.PORTS, "listen on"),
    FILES_READ("files.read", Kind.PATHS, "read"),
    FILES_WRITE("files.write", Kind.PATHS, "write"),
    PROCESS_START("process.start", Kind.SWITCH, "start the process"),
    EXIT("exit", Kind.SWITCH, "end the JVM with"),
    NATIVE("native", Kind.SWITCH, "load native code"),
    ENV_READ("env.read", Kind.NAMES, "read the environment variable"),
    THREADS_MODIFY("threads.modify", Kind.SWITCH, "stop, suspend or resume the thread"),
    REFLECTION_PRIVATE("reflection.private", Kind.SWITCH, "open private members of");

    /** What a grant of the capability lists. */
    public enum Kind {
        /** {@code true} or {@code false} only. */
        SWITCH("true or false"),
        /** {@code host:port} globs ({@code api.openai.com:443}, {@code *.internal:*}, {@code 10.0.0.7:5432}). */
        HOST_PORTS("a list of host:port globs, or true or false"),
        /** Ports and ranges ({@code 8080}, {@code 9000-9100}, {@code *}). */
        PORTS("a list of ports or port ranges, or true or false"),
        /** Path globs ({@code ./data/**}, {@code /srv/kb/*.md}, {@code ~/.cache/**}). */
        PATHS("a list of path globs, or true or false"),
        /** Name globs ({@code OPENAI_*}). */
        NAMES("a list of name globs, or true or false");

        private final String expected;

        Kind(String expected) {
            this.expected = expected;
        }

        /** What a value of this kind looks like, for messages. */
        public String expected() {
            return expected;
        }
    }

    private final String key;
    private final Kind kind;
    private final String verb;

    Capability(String key, Kind kind, String verb) {
        this.key = key;
        this.kind = kind;
        this.verb = verb;
    }

    /** The name used in the policy, the audit log and denial messages. */
    public String key() {
        return key;
    }

    public Kind kind() {
        return kind;
    }

    /** "connect to", "read", ...: what a denial says the agent may not do. */
    public String verb() {
        return verb;
    }

    /** The capability named {@code key} in the policy, or null. */
    public static Capability byKey(String key) {
        for (Capability c : values()) {
            if (c.key.equals(key)) {
                return c;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return key.toLowerCase(Locale.ROOT);
    }
}
