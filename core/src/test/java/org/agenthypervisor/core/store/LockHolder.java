package org.agenthypervisor.core.store;

import java.nio.file.Path;

/** Child-process main for {@link CrossProcessLockTest}: holds a log open read-write until stdin closes. */
public final class LockHolder {

    private LockHolder() {
    }

    public static void main(String[] args) throws Exception {
        try (RecordLog log = RecordLog.open(Path.of(args[0]), LogFiles.NAME, RecordLog.Options.defaults())) {
            log.appendDurable(new byte[] {42});
            System.out.println("locked");
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the parent to close our stdin
            }
        }
    }
}
