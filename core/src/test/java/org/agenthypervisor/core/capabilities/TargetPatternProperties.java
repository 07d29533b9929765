package org.agenthypervisor.core.capabilities;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Path globs without wildcards, or with only a final {@code /**}, are matched without a regular
 * expression: exactly as the glob's regular expression ({@link TargetPattern#pathRegex}) matches.
 */
class TargetPatternProperties {
    private static final Path WORK = Path.of("/srv/app");
    private static final Path HOME = Path.of("/home/u");

    @Provide
    Arbitrary<String> segments() {
        // Letters, digits and the characters a regular expression would have to escape, and dots.
        return Arbitraries.strings().withChars("ab1.-_+()[]{}$^|\\ \n").ofMinLength(1).ofMaxLength(4);
    }

    @Provide
    Arbitrary<String> globs() {
        Arbitrary<String> path = segments().list().ofMinSize(0).ofMaxSize(4).map(l -> String.join("/", l));
        Arbitrary<String> start = Arbitraries.of("/", "./", "~/", "", "../");
        Arbitrary<String> end = Arbitraries.of("", "/**", "/", "/./**");
        return Combinators.combine(start, path, end).as((a, b, c) -> a + b + c)
                .filter(g -> !g.isBlank() && !(g.trim().startsWith("~") && !g.trim().equals("~") && !g.trim().startsWith("~/")));
    }

    @Provide
    Arbitrary<String> targets() {
        Arbitrary<String> near = Arbitraries.of("/srv/app", "/srv/app/", "/srv/app/a", "/srv/apple", "/srv", "/",
                "/home/u", "/home/u/ab", "/home/user", "/srv/app/ab/1", "/srv/ab", "/ab", "/ab/1", "");
        Arbitrary<String> suffix = segments().list().ofMaxSize(3).map(l -> l.isEmpty() ? "" : "/" + String.join("/", l));
        return Combinators.combine(near, suffix, Arbitraries.of("", "/", "\n")).as((a, b, c) -> a + b + c);
    }

    @Property(tries = 3000)
    void matchesAsTheGlobsRegularExpression(@ForAll("globs") String glob, @ForAll("targets") String target) {
        TargetPattern pattern = TargetPattern.compile(Capability.Kind.PATHS, glob, WORK, HOME);
        String g = glob.trim(); // as compile reads it
        String base = g.startsWith("/") ? "" : g.startsWith("~") ? HOME.toString() : WORK.toString();
        String rest = g.startsWith("~") ? g.substring(1) : g.startsWith("/") ? g : "/" + g;
        Pattern regex = Pattern.compile(TargetPattern.pathRegex(TargetPattern.normalise(base + rest)), Pattern.DOTALL);
        assertEquals(regex.matcher(target).matches(), pattern.matches(target), glob + " against " + target);
        // And against the glob's own directory, its children and a sibling sharing its prefix.
        String dir = TargetPattern.normalise(base + rest).replace("/**", "");
        for (String t : new String[] {dir, dir + "/", dir + "/x", dir + "x", dir + "/x/y"}) {
            assertEquals(regex.matcher(t).matches(), pattern.matches(t), glob + " against " + t);
        }
    }

    @Example
    void aDirectoryGlobCoversTheDirectoryAndBelowButNotASibling() {
        TargetPattern pattern = TargetPattern.compile(Capability.Kind.PATHS, "./**", WORK, HOME);
        assertTrue(pattern.matches("/srv/app"));
        assertTrue(pattern.matches("/srv/app/data/x.txt"));
        assertFalse(pattern.matches("/srv/apple"));
        assertFalse(pattern.matches("/srv"));
        TargetPattern exact = TargetPattern.compile(Capability.Kind.PATHS, "/etc/passwd", WORK, HOME);
        assertTrue(exact.matches("/etc/passwd"));
        assertFalse(exact.matches("/etc/passwd/x"));
        assertFalse(exact.matches("/etc/passw"));
    }
}
