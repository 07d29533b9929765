package org.agenthypervisor.core.store;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.ReadOnlyFileSystemException;

/**
 * Says what went wrong with a file in words an operator can act on. Several of the JDK's file
 * exceptions carry only the path as their message ({@code AccessDeniedException} says
 * {@code /data/audit/audit.lock} and nothing else), which in a one-line start-up error hides the cause.
 */
public final class IoProblems {
    private IoProblems() {
    }

    /** The cause of {@code failure} in words, naming the file where there is one. */
    public static String describe(Throwable failure) {
        if (failure instanceof AccessDeniedException denied) {
            return "permission denied: " + denied.getFile() + " (this process may not write it: a read-only mount,"
                    + " or the data directory belongs to another user)";
        }
        if (failure instanceof NoSuchFileException missing && missing.getReason() == null) {
            return "no such file or directory: " + missing.getFile();
        }
        if (failure instanceof FileSystemException fs && fs.getReason() == null) {
            return failure.getClass().getSimpleName() + ": " + fs.getFile();
        }
        if (failure instanceof ReadOnlyFileSystemException) {
            return "read-only file system";
        }
        String message = failure.getMessage();
        return message == null ? failure.getClass().getSimpleName() : message;
    }
}
