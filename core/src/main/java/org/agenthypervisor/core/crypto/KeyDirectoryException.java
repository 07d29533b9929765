package org.agenthypervisor.core.crypto;

import java.nio.file.Path;

/**
 * A key file or key directory that cannot be used: missing in read-only mode, malformed, unreadable,
 * or inconsistent with its partner file. The message names the file; nothing is ever replaced to
 * "repair" it, because a replaced key would silently orphan every signature made with the old one.
 */
public final class KeyDirectoryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    KeyDirectoryException(Path file, String message) {
        super(message);
        this.file = file;
    }

    KeyDirectoryException(Path file, String message, Throwable cause) {
        super(message, cause);
        this.file = file;
    }

    /** The file or directory concerned. */
    public Path file() {
        return file;
    }
}
