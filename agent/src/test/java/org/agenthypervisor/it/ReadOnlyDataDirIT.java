package org.agenthypervisor.it;

import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12's resources case: a data directory the JVM may not write (a read-only mount, wrong
 * owner). The start stops before {@code main} with one line that says which file and why; nothing
 * in the directory changes. As root (whom file permissions do not stop) the child JVM runs as user
 * {@code nobody} through {@code setpriv}; as anyone else the test takes the write permission away.
 */
class ReadOnlyDataDirIT {

    @Test
    void aDataDirectoryTheJvmCannotWriteStopsTheStartBeforeMainAndIsLeftAlone() throws Exception {
        Path dir = ChildJvm.freshWorkDir("read-only-data-dir");
        ChildJvm.write(dir, "policy.yaml", RingsIT.DESK_POLICY);
        Result first = ChildJvm.withAgent("policy=policy.yaml").in(dir).run("com.acme.desk.DeskApp", "ledger-own");
        assertEquals(0, first.exitCode(), first::toString);
        Path data = first.dataDir();
        Map<String, String> before = listing(data);
        boolean root = "root".equals(System.getProperty("user.name"));
        ChildJvm jvm = ChildJvm.withAgent("policy=policy.yaml").in(dir);
        if (root) {
            // Everything under the work directory is readable by others (umask 022), nothing writable.
            jvm = jvm.underShell("exec setpriv --reuid=65534 --regid=65534 --clear-groups \"$@\"");
        } else {
            setWritable(data, false);
        }
        Result r;
        try {
            r = jvm.run("com.acme.desk.DeskApp", "ledger-own");
        } finally {
            if (!root) {
                setWritable(data, true);
            }
        }
        assertNotEquals(0, r.exitCode(), r::toString);
        assertFalse(r.stdout().contains("RESULT"), "main must not run: " + r);
        assertTrue(r.stderr().contains("FATAL: cannot start"), r::toString);
        assertTrue(r.stderr().contains("permission denied"), r::toString);
        assertTrue(r.stderr().contains(data.toString()), r::toString);
        assertFalse(r.stderr().contains("\tat "), "no stack trace: " + r);
        assertEquals(before, listing(data), "nothing in the data directory changed");
    }

    private static Map<String, String> listing(Path root) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                out.put(root.relativize(p).toString(), Files.isDirectory(p) ? "dir"
                        : Files.size(p) + ":" + java.util.Arrays.hashCode(Files.readAllBytes(p)));
            }
        }
        return out;
    }

    private static void setWritable(Path root, boolean writable) throws Exception {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                p.toFile().setWritable(writable, false);
            }
        }
    }
}
