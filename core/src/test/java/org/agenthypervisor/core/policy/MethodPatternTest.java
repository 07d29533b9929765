package org.agenthypervisor.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MethodPatternTest {

    @ParameterizedTest(name = "{0} ~ {1}#{2} = {3}")
    @CsvSource({
            "com.acme.Db#execute*,  com.acme.Db,          executeUpdate, true",
            "com.acme.Db#execute*,  com.acme.Db,          execute,       true",
            "com.acme.Db#execute*,  com.acme.Db,          run,           false",
            "com.acme.Db#execute*,  com.acme.Db$Tx,       executeUpdate, true",
            "com.acme.Db#execute*,  com.acme.DbX,         executeUpdate, false",
            "com.acme.*#*,          com.acme.Db,          run,           true",
            "com.acme.*#*,          com.acme.Db,          <init>,        false",
            "com.acme.*#*,          com.acme.Db,          <clinit>,      false",
            "com.acme.Db#<init>,    com.acme.Db,          <init>,        true",
            "com.acme.Db#<init>,    com.acme.Db,          init,          false",
            "com.acme.Db#?un,       com.acme.Db,          run,           true",
            "com.acme.**#get?,      com.acme.x.y.Z,       getA,          true",
            "com.acme.**#get?,      com.acme.x.y.Z,       getAb,         false",
    })
    void matches(String pattern, String className, String method, boolean expected) {
        assertEquals(expected, MethodPattern.parse(pattern).matches(className, method));
    }

    @Test
    void partsAndText() {
        MethodPattern p = MethodPattern.parse("com.acme.Db#execute*");
        assertEquals(Glob.classGlob("com.acme.Db"), p.classGlob());
        assertEquals(Glob.simple("execute*"), p.methodGlob());
        assertEquals("com.acme.Db#execute*", p.toString());
        assertTrue(p.matchesClass("com.acme.Db$Inner"));
        assertFalse(p.matchesClass("com.acme.Dbx"));
    }

    @Test
    void errorsSayWhatToWrite() {
        assertEquals("'com.acme.Db.execute' is not a method pattern; write ClassGlob#methodGlob, for example"
                + " com.acme.Db#execute*", message("com.acme.Db.execute"));
        assertEquals("'#run' is not a method pattern; write ClassGlob#methodGlob, for example com.acme.Db#execute*",
                message("#run"));
        assertEquals("'a.B#' is not a method pattern; write ClassGlob#methodGlob, for example com.acme.Db#execute*",
                message("a.B#"));
        assertEquals("'a#b#c' is not a method pattern; write ClassGlob#methodGlob, for example com.acme.Db#execute*",
                message("a#b#c"));
        assertEquals("a method pattern must not be empty; write ClassGlob#methodGlob", message(" "));
        assertEquals("'a.B#run it' contains whitespace", message("a.B#run it"));
        assertEquals("'a.B#run(int)': parameter lists are not supported; name the method only", message("a.B#run(int)"));
        assertEquals("'a.B#<clinit>': class initializers (<clinit>) cannot be governed; govern the methods and"
                + " constructors (<init>) of the class instead", message("a.B#<clinit>"));
        assertEquals("'a.B#<new>': '<new>' is not a method name; the only special name is <init>, for constructors",
                message("a.B#<new>"));
        assertEquals("'a.B#run-fast': the method name contains '-', which cannot appear in a method name",
                message("a.B#run-fast"));
        assertEquals("'a/B' uses '/'; class names are separated by dots, for example com.acme.Foo", message("a/B#run"));
    }

    private static String message(String pattern) {
        return assertThrows(IllegalArgumentException.class, () -> MethodPattern.parse(pattern)).getMessage();
    }
}
