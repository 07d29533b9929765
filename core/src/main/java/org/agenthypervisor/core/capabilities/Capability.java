package org.agenthypervisor.core.capabilities;

/** A kind of thing an agent does through the JDK, named as in the policy. */
public enum Capability {
    FILES_READ("files.read"),
    FILES_WRITE("files.write");

    private final String key;

    Capability(String key) {
        this.key = key;
    }

    /** The name used in the policy, the audit log and denial messages. */
    public String key() {
        return key;
    }
}
