package com.acme.capability;

import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.TreeSet;

/**
 * Run in a child JVM on the JDK under test: prints {@code MEMBER class name} for every public method
 * and constructor of the classes named {@code class:NAME}, and {@code ROW present|absent descriptor}
 * for each table row given as {@code row:class#method(descriptor-prefix}.
 */
public final class EntryPointInventory {
    private EntryPointInventory() {
    }

    public static void main(String[] args) throws Exception {
        for (String arg : args) {
            if (arg.startsWith("class:")) {
                String name = arg.substring("class:".length());
                Class<?> c;
                try {
                    c = Class.forName(name, false, null);
                } catch (ClassNotFoundException absent) {
                    System.out.println("ABSENT " + name);
                    continue;
                }
                TreeSet<String> names = new TreeSet<>();
                for (Method m : c.getMethods()) {
                    if (m.getDeclaringClass() != Object.class && Modifier.isPublic(m.getModifiers())) {
                        names.add(m.getName());
                    }
                }
                for (Constructor<?> k : c.getConstructors()) {
                    names.add("<init>");
                }
                names.forEach(n -> System.out.println("MEMBER " + name + " " + n));
            } else if (arg.startsWith("row:")) {
                String row = arg.substring("row:".length());
                String type = row.substring(0, row.indexOf('#'));
                String method = row.substring(row.indexOf('#') + 1, row.indexOf('('));
                String prefix = row.substring(row.indexOf('('));
                boolean present = false;
                try {
                    for (Method m : Class.forName(type, false, null).getDeclaredMethods()) {
                        String descriptor = MethodType.methodType(m.getReturnType(), m.getParameterTypes()).toMethodDescriptorString();
                        if (m.getName().equals(method) && descriptor.startsWith(prefix)) {
                            present = true;
                        }
                    }
                } catch (ClassNotFoundException absent) {
                    present = false;
                }
                System.out.println("ROW " + (present ? "present " : "absent ") + row);
            }
        }
    }
}
