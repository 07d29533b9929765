package org.agenthypervisor.core.governance;

import java.util.List;

/**
 * A class as found in a class file: what the planner needs to decide what is governed.
 *
 * @param name      binary name with dots, e.g. {@code com.acme.Billing$1}
 * @param superName binary name of the superclass, or null for {@code java.lang.Object}
 * @param access    the JVM access flags of the class
 */
public record ClassInfo(String name, String superName, int access, List<AnnotationInfo> annotations,
                        List<MethodInfo> methods) {
    public static final int ACC_INTERFACE = 0x0200;
    public static final int ACC_ANNOTATION = 0x2000;
    public static final int ACC_ENUM = 0x4000;

    public ClassInfo {
        annotations = List.copyOf(annotations);
        methods = List.copyOf(methods);
    }

    public AnnotationInfo annotation(String type) {
        for (AnnotationInfo a : annotations) {
            if (a.type().equals(type)) {
                return a;
            }
        }
        return null;
    }

    public boolean isInterface() {
        return (access & ACC_INTERFACE) != 0;
    }

    public boolean isEnum() {
        return (access & ACC_ENUM) != 0;
    }

    public boolean isRecord() {
        return "java.lang.Record".equals(superName);
    }

    public boolean isAnnotationType() {
        return (access & ACC_ANNOTATION) != 0;
    }

    /** Whether this is an anonymous or local class ({@code Outer$1}, {@code Outer$1Local}). */
    public boolean isAnonymousOrLocal() {
        int dollar = name.lastIndexOf('$');
        return dollar > 0 && dollar + 1 < name.length() && Character.isDigit(name.charAt(dollar + 1));
    }

    /** The enclosing class's name for a nested class, else null. */
    public String enclosingName() {
        int dollar = name.lastIndexOf('$');
        return dollar > 0 ? name.substring(0, dollar) : null;
    }

    public String simpleName() {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? name : name.substring(dot + 1);
    }
}
