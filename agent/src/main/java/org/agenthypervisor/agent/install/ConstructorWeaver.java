package org.agenthypervisor.agent.install;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.agenthypervisor.bridge.Gate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Weaves the constructors of agents' classes ({@code CONSTRUCTOR_SWITCH}) with plain ASM, because
 * Byte Buddy's advice cannot catch exceptions in a constructor: the switch into the agent must be
 * undone when the constructor throws, or the caller's thread would go on as that agent.
 *
 * <p>Each such constructor gets {@code token = Gate.enterConstructor(site)} first (before the super
 * call; it does not touch {@code this}), {@code Gate.exitConstructor(token)} before every return,
 * and a handler covering everything after the super call that calls it and rethrows. The JVM forbids
 * a handler around the super call itself; a switch left by a throwing super constructor never
 * raises privilege (see {@link Gate#enterConstructor}).
 *
 * <p>The super call is the first {@code invokespecial <init>} that does not initialize an object
 * created by a {@code new} inside the constructor's own arguments (they nest like parentheses in
 * compiled code). The token lives in a fresh local after the method's own; every stack map frame
 * is extended with it so the verifier sees it defined everywhere.
 */
final class ConstructorWeaver {
    private static final String GATE = Gate.class.getName().replace('.', '/');

    private ConstructorWeaver() {
    }

    /** @param sites site id by {@code "<init>" + descriptor}, for the constructors to weave */
    static byte[] weave(byte[] bytes, Map<String, Integer> sites, Map<String, Long> keys) {
        if (sites.isEmpty()) {
            return bytes;
        }
        Map<String, Integer> maxLocals = maxLocals(bytes);
        ClassReader reader = new ClassReader(bytes);
        ClassWriter writer = new ClassWriter(0);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
                Integer site = sites.get(name + descriptor);
                if (!name.equals("<init>") || site == null || !maxLocals.containsKey(descriptor)) {
                    return mv;
                }
                return new Switching(mv, site, keys.get(name + descriptor), maxLocals.get(descriptor));
            }
        }, ClassReader.EXPAND_FRAMES);
        return writer.toByteArray();
    }

    private static Map<String, Integer> maxLocals(byte[] bytes) {
        Map<String, Integer> out = new HashMap<>();
        new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                if (!name.equals("<init>")) {
                    return null;
                }
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMaxs(int maxStack, int locals) {
                        out.put(descriptor, locals);
                    }
                };
            }
        }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return out;
    }

    private static final class Switching extends MethodVisitor {
        private final int site;
        private final long key;
        private final int token;
        private final Label start = new Label();
        private final Label end = new Label();
        private final Label handler = new Label();
        private int pendingNew;
        private boolean initialized;

        Switching(MethodVisitor mv, int site, Long key, int token) {
            super(Opcodes.ASM9, mv);
            if (key == null) {
                throw new IllegalStateException("no site key for constructor site " + site);
            }
            this.site = site;
            this.key = key;
            this.token = token;
        }

        @Override
        public void visitCode() {
            super.visitCode();
            super.visitLdcInsn(site);
            super.visitLdcInsn(key);
            super.visitMethodInsn(Opcodes.INVOKESTATIC, GATE, "enterConstructor", "(IJ)Ljava/lang/Object;", false);
            super.visitVarInsn(Opcodes.ASTORE, token);
        }

        @Override
        public void visitTypeInsn(int opcode, String type) {
            if (opcode == Opcodes.NEW && !initialized) {
                pendingNew++;
            }
            super.visitTypeInsn(opcode, type);
        }

        @Override
        public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
            super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
            if (opcode == Opcodes.INVOKESPECIAL && name.equals("<init>") && !initialized) {
                if (pendingNew > 0) {
                    pendingNew--;
                } else {
                    initialized = true;
                    super.visitTryCatchBlock(start, end, handler, "java/lang/Throwable");
                    super.visitLabel(start);
                }
            }
        }

        @Override
        public void visitInsn(int opcode) {
            if (opcode == Opcodes.RETURN) {
                exit();
            }
            super.visitInsn(opcode);
        }

        private void exit() {
            super.visitVarInsn(Opcodes.ALOAD, token);
            super.visitMethodInsn(Opcodes.INVOKESTATIC, GATE, "exitConstructor", "(Ljava/lang/Object;)V", false);
        }

        @Override
        public void visitFrame(int type, int numLocal, Object[] local, int numStack, Object[] stack) {
            Object[] locals = withToken(local, numLocal);
            super.visitFrame(type, locals.length, locals, numStack, stack);
        }

        /** The frame's locals padded with TOP up to the token's slot, then the token. */
        private Object[] withToken(Object[] local, int numLocal) {
            List<Object> out = new ArrayList<>(Arrays.asList(local).subList(0, numLocal));
            int slots = 0;
            for (Object l : out) {
                slots += l == Opcodes.LONG || l == Opcodes.DOUBLE ? 2 : 1;
            }
            while (slots < token) {
                out.add(Opcodes.TOP);
                slots++;
            }
            out.add("java/lang/Object");
            return out.toArray();
        }

        @Override
        public void visitMaxs(int maxStack, int maxLocals) {
            if (initialized) {
                super.visitLabel(end);
                super.visitLabel(handler);
                Object[] locals = new Object[token + 1];
                Arrays.fill(locals, Opcodes.TOP);
                locals[token] = "java/lang/Object";
                super.visitFrame(Opcodes.F_NEW, locals.length, locals, 1, new Object[] {"java/lang/Throwable"});
                exit();
                super.visitInsn(Opcodes.ATHROW);
            }
            // The site id and its key (a long) are on the stack together at the start.
            super.visitMaxs(Math.max(maxStack, 3), token + 1);
        }
    }
}
