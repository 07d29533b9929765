package org.agenthypervisor.core.governance;

import org.agenthypervisor.core.capabilities.Capability;
import org.agenthypervisor.core.capabilities.TargetPattern;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code agents.<id>.codeSource}: whether a class's code source (the jar or directory its bytes came
 * from) is one the policy pins the agent to. A jar's SHA-256 is computed only when a pin asks for
 * one, once per jar.
 */
public final class CodeSources {
    private static final ConcurrentHashMap<String, String> SHA256 = new ConcurrentHashMap<>();

    private CodeSources() {
    }

    /**
     * @param pins     the policy's entries: path globs, or {@code sha256:<hex>}
     * @param location the absolute path of the jar or directory, or null (a class defined at run time)
     */
    public static boolean matches(List<String> pins, String location) {
        if (location == null) {
            return false;
        }
        Path workingDir = Path.of("").toAbsolutePath();
        Path home = Path.of(System.getProperty("user.home", "/"));
        String normalised = Path.of(location).toAbsolutePath().normalize().toString();
        for (String pin : pins) {
            if (pin.startsWith("sha256:")) {
                if (pin.substring("sha256:".length()).equals(sha256(normalised))) {
                    return true;
                }
            } else if (TargetPattern.compile(Capability.Kind.PATHS, pin, workingDir, home).matches(normalised)) {
                return true;
            }
        }
        return false;
    }

    /** The jar's SHA-256 in lowercase hex, or "" for a directory or an unreadable file. */
    static String sha256(String file) {
        return SHA256.computeIfAbsent(file, f -> {
            Path p = Path.of(f);
            if (!Files.isRegularFile(p)) {
                return "";
            }
            try (InputStream in = Files.newInputStream(p)) {
                MessageDigest digest = org.agenthypervisor.core.crypto.Sha256.newDigest();
                byte[] buffer = new byte[65536];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, n);
                }
                return HexFormat.of().formatHex(digest.digest());
            } catch (IOException unreadable) {
                return "";
            }
        });
    }
}
