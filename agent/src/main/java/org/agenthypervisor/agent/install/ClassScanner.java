package org.agenthypervisor.agent.install;

import net.bytebuddy.jar.asm.AnnotationVisitor;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;
import org.agenthypervisor.core.governance.AnnotationInfo;
import org.agenthypervisor.core.governance.ClassInfo;
import org.agenthypervisor.core.governance.MethodInfo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what the planner needs from a class file: names, access flags, and every annotation
 * (visible and invisible) with its values, without loading any class and without reading code.
 */
public final class ClassScanner {
    private ClassScanner() {
    }

    public static ClassInfo scan(byte[] classFile) {
        Collector collector = new Collector();
        new ClassReader(classFile).accept(collector, ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return new ClassInfo(collector.name, collector.superName, collector.access, collector.annotations, collector.methods);
    }

    private static final class Collector extends ClassVisitor {
        String name;
        String superName;
        int access;
        final List<AnnotationInfo> annotations = new ArrayList<>();
        final List<MethodInfo> methods = new ArrayList<>();

        Collector() {
            super(Opcodes.ASM9);
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
            this.name = name.replace('/', '.');
            this.superName = superName == null ? null : superName.replace('/', '.');
            this.access = access;
        }

        @Override
        public AnnotationVisitor visitAnnotation(String descriptor, boolean visible) {
            return new Values(descriptor, new AddTo(annotations));
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
            List<AnnotationInfo> methodAnnotations = new ArrayList<>();
            return new MethodVisitor(Opcodes.ASM9) {
                @Override
                public AnnotationVisitor visitAnnotation(String annotationDescriptor, boolean visible) {
                    return new Values(annotationDescriptor, new AddTo(methodAnnotations));
                }

                @Override
                public void visitEnd() {
                    methods.add(new MethodInfo(name, descriptor, access, methodAnnotations));
                }
            };
        }
    }

    /** Collects one annotation's element values (strings, boxed primitives, enum names, lists). */
    /** Adds to a list (a class, not {@code list::add}: each method reference costs ~0.5 ms to link at start-up). */
    private static final class AddTo implements java.util.function.Consumer<AnnotationInfo> {
        private final List<AnnotationInfo> list;

        AddTo(List<AnnotationInfo> list) {
            this.list = list;
        }

        @Override
        public void accept(AnnotationInfo annotation) {
            list.add(annotation);
        }
    }

    private static final class Values extends AnnotationVisitor {
        private final String type;
        private final java.util.function.Consumer<AnnotationInfo> sink;
        private final Map<String, Object> values = new HashMap<>();

        Values(String descriptor, java.util.function.Consumer<AnnotationInfo> sink) {
            super(Opcodes.ASM9);
            this.type = Type.getType(descriptor).getClassName();
            this.sink = sink;
        }

        @Override
        public void visit(String name, Object value) {
            values.put(name, value instanceof Type ? ((Type) value).getClassName() : value);
        }

        @Override
        public void visitEnum(String name, String descriptor, String value) {
            values.put(name, value);
        }

        @Override
        public AnnotationVisitor visitArray(String name) {
            List<Object> list = new ArrayList<>();
            values.put(name, list);
            return new AnnotationVisitor(Opcodes.ASM9) {
                @Override
                public void visit(String ignored, Object value) {
                    list.add(value instanceof Type ? ((Type) value).getClassName() : value);
                }

                @Override
                public void visitEnum(String ignored, String descriptor, String value) {
                    list.add(value);
                }
            };
        }

        @Override
        public void visitEnd() {
            sink.accept(new AnnotationInfo(type, values));
        }
    }
}
