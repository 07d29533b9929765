package org.agenthypervisor.core.policy;

import java.util.regex.Pattern;

/**
 * A glob, in one of two flavours.
 *
 * <ul>
 *   <li><b>Class globs</b> ({@link #classGlob}) match binary class names ({@code com.acme.Billing$Inner}):
 *   {@code *} matches any run of characters within one package segment (no {@code .}), {@code **}
 *   matches across segments (any characters), {@code ?} one character other than {@code .}. A class
 *   glob that matches a class also matches the classes nested in it, as {@code @Agent} does:
 *   {@code com.acme.Billing} matches {@code com.acme.Billing$1}.</li>
 *   <li><b>Simple globs</b> ({@link #simple}) match method names, session keys and session names:
 *   {@code *} matches any run of characters, {@code ?} one character.</li>
 * </ul>
 *
 * Everything else matches itself; there is no escaping and no character classes.
 */
public final class Glob {
    private final String pattern;
    private final boolean classFlavour;
    private final Pattern regex;

    private Glob(String pattern, boolean classFlavour) {
        this.pattern = pattern;
        this.classFlavour = classFlavour;
        this.regex = Pattern.compile(toRegex(pattern, classFlavour));
    }

    /** A class glob; see the class comment. */
    public static Glob classGlob(String pattern) {
        checkNotBlank(pattern);
        return new Glob(pattern, true);
    }

    /** A simple glob; see the class comment. */
    public static Glob simple(String pattern) {
        checkNotBlank(pattern);
        return new Glob(pattern, false);
    }

    private static void checkNotBlank(String pattern) {
        if (pattern == null || pattern.isBlank()) {
            throw new IllegalArgumentException("a glob must not be empty");
        }
    }

    private static String toRegex(String glob, boolean classFlavour) {
        StringBuilder out = new StringBuilder(glob.length() + 16);
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*') {
                if (classFlavour && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                    out.append(".*");
                    i++;
                } else {
                    out.append(classFlavour ? "[^.]*" : ".*");
                }
            } else if (c == '?') {
                out.append(classFlavour ? "[^.]" : ".");
            } else {
                out.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return out.toString();
    }

    /** The glob as written. */
    public String pattern() {
        return pattern;
    }

    /** Whether the glob has no wildcard. */
    public boolean isLiteral() {
        return pattern.indexOf('*') < 0 && pattern.indexOf('?') < 0;
    }

    /** Whether {@code name} matches; for class globs, also when an enclosing class of it matches. */
    public boolean matches(String name) {
        if (regex.matcher(name).matches()) {
            return true;
        }
        if (classFlavour) {
            for (int i = name.lastIndexOf('$'); i > 0; i = name.lastIndexOf('$', i - 1)) {
                if (regex.matcher(name.substring(0, i)).matches()) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Glob && ((Glob) o).pattern.equals(pattern) && ((Glob) o).classFlavour == classFlavour;
    }

    @Override
    public int hashCode() {
        return pattern.hashCode() * 31 + (classFlavour ? 1 : 0);
    }

    @Override
    public String toString() {
        return pattern;
    }
}
