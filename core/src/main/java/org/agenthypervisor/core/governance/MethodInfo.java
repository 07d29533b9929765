package org.agenthypervisor.core.governance;

import java.lang.reflect.Modifier;
import java.util.List;

/**
 * A method as found in a class file. Access flags are the JVM's ({@code ACC_*}).
 *
 * @param name        {@code <init>} for constructors
 * @param descriptor  the JVM descriptor, e.g. {@code (Ljava/lang/String;I)V}
 */
public record MethodInfo(String name, String descriptor, int access, List<AnnotationInfo> annotations) {
    /** JVM access flags not in {@link Modifier}. */
    public static final int ACC_BRIDGE = 0x0040;
    public static final int ACC_VARARGS = 0x0080;
    public static final int ACC_SYNTHETIC = 0x1000;

    public MethodInfo {
        annotations = List.copyOf(annotations);
    }

    public boolean isConstructor() {
        return name.equals("<init>");
    }

    public boolean isClassInitializer() {
        return name.equals("<clinit>");
    }

    public boolean isStatic() {
        return Modifier.isStatic(access);
    }

    public boolean isPublic() {
        return Modifier.isPublic(access);
    }

    public boolean isAbstract() {
        return Modifier.isAbstract(access);
    }

    public boolean isNative() {
        return Modifier.isNative(access);
    }

    public boolean isBridge() {
        return (access & ACC_BRIDGE) != 0;
    }

    public boolean isSynthetic() {
        return (access & ACC_SYNTHETIC) != 0;
    }

    /** A lambda body compiled into its enclosing class. */
    public boolean isLambdaBody() {
        return isSynthetic() && name.startsWith("lambda$");
    }

    public AnnotationInfo annotation(String type) {
        for (AnnotationInfo a : annotations) {
            if (a.type().equals(type)) {
                return a;
            }
        }
        return null;
    }

    /** The parameter types in source form, e.g. {@code [java.lang.String, int]}. */
    public List<String> parameterTypes() {
        return Descriptors.parameterTypes(descriptor);
    }

    /** The return type in source form, e.g. {@code void}. */
    public String returnType() {
        return Descriptors.returnType(descriptor);
    }
}
