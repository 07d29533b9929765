package org.agenthypervisor.core.policy;

/**
 * A method pattern {@code ClassGlob#methodGlob}, e.g. {@code com.acme.Db#execute*}: a
 * {@linkplain Glob#classGlob class glob}, {@code #}, and a {@linkplain Glob#simple simple glob} on
 * the method name. Constructors are named {@code <init>} and are matched only by that literal name;
 * wildcards never match constructors, class initializers, bridge or synthetic methods.
 */
public record MethodPattern(String pattern, Glob classGlob, Glob methodGlob) {

    /**
     * Parses {@code ClassGlob#methodGlob}.
     *
     * @throws IllegalArgumentException with a message that says what is wrong
     */
    public static MethodPattern parse(String pattern) {
        if (pattern == null || pattern.isBlank()) {
            throw new IllegalArgumentException("a method pattern must not be empty; write ClassGlob#methodGlob");
        }
        int hash = pattern.indexOf('#');
        if (hash <= 0 || hash == pattern.length() - 1 || pattern.indexOf('#', hash + 1) >= 0) {
            throw new IllegalArgumentException("'" + pattern + "' is not a method pattern; write ClassGlob#methodGlob,"
                    + " for example com.acme.Db#execute*");
        }
        String classPart = pattern.substring(0, hash);
        String methodPart = pattern.substring(hash + 1);
        if (classPart.chars().anyMatch(Character::isWhitespace) || methodPart.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("'" + pattern + "' contains whitespace");
        }
        if (methodPart.contains("(") || methodPart.contains(")")) {
            throw new IllegalArgumentException("'" + pattern + "': parameter lists are not supported; name the method only");
        }
        checkMethodGlob(pattern, methodPart);
        return new MethodPattern(pattern, Glob.classGlob(classPart), Glob.simple(methodPart));
    }

    /**
     * A method glob is Java identifier characters and wildcards, or exactly {@code <init>}. Anything
     * else could never match a method, and a rule that silently governs nothing is the worst kind of
     * policy error: it looks like protection.
     */
    private static void checkMethodGlob(String pattern, String methodPart) {
        if (methodPart.startsWith("<") || methodPart.endsWith(">")) {
            if (methodPart.equals("<init>")) {
                return;
            }
            if (methodPart.equals("<clinit>")) {
                throw new IllegalArgumentException("'" + pattern + "': class initializers (<clinit>) cannot be governed;"
                        + " govern the methods and constructors (<init>) of the class instead");
            }
            throw new IllegalArgumentException("'" + pattern + "': '" + methodPart + "' is not a method name; the only"
                    + " special name is <init>, for constructors");
        }
        for (int i = 0; i < methodPart.length(); ) {
            int c = methodPart.codePointAt(i);
            if (c != '*' && c != '?' && !(Character.isJavaIdentifierPart(c) && !Character.isIdentifierIgnorable(c))) {
                throw new IllegalArgumentException("'" + pattern + "': the method name contains '" + Character.toString(c)
                        + "', which cannot appear in a method name");
            }
            i += Character.charCount(c);
        }
    }

    /** Whether the class matches the class glob. */
    public boolean matchesClass(String className) {
        return classGlob.matches(className);
    }

    /**
     * Whether the method matches. {@code methodName} is {@code <init>} for constructors; the caller
     * excludes class initializers, bridge and synthetic methods.
     */
    public boolean matches(String className, String methodName) {
        if (!classGlob.matches(className)) {
            return false;
        }
        if (methodName.startsWith("<")) {
            return methodGlob.pattern().equals(methodName);
        }
        return methodGlob.matches(methodName);
    }

    @Override
    public String toString() {
        return pattern;
    }
}
