package org.agenthypervisor.agent.cache;

import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConstantPoolTest {
    /** {@code name} with {@code static int site() { return SITE; }} and {@code static long key() { return KEY; }}, both by ldc. */
    static byte[] classWith(String name, int site, long key) {
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        writer.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, name, null, "java/lang/Object", null);
        MethodVisitor m = writer.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "site", "()I", null, null);
        m.visitCode();
        m.visitLdcInsn(site);
        m.visitInsn(Opcodes.IRETURN);
        m.visitMaxs(0, 0);
        m.visitEnd();
        m = writer.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "key", "()J", null, null);
        m.visitCode();
        m.visitLdcInsn(key);
        m.visitInsn(Opcodes.LRETURN);
        m.visitMaxs(0, 0);
        m.visitEnd();
        m = writer.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "self", "()Ljava/lang/String;", null, null);
        m.visitCode();
        m.visitLdcInsn(net.bytebuddy.jar.asm.Type.getObjectType(name));
        m.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/Class", "getName", "()Ljava/lang/String;", false);
        m.visitInsn(Opcodes.ARETURN);
        m.visitMaxs(0, 0);
        m.visitEnd();
        writer.visitEnd();
        return writer.toByteArray();
    }

    static Object call(String name, byte[] bytes, String method) throws Exception {
        Class<?> type = new ClassLoader(null) {
            Class<?> define() {
                return defineClass(name.replace('/', '.'), bytes, 0, bytes.length);
            }
        }.define();
        Method m = type.getMethod(method);
        return m.invoke(null);
    }

    @Test
    void placeholdersAreReplacedByThisStartsValues() throws Exception {
        byte[] woven = classWith("p/Woven", 0x41000007, 0x8000_1234_0000_0007L);
        ConstantPool.Constants before = ConstantPool.read(woven);
        assertTrue(before.ints().contains(0x41000007));
        assertTrue(before.longs().contains(0x8000_1234_0000_0007L));
        byte[] patched = ConstantPool.patch(woven, Map.of(0x41000007, 42), Map.of(0x8000_1234_0000_0007L, -5L));
        assertEquals(42, call("p/Woven", patched, "site"));
        assertEquals(-5L, call("p/Woven", patched, "key"));
        assertEquals(woven.length, patched.length);
    }

    @Test
    void aPlaceholderThatIsNotThereChangesNothing() throws Exception {
        byte[] woven = classWith("p/Woven", 7, 8L);
        byte[] patched = ConstantPool.patch(woven, Map.of(0x41000007, 42), Map.of(99L, 1L));
        assertEquals(7, call("p/Woven", patched, "site"));
        assertEquals(8L, call("p/Woven", patched, "key"));
    }

    @Test
    void aClassIsRenamedInItsUtf8ConstantsWhateverTheLengths() throws Exception {
        byte[] original = classWith("p/Host$$Lambda$12", 1, 2L);
        byte[] fixed = ConstantPool.renameInUtf8(original, "p/Host$$Lambda$12", "p/Host$$Lambda$AgentHypervisorCached");
        assertEquals("p.Host$$Lambda$AgentHypervisorCached", call("p/Host$$Lambda$AgentHypervisorCached", fixed, "self"));
        byte[] back = ConstantPool.renameInUtf8(fixed, "p/Host$$Lambda$AgentHypervisorCached", "p/Host$$Lambda$3456");
        assertEquals("p.Host$$Lambda$3456", call("p/Host$$Lambda$3456", back, "self"));
        assertEquals(1, call("p/Host$$Lambda$3456", back, "site"));
    }

    @Test
    void somethingThatIsNoClassFileIsRefused() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ConstantPool.read(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
    }
}
