package org.agenthypervisor.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class GlobTest {

    /** The table in docs/policy.md, and then some. */
    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource({
            "com.acme.Billing,     com.acme.Billing,               true",
            "com.acme.Billing,     com.acme.Billing$Refund,        true",
            "com.acme.Billing,     com.acme.Billing$1,             true",
            "com.acme.Billing,     com.acme.Billing$Refund$Line,   true",
            "com.acme.Billing,     com.acme.BillingX,              false",
            "com.acme.Billing,     com.acme.Billing.Sub,           false",
            "com.acme.*,           com.acme.Billing,               true",
            "com.acme.*,           com.acme.Db$1,                  true",
            "com.acme.*,           com.acme.billing.Invoice,       false",
            "com.acme.**,          com.acme.billing.Invoice,       true",
            "com.acme.**,          com.acme.Billing,               true",
            "com.acme.**,          com.acme,                       false",
            "com.acme.**,          com.acmex.Foo,                  false",
            "com.acme.*Service,    com.acme.BillingService,        true",
            "com.acme.*Service,    com.acme.x.BillingService,      false",
            "com.acme.Db?,         com.acme.Db1,                   true",
            "com.acme.Db?,         com.acme.Db,                    false",
            "com.acme.Db?,         com.acme.Db12,                  false",
            "com.?cme.Db,          com.acme.Db,                    true",
            "com?acme.Db,          com.acme.Db,                    false",
            "**.Db,                com.acme.Db,                    true",
            "**,                   Anything,                       true",
            "com.acme.***,         com.acme.x.Y,                   true",
            "com.acme.Outer$Inner, com.acme.Outer$Inner$Deeper,    true",
            "com.acme.Outer$Inner, com.acme.Outer,                 false",
            "com.acme.Outer$*,     com.acme.Outer$Inner,           true",
    })
    void classGlobs(String glob, String name, boolean expected) {
        assertEquals(expected, Glob.classGlob(glob).matches(name));
    }

    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource({
            "refund.*,    refund.decision,     true",
            "refund.*,    refund.a.b.c,        true",
            "refund.*,    refunds.x,           false",
            "*,           '',                  true",
            "a?c,         abc,                 true",
            "a?c,         a.c,                 true",
            "a?c,         ac,                  false",
            "a+b,         a+b,                 true",
            "a+b,         aab,                 false",
            "(x)[y]{2}\\, (x)[y]{2}\\,          true",
            "order:*,     order:42,            true",
    })
    void simpleGlobs(String glob, String name, boolean expected) {
        assertEquals(expected, Glob.simple(glob).matches(name));
    }

    /** Found by GlobPropertiesTest: '*' did not match line terminators, so such keys escaped protection. */
    @Test
    void wildcardsMatchLineTerminators() {
        for (String terminator : new String[] {"\n", "\r", "\u0085", "\u2028", "\u2029"}) {
            assertTrue(Glob.simple("ledger.*").matches("ledger.x" + terminator + "y"), terminator);
            assertTrue(Glob.simple("a?b").matches("a" + terminator + "b"), terminator);
            assertTrue(Glob.simple("*").matches(terminator));
        }
    }

    @Test
    void classGlobsRejectWhatCannotBeAClassName() {
        assertEquals("'com/acme/Foo' uses '/'; class names are separated by dots, for example com.acme.Foo",
                assertThrows(IllegalArgumentException.class, () -> Glob.classGlob("com/acme/Foo")).getMessage());
        assertEquals("'com.acme.Db#run' is a method pattern (Class#method); a class glob names classes only, for example"
                + " com.acme.billing.**",
                assertThrows(IllegalArgumentException.class, () -> Glob.classGlob("com.acme.Db#run")).getMessage());
        assertEquals("'com.acme Foo' contains whitespace",
                assertThrows(IllegalArgumentException.class, () -> Glob.classGlob("com.acme Foo")).getMessage());
        assertEquals("'com..acme' has an empty package segment (a leading, trailing or doubled dot)",
                assertThrows(IllegalArgumentException.class, () -> Glob.classGlob("com..acme")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Glob.classGlob(".com"));
        assertThrows(IllegalArgumentException.class, () -> Glob.classGlob("com.acme."));
        assertEquals("'com.acme-x.Foo' contains '-', which cannot appear in a class name",
                assertThrows(IllegalArgumentException.class, () -> Glob.classGlob("com.acme-x.Foo")).getMessage());
        assertEquals("a glob must not be empty",
                assertThrows(IllegalArgumentException.class, () -> Glob.classGlob(" ")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Glob.simple(""));
    }

    @Test
    void classGlobsAcceptUnicodeIdentifiers() {
        assertTrue(Glob.classGlob("com.acmé.Café$1").matches("com.acmé.Café$1"));
    }

    @Test
    void literalAndEquality() {
        assertTrue(Glob.classGlob("com.acme.Db").isLiteral());
        assertFalse(Glob.classGlob("com.acme.*").isLiteral());
        assertFalse(Glob.simple("a?").isLiteral());
        assertEquals(Glob.classGlob("a.B"), Glob.classGlob("a.B"));
        assertEquals(Glob.classGlob("a.B").hashCode(), Glob.classGlob("a.B").hashCode());
        assertNotEquals(Glob.classGlob("a.B"), Glob.simple("a.B"));
        assertEquals("a.*", Glob.classGlob("a.*").toString());
        assertEquals("a.*", Glob.classGlob("a.*").pattern());
    }

    /**
     * A run of stars is one wildcard; before, {@code *****…x} compiled to nested {@code .*} groups that
     * backtrack for ages on a long name. The timeout only catches a hang: this runs in microseconds.
     */
    @Test
    void starHeavyGlobsMatchQuickly() {
        String stars = "*".repeat(60) + "x";
        String name = "a".repeat(5_000);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            assertFalse(Glob.simple(stars).matches(name));
            assertFalse(Glob.classGlob(stars).matches(name));
        });
    }
}
