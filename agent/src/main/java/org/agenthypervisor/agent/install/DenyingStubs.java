package org.agenthypervisor.agent.install;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

import java.util.Set;

/**
 * What a governed class becomes when weaving its advice failed and the policy says
 * {@code onInternalError: deny}: each governed method (constructors included) keeps its signature and
 * annotations but its body is replaced by {@code throw new SecurityException(reason)}. Deny-all, fail
 * closed, instead of the class running its governed methods unchecked.
 *
 * <p>Only straight-line code referring to the JDK is added, so nothing here needs stack map frames,
 * the gate's module or the class's own types, which is what makes it likely to succeed where the weave
 * failed; and no member is added or removed, so a retransformation accepts it too.
 */
final class DenyingStubs {
    private DenyingStubs() {
    }

    /**
     * @param methods the methods to refuse, by {@code name + descriptor}; null for every method with code
     *                (when the failure came before the class's plan was known)
     * @param reason  the exception's message
     * @return the class with those bodies replaced
     */
    static byte[] stub(byte[] bytes, Set<String> methods, String reason) {
        ClassReader reader = new ClassReader(bytes);
        ClassWriter writer = new ClassWriter(reader, 0);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                MethodVisitor target = super.visitMethod(access, name, descriptor, signature, exceptions);
                if ((access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0
                        || (methods != null && !methods.contains(name + descriptor))) {
                    return target;
                }
                int locals = (Type.getArgumentsAndReturnSizes(descriptor) >> 2) - ((access & Opcodes.ACC_STATIC) != 0 ? 1 : 0);
                return new Refusing(target, reason, locals);
            }
        }, 0);
        return writer.toByteArray();
    }

    /** Passes annotations and parameters through, writes the refusal as the code and drops the original code. */
    private static final class Refusing extends MethodVisitor {
        private final MethodVisitor target;
        private final String reason;
        private final int locals;

        Refusing(MethodVisitor target, String reason, int locals) {
            super(Opcodes.ASM9, target);
            this.target = target;
            this.reason = reason;
            this.locals = locals;
        }

        @Override
        public void visitCode() {
            target.visitCode();
            target.visitTypeInsn(Opcodes.NEW, "java/lang/SecurityException");
            target.visitInsn(Opcodes.DUP);
            target.visitLdcInsn(reason);
            target.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/SecurityException", "<init>", "(Ljava/lang/String;)V", false);
            target.visitInsn(Opcodes.ATHROW);
            target.visitMaxs(3, locals);
            mv = null; // the original instructions, frames, locals and maxs go nowhere
        }

        @Override
        public void visitEnd() {
            target.visitEnd();
        }
    }
}
