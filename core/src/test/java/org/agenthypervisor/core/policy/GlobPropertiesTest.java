package org.agenthypervisor.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;

/** Laws of globs and method patterns, for all names. */
class GlobPropertiesTest {

    @Property(tries = 300)
    void literalClassGlobMatchesItselfAndItsNestedClasses(@ForAll("classNames") String name,
                                                          @ForAll("segments") String nested) {
        Glob glob = Glob.classGlob(name);
        assertTrue(glob.isLiteral());
        assertTrue(glob.matches(name));
        assertTrue(glob.matches(name + "$" + nested));
        assertTrue(glob.matches(name + "$" + nested + "$1"));
    }

    @Property(tries = 300)
    void literalClassGlobMatchesNoOtherClass(@ForAll("classNames") String a, @ForAll("classNames") String b) {
        Assume.that(!b.equals(a) && !b.startsWith(a + "$"));
        assertFalse(Glob.classGlob(a).matches(b));
    }

    @Property(tries = 300)
    void singleStarNeverCrossesADot(@ForAll("packages") String pkg, @ForAll("segments") String s1,
                                    @ForAll("segments") String s2) {
        Glob glob = Glob.classGlob(pkg + ".*");
        assertTrue(glob.matches(pkg + "." + s1));
        assertTrue(glob.matches(pkg + "." + s1 + "$" + s2));
        assertFalse(glob.matches(pkg + "." + s1 + "." + s2));
        assertFalse(glob.matches(pkg));
    }

    @Property(tries = 300)
    void doubleStarCoversEverySubpackageButNotItsNeighbours(@ForAll("packages") String pkg,
                                                            @ForAll("classNames") String rest,
                                                            @ForAll("segments") String suffix) {
        Glob glob = Glob.classGlob(pkg + ".**");
        assertTrue(glob.matches(pkg + "." + rest));
        assertFalse(glob.matches(pkg + suffix + "." + rest));
        assertFalse(glob.matches(pkg));
    }

    @Property(tries = 300)
    void questionMarkIsExactlyOneCharacterOfASegment(@ForAll("packages") String pkg, @ForAll("segments") String seg) {
        Glob glob = Glob.classGlob(pkg + "." + "?".repeat(seg.length()));
        assertTrue(glob.matches(pkg + "." + seg));
        assertFalse(glob.matches(pkg + "." + seg + "x"));
        if (seg.length() > 1) {
            assertFalse(glob.matches(pkg + "." + seg.substring(1)));
        }
    }

    @Property(tries = 500)
    void simpleLiteralGlobMatchesExactlyItself(@ForAll("literalText") String pattern, @ForAll("literalText") String other) {
        Glob glob = Glob.simple(pattern);
        assertTrue(glob.matches(pattern));
        assertEquals(pattern.equals(other), glob.matches(other));
    }

    @Property(tries = 300)
    void simpleStarMatchesEverything(@ForAll @StringLength(max = 50) String text) {
        assertTrue(Glob.simple("*").matches(text));
        assertTrue(Glob.simple("**").matches(text));
    }

    @Property(tries = 300)
    void prefixStarMatchesEveryExtension(@ForAll("literalText") String prefix, @ForAll @StringLength(max = 20) String rest) {
        assertTrue(Glob.simple(prefix + "*").matches(prefix + rest));
    }

    /** Building and matching never throw anything but the documented IllegalArgumentException. */
    @Property(tries = 500)
    void arbitraryPatternsFailOnlyWithIllegalArgument(@ForAll("globText") String pattern, @ForAll("globText") String name) {
        try {
            Glob.classGlob(pattern).matches(name);
        } catch (IllegalArgumentException expected) {
            assertFalse(expected.getMessage().isBlank());
        }
        try {
            Glob.simple(pattern).matches(name);
        } catch (IllegalArgumentException expected) {
            assertFalse(expected.getMessage().isBlank());
        }
        try {
            MethodPattern.parse(pattern).matches(name, name);
        } catch (IllegalArgumentException expected) {
            assertFalse(expected.getMessage().isBlank());
        }
    }

    @Property(tries = 300)
    void wildcardMethodGlobsNeverMatchConstructorsOrInitializers(@ForAll("classNames") String cls,
                                                                @ForAll("methodGlobs") String methodGlob) {
        MethodPattern pattern = MethodPattern.parse(cls + "#" + methodGlob);
        assertFalse(pattern.matches(cls, "<init>"));
        assertFalse(pattern.matches(cls, "<clinit>"));
    }

    @Property(tries = 200)
    void constructorPatternMatchesOnlyConstructors(@ForAll("classNames") String cls, @ForAll("segments") String method) {
        MethodPattern pattern = MethodPattern.parse(cls + "#<init>");
        assertTrue(pattern.matches(cls, "<init>"));
        assertFalse(pattern.matches(cls, method));
        assertFalse(pattern.matches(cls, "<clinit>"));
    }

    @Provide
    Arbitrary<String> segments() {
        return Arbitraries.strings().withCharRange('a', 'z').withChars('_', '0', '9', 'A', 'Z')
                .ofMinLength(1).ofMaxLength(8).filter(s -> Character.isJavaIdentifierStart(s.charAt(0)));
    }

    @Provide
    Arbitrary<String> packages() {
        return segments().list().ofMinSize(1).ofMaxSize(4).map(l -> String.join(".", l));
    }

    @Provide
    Arbitrary<String> classNames() {
        return segments().list().ofMinSize(1).ofMaxSize(5).map(l -> String.join(".", l));
    }

    /** Text without wildcards, full of regex metacharacters. */
    @Provide
    Arbitrary<String> literalText() {
        return Arbitraries.strings().withChars("ab.$^()[]{}+|\\-:/ ".toCharArray()).ofMinLength(1).ofMaxLength(12)
                .filter(s -> !s.isBlank());
    }

    @Provide
    Arbitrary<String> globText() {
        return Arbitraries.strings().withChars("ab.$*?#<>()[]\\/ -".toCharArray()).ofMaxLength(16);
    }

    @Provide
    Arbitrary<String> methodGlobs() {
        return Arbitraries.strings().withChars("abinit*?".toCharArray()).ofMinLength(1).ofMaxLength(8)
                .filter(s -> s.contains("*") || s.contains("?"));
    }
}
