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
 * Everything else matches itself; there is no escaping and no character classes. A run of stars
 * means the same as its longest member ({@code ***} is {@code **}), and is compiled as one wildcard so
 * that a pattern full of stars cannot make matching slow.
 *
 * <p>A class glob may hold only what a binary class name holds (Java identifier characters, {@code $}
 * and dots between non-empty segments) plus the wildcards: a typo such as {@code com/acme/Foo} or
 * {@code com.acme.Db#run} is rejected here, where the policy can still say where it was written,
 * instead of silently matching nothing at run time.
 */
public final class Glob {
    private final String pattern;
    private final boolean classFlavour;
    private final Pattern regex;

    private Glob(String pattern, boolean classFlavour) {
        this.pattern = pattern;
        this.classFlavour = classFlavour;
        // DOTALL: without it '*' and '?' stop at line terminators, and a session key such as
        // "ledger.x\n" would slip past a protection on "ledger.*".
        this.regex = Pattern.compile(toRegex(pattern, classFlavour), Pattern.DOTALL);
    }

    /**
     * A class glob; see the class comment.
     *
     * @throws IllegalArgumentException if the pattern is blank or cannot match a class name; the
     *                                  message says why
     */
    public static Glob classGlob(String pattern) {
        checkNotBlank(pattern);
        checkClassGlob(pattern);
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

    private static void checkClassGlob(String pattern) {
        if (pattern.indexOf('#') >= 0) {
            throw new IllegalArgumentException("'" + pattern + "' is a method pattern (Class#method); a class glob"
                    + " names classes only, for example com.acme.billing.**");
        }
        for (int i = 0; i < pattern.length(); ) {
            int c = pattern.codePointAt(i);
            if (Character.isWhitespace(c)) {
                throw new IllegalArgumentException("'" + pattern + "' contains whitespace");
            }
            if (c == '/' || c == '\\') {
                throw new IllegalArgumentException("'" + pattern + "' uses '" + Character.toString(c)
                        + "'; class names are separated by dots, for example com.acme.Foo");
            }
            if (c != '.' && c != '*' && c != '?'
                    && !(Character.isJavaIdentifierPart(c) && !Character.isIdentifierIgnorable(c))) {
                throw new IllegalArgumentException("'" + pattern + "' contains '" + Character.toString(c)
                        + "', which cannot appear in a class name");
            }
            i += Character.charCount(c);
        }
        if (pattern.startsWith(".") || pattern.endsWith(".") || pattern.contains("..")) {
            throw new IllegalArgumentException("'" + pattern + "' has an empty package segment (a leading,"
                    + " trailing or doubled dot)");
        }
    }

    private static String toRegex(String glob, boolean classFlavour) {
        StringBuilder out = new StringBuilder(glob.length() + 16);
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*') {
                int run = 1;
                while (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                    run++;
                    i++;
                }
                out.append(classFlavour && run == 1 ? "[^.]*" : ".*");
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
