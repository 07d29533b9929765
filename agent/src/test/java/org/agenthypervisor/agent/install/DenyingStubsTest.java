package org.agenthypervisor.agent.install;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The deny-all stub a class gets when weaving it failed: it verifies, and the stubbed methods throw. */
class DenyingStubsTest {
    static byte[] bytesOf(Class<?> type) throws Exception {
        try (InputStream in = type.getResourceAsStream(type.getSimpleName() + ".class")) {
            return in.readAllBytes();
        }
    }

    static Class<?> define(String name, byte[] bytes) {
        return new ClassLoader(null) {
            Class<?> define() {
                return defineClass(name, bytes, 0, bytes.length);
            }
        }.define();
    }

    @Test
    void stubbedConstructorsAndMethodsThrowAndTheRestRuns() throws Exception {
        byte[] stubbed = DenyingStubs.stub(bytesOf(com.acme.desk.Db.class), Set.of("executeUpdate(Ljava/lang/String;)Ljava/lang/String;"),
                "refused for the test");
        Class<?> db = define("com.acme.desk.Db", stubbed);
        Object instance = db.getConstructor().newInstance();
        assertEquals("queried: x", db.getMethod("query", String.class).invoke(instance, "x"), "not governed: unchanged");
        InvocationTargetException thrown = assertThrows(InvocationTargetException.class,
                () -> db.getMethod("executeUpdate", String.class).invoke(instance, "x"));
        assertTrue(thrown.getCause() instanceof SecurityException, thrown::toString);
        assertEquals("refused for the test", thrown.getCause().getMessage());
        assertEquals(0, db.getField("executed").getInt(null), "the body did not run");

        Class<?> all = define("com.acme.desk.Db", DenyingStubs.stub(bytesOf(com.acme.desk.Db.class), null, "all refused"));
        InvocationTargetException ctor = assertThrows(InvocationTargetException.class, () -> all.getConstructor().newInstance());
        assertTrue(ctor.getCause() instanceof SecurityException, "a constructor that throws before super() verifies: " + ctor);
    }
}
