package org.agenthypervisor.agent.install;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.Handle;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes the method references an agent's class creates run as that agent, like its lambdas.
 *
 * <p>A lambda's body is a method of the class that wrote it, so it switches into its agent wherever
 * it runs. A method reference ({@code vault::drop}, {@code Vault::new}) has no such body: the JDK's
 * proxy calls the target directly, so a ring-3 agent could hand {@code vault::drop} to a host thread
 * and have it run with the host's ring. This rewrites each {@code LambdaMetafactory} call site whose
 * target belongs to another class into one whose target is a private static synthetic method of this
 * class ({@code lambda$hypervisor$ref$N}) that makes the same call, which is what the compiler itself
 * emits for references it must adapt. The planner then governs it like any lambda body.
 *
 * <p>It adds methods, so it runs when a class is first defined; a retransformation of a class it
 * rewrote must rewrite it again, identically (it is a function of the original bytes). Serializable
 * references are left alone: their deserialization names the original target.
 */
final class MethodReferenceBinder {
    static final String PREFIX = "lambda$hypervisor$ref$";
    private static final String METAFACTORY = "java/lang/invoke/LambdaMetafactory";
    private static final int FLAG_SERIALIZABLE = 1;

    private MethodReferenceBinder() {
    }

    /** The rewritten class, or {@code bytes} itself when it creates no foreign method reference. */
    static byte[] bind(byte[] bytes) {
        if (!mentionsMetafactory(bytes)) {
            return bytes;
        }
        ClassReader reader = new ClassReader(bytes);
        ClassWriter writer = new ClassWriter(reader, 0);
        Rewriter rewriter = new Rewriter(writer);
        reader.accept(rewriter, 0);
        return rewriter.bridges.isEmpty() ? bytes : writer.toByteArray();
    }

    /** A cheap test on the constant pool's UTF-8 text before parsing anything. */
    private static boolean mentionsMetafactory(byte[] bytes) {
        byte[] needle = METAFACTORY.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        outer:
        for (int i = 0, last = bytes.length - needle.length; i <= last; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (bytes[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static final class Rewriter extends ClassVisitor {
        /** Bridge by target handle, in the order first met (deterministic for retransformation). */
        final Map<Handle, Bridge> bridges = new LinkedHashMap<>();
        private String className;
        private boolean isInterface;

        Rewriter(ClassVisitor next) {
            super(Opcodes.ASM9, next);
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
            className = name;
            isInterface = (access & Opcodes.ACC_INTERFACE) != 0;
            super.visit(version, access, name, signature, superName, interfaces);
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
            MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
            return new MethodVisitor(Opcodes.ASM9, mv) {
                @Override
                public void visitInvokeDynamicInsn(String indyName, String indyDescriptor, Handle bootstrap, Object... args) {
                    super.visitInvokeDynamicInsn(indyName, indyDescriptor, bootstrap, rebind(bootstrap, args));
                }
            };
        }

        private Object[] rebind(Handle bootstrap, Object[] args) {
            if (!bootstrap.getOwner().equals(METAFACTORY) || args.length < 3 || !(args[1] instanceof Handle)) {
                return args;
            }
            if (bootstrap.getName().equals("altMetafactory")) {
                if (args.length < 4 || !(args[3] instanceof Integer) || ((Integer) args[3] & FLAG_SERIALIZABLE) != 0) {
                    return args;
                }
            } else if (!bootstrap.getName().equals("metafactory")) {
                return args;
            }
            Handle target = (Handle) args[1];
            if (target.getOwner().equals(className)) {
                return args; // this class's own method: governed as such
            }
            String descriptor = bridgeDescriptor(target);
            if (descriptor == null) {
                return args;
            }
            Bridge bridge = bridges.computeIfAbsent(target, t -> new Bridge(PREFIX + bridges.size(), descriptor, t));
            Object[] rebound = args.clone();
            rebound[1] = new Handle(Opcodes.H_INVOKESTATIC, className, bridge.name, bridge.descriptor, isInterface);
            return rebound;
        }

        /** The static bridge's descriptor: the receiver first for instance methods; a constructor returns its object. */
        private static String bridgeDescriptor(Handle target) {
            Type method = Type.getMethodType(target.getDesc());
            String owner = target.getOwner().startsWith("[") ? target.getOwner() : "L" + target.getOwner() + ";";
            switch (target.getTag()) {
                case Opcodes.H_INVOKESTATIC:
                    return target.getDesc();
                case Opcodes.H_INVOKEVIRTUAL:
                case Opcodes.H_INVOKEINTERFACE:
                    return "(" + owner + target.getDesc().substring(1);
                case Opcodes.H_NEWINVOKESPECIAL:
                    StringBuilder params = new StringBuilder("(");
                    for (Type t : method.getArgumentTypes()) {
                        params.append(t.getDescriptor());
                    }
                    return params.append(')').append(owner).toString();
                default:
                    return null; // invokespecial (super::m) is already compiled to a lambda body
            }
        }

        @Override
        public void visitEnd() {
            for (Bridge bridge : bridges.values()) {
                bridge.write(cv);
            }
            super.visitEnd();
        }
    }

    private record Bridge(String name, String descriptor, Handle target) {
        void write(ClassVisitor cv) {
            MethodVisitor mv = cv.visitMethod(Opcodes.ACC_PRIVATE | Opcodes.ACC_STATIC | Opcodes.ACC_SYNTHETIC, name,
                    descriptor, null, null);
            mv.visitCode();
            int stack = 0;
            if (target.getTag() == Opcodes.H_NEWINVOKESPECIAL) {
                mv.visitTypeInsn(Opcodes.NEW, target.getOwner());
                mv.visitInsn(Opcodes.DUP);
                stack = 2;
            }
            int slot = 0;
            List<Type> params = new ArrayList<>(List.of(Type.getArgumentTypes(descriptor)));
            for (Type t : params) {
                mv.visitVarInsn(t.getOpcode(Opcodes.ILOAD), slot);
                slot += t.getSize();
            }
            stack += slot;
            switch (target.getTag()) {
                case Opcodes.H_INVOKESTATIC -> mv.visitMethodInsn(Opcodes.INVOKESTATIC, target.getOwner(),
                        target.getName(), target.getDesc(), target.isInterface());
                case Opcodes.H_INVOKEVIRTUAL -> mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, target.getOwner(),
                        target.getName(), target.getDesc(), false);
                case Opcodes.H_INVOKEINTERFACE -> mv.visitMethodInsn(Opcodes.INVOKEINTERFACE, target.getOwner(),
                        target.getName(), target.getDesc(), true);
                default -> mv.visitMethodInsn(Opcodes.INVOKESPECIAL, target.getOwner(), "<init>", target.getDesc(),
                        false);
            }
            Type returned = Type.getReturnType(descriptor);
            mv.visitInsn(returned.getOpcode(Opcodes.IRETURN));
            mv.visitMaxs(Math.max(stack, returned.getSize()), slot);
            mv.visitEnd();
        }
    }
}
