package org.agenthypervisor.core.capabilities;

import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One entry of a capability grant, compiled: a {@code host:port} glob, a port range, a path glob or a
 * name glob. {@link #compile} rejects what could never match, with a message the policy parser shows
 * next to the file, line and key.
 *
 * <p>Globs: {@code *} is any run of characters within one path segment (or, in host names and
 * environment names, any run at all), {@code **} any run across segments, {@code ?} one character.
 * Host names compare case-insensitively. Paths are made absolute against the working directory
 * ({@code ./data/**}, or a bare {@code data/**}) or the user's home ({@code ~/...}) and normalised when
 * the policy is read, and the target is normalised the same way before it is matched.
 */
public abstract class TargetPattern {
    private final String text;

    private TargetPattern(String text) {
        this.text = text;
    }

    /** The pattern as written in the policy. */
    public String text() {
        return text;
    }

    /** Whether {@code target} (in the form {@link CapabilityGate} describes it) matches. */
    public abstract boolean matches(String target);

    @Override
    public String toString() {
        return text;
    }

    /**
     * Compiles one entry of a grant of {@code kind}.
     *
     * @param workingDir what relative paths are relative to
     * @param home       what {@code ~} is
     * @throws IllegalArgumentException with a message saying what is wrong and what is expected
     */
    public static TargetPattern compile(Capability.Kind kind, String text, Path workingDir, Path home) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("an empty pattern matches nothing; write " + kind.expected());
        }
        String t = text.trim();
        switch (kind) {
            case HOST_PORTS:
                return hostPort(t);
            case PORTS:
                return new Ports(t, PortRange.parse(t, t));
            case PATHS:
                return path(t, workingDir, home);
            case NAMES:
                return new Named(t, org.agenthypervisor.core.policy.Glob.simple(t));
            default:
                throw new IllegalArgumentException(kind + " takes true or false, not patterns");
        }
    }

    private static TargetPattern hostPort(String t) {
        int colon = t.lastIndexOf(':');
        if (colon <= 0 || colon == t.length() - 1) {
            throw new IllegalArgumentException("'" + t + "' is not host:port; write for example api.openai.com:443,"
                    + " *.internal.example.com:*, 10.0.0.7:5432 or [::1]:8080");
        }
        String host = t.substring(0, colon);
        if (host.startsWith("[") != host.endsWith("]")) {
            throw new IllegalArgumentException("'" + t + "': an IPv6 address is written in brackets, as [::1]:8080");
        }
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("'" + t + "': write an IPv6 address in brackets, as [::1]:8080");
        }
        if (host.isEmpty() || host.contains("/") || host.contains(" ")) {
            throw new IllegalArgumentException("'" + t + "': '" + host + "' is not a host name, address or glob");
        }
        PortRange ports = PortRange.parse(t.substring(colon + 1), t);
        return new HostPort(t, org.agenthypervisor.core.policy.Glob.simple(host.toLowerCase(Locale.ROOT)), ports);
    }

    private static TargetPattern path(String t, Path workingDir, Path home) {
        if (t.contains("\0")) {
            throw new IllegalArgumentException("a path glob cannot hold a NUL character");
        }
        String base;
        String rest;
        if (t.equals("~") || t.startsWith("~/")) {
            base = home.toString();
            rest = t.substring(1);
        } else if (t.startsWith("/")) {
            base = "";
            rest = t;
        } else {
            base = workingDir.toString();
            rest = "/" + t;
        }
        // Normalise the fixed part lexically (./, ../, //) without touching the wildcards.
        String glob = normalise(base + rest);
        // A directory and everything under it, or one path: no regular expression (the built-in ring-2
        // grant is "./**", and a regular expression's first compilation costs a start milliseconds).
        boolean under = glob.endsWith("/**");
        String fixed = under ? glob.substring(0, glob.length() - 3) : glob;
        if (fixed.indexOf('*') < 0 && fixed.indexOf('?') < 0) {
            return new Fixed(t, fixed, under);
        }
        return new Regex(t, pathRegex(glob));
    }

    /** Removes {@code .} and empty segments and applies {@code ..}; wildcards are ordinary segments here. */
    static String normalise(String absolute) {
        java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>();
        for (String s : absolute.split("/")) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                if (parts.isEmpty()) {
                    continue;
                }
                parts.removeLast();
                continue;
            }
            parts.addLast(s);
        }
        return "/" + String.join("/", parts);
    }

    /**
     * A path glob as a regular expression: {@code *} and {@code ?} stay within a segment, {@code **}
     * crosses segments, and {@code /**} at the end also matches the directory itself ({@code /data/**}
     * matches {@code /data}). Host and name globs are the policy's simple globs ({@code Glob.simple}).
     */
    static String pathRegex(String glob) {
        StringBuilder re = new StringBuilder();
        int i = 0;
        while (i < glob.length()) {
            char c = glob.charAt(i);
            if (c == '*') {
                int run = 0;
                while (i < glob.length() && glob.charAt(i) == '*') {
                    run++;
                    i++;
                }
                if (run == 1) {
                    re.append("[^/]*");
                } else if (re.length() >= 2 && re.substring(re.length() - 2).equals("\\/") && i == glob.length()) {
                    re.setLength(re.length() - 2);
                    re.append("(?:/.*)?");
                } else {
                    re.append(".*");
                }
                continue;
            }
            if (c == '?') {
                re.append("[^/]");
            } else if (Character.isLetterOrDigit(c)) {
                re.append(c);
            } else {
                re.append('\\').append(c);
            }
            i++;
        }
        return re.toString();
    }

    /** A port or a range of ports, or every port ({@code *}). */
    record PortRange(int from, int to) {
        static PortRange parse(String p, String whole) {
            String s = p.trim();
            if (s.equals("*")) {
                return new PortRange(0, 65535);
            }
            try {
                int dash = s.indexOf('-');
                int from = Integer.parseInt(dash < 0 ? s : s.substring(0, dash).trim());
                int to = dash < 0 ? from : Integer.parseInt(s.substring(dash + 1).trim());
                if (from < 0 || to > 65535 || from > to) {
                    throw new IllegalArgumentException("'" + whole + "': ports are 0 to 65535, a range low-high");
                }
                return new PortRange(from, to);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + whole + "': '" + s + "' is not a port, a range such as"
                        + " 8000-8100, or *");
            }
        }

        boolean contains(int port) {
            return port >= from && port <= to;
        }
    }

    /** Matches {@code host:port} targets; the host part is lower-cased by the gate. */
    private static final class HostPort extends TargetPattern {
        private final org.agenthypervisor.core.policy.Glob host;
        private final PortRange ports;

        HostPort(String text, org.agenthypervisor.core.policy.Glob host, PortRange ports) {
            super(text);
            this.host = host;
            this.ports = ports;
        }

        @Override
        public boolean matches(String target) {
            int colon = target.lastIndexOf(':');
            if (colon < 0) {
                return false;
            }
            int port;
            try {
                port = Integer.parseInt(target.substring(colon + 1));
            } catch (NumberFormatException e) {
                return false;
            }
            String h = target.substring(0, colon);
            if (h.startsWith("[") && h.endsWith("]")) {
                h = h.substring(1, h.length() - 1);
            }
            return ports.contains(port) && host.matches(h);
        }
    }

    /** Environment variable names: the policy's simple globs. */
    private static final class Named extends TargetPattern {
        private final org.agenthypervisor.core.policy.Glob glob;

        Named(String text, org.agenthypervisor.core.policy.Glob glob) {
            super(text);
            this.glob = glob;
        }

        @Override
        public boolean matches(String target) {
            return glob.matches(target);
        }
    }

    private static final class Ports extends TargetPattern {
        private final PortRange range;

        Ports(String text, PortRange range) {
            super(text);
            this.range = range;
        }

        @Override
        public boolean matches(String target) {
            try {
                return range.contains(Integer.parseInt(target));
            } catch (NumberFormatException e) {
                return false;
            }
        }
    }

    /**
     * A glob without wildcards, or one whose only wildcard is a final {@code /**}: that path, and with
     * {@code under} every path below it. The same matches as {@link #pathRegex} gives the glob.
     */
    private static final class Fixed extends TargetPattern {
        private final String path;
        private final boolean under;

        Fixed(String text, String path, boolean under) {
            super(text);
            this.path = path;
            this.under = under;
        }

        @Override
        public boolean matches(String target) {
            if (!under) {
                return target.equals(path);
            }
            return target.startsWith(path) && (target.length() == path.length() || target.charAt(path.length()) == '/');
        }
    }

    private static final class Regex extends TargetPattern {
        private final Pattern regex;

        Regex(String text, String regex) {
            super(text);
            this.regex = Pattern.compile(regex, Pattern.DOTALL);
        }

        @Override
        public boolean matches(String target) {
            return regex.matcher(target).matches();
        }
    }
}
