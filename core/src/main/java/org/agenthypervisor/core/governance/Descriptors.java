package org.agenthypervisor.core.governance;

import java.util.ArrayList;
import java.util.List;

/** Turns JVM descriptors into the source-like type names used in messages and the command line. */
public final class Descriptors {
    private Descriptors() {
    }

    public static List<String> parameterTypes(String descriptor) {
        List<String> out = new ArrayList<>();
        int i = 1;
        while (descriptor.charAt(i) != ')') {
            int end = typeEnd(descriptor, i);
            out.add(typeName(descriptor.substring(i, end)));
            i = end;
        }
        return out;
    }

    public static String returnType(String descriptor) {
        return typeName(descriptor.substring(descriptor.indexOf(')') + 1));
    }

    private static int typeEnd(String d, int i) {
        while (d.charAt(i) == '[') {
            i++;
        }
        return d.charAt(i) == 'L' ? d.indexOf(';', i) + 1 : i + 1;
    }

    /** {@code Ljava/lang/String;} to {@code java.lang.String}, {@code [I} to {@code int[]}. */
    public static String typeName(String t) {
        int dims = 0;
        while (t.charAt(dims) == '[') {
            dims++;
        }
        String base;
        switch (t.charAt(dims)) {
            case 'Z': base = "boolean"; break;
            case 'B': base = "byte"; break;
            case 'C': base = "char"; break;
            case 'S': base = "short"; break;
            case 'I': base = "int"; break;
            case 'J': base = "long"; break;
            case 'F': base = "float"; break;
            case 'D': base = "double"; break;
            case 'V': base = "void"; break;
            case 'L': base = t.substring(dims + 1, t.length() - 1).replace('/', '.'); break;
            default: throw new IllegalArgumentException("not a type descriptor: " + t);
        }
        return base + "[]".repeat(dims);
    }

    /** {@code com.acme.Db#execute(java.lang.String, int)}, the way methods are named everywhere. */
    public static String display(String className, String methodName, String descriptor) {
        List<String> params = parameterTypes(descriptor);
        StringBuilder out = new StringBuilder(className).append('#').append(methodName).append('(');
        for (int i = 0; i < params.size(); i++) {
            if (i > 0) {
                out.append(", ");
            }
            out.append(shorten(params.get(i)));
        }
        return out.append(')').toString();
    }

    /** {@code java.lang.String} reads as {@code String}; other packages stay qualified. */
    public static String shorten(String type) {
        return type.startsWith("java.lang.") && type.indexOf('.', 10) < 0 ? type.substring(10) : type;
    }
}
