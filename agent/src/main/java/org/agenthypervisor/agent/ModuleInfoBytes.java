package org.agenthypervisor.agent;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The internals' module declaration as a {@code module-info} class file, for
 * {@code ModuleDescriptor.read}: it requires {@code java.base}, exports and opens nothing, uses and
 * provides the services given.
 *
 * <p>Why not {@code ModuleDescriptor.newModule(..).provides(..)}: the strict builder checks each
 * provider name with a method reference, and on JDK 25 that lambda (and its method-handle form) were
 * two of the class-file API's generated classes at every start. With the JDK's own premain call and
 * module resolution they took its stack-map generator over C1's threshold of 256 calls in the
 * compilation policy's checks, and that one C1 compilation took ~7.6 MB of compiler memory: about
 * half the starts had 4 MB more peak RSS. Read from a class file, the descriptor is built by the
 * JDK's non-strict builder, which checks the names itself.
 */
final class ModuleInfoBytes {
    private static final int ACC_MODULE = 0x8000;
    private static final int ACC_MANDATED = 0x8000;

    private final Map<String, Integer> utf8 = new LinkedHashMap<>();
    private final ByteArrayOutputStream pool = new ByteArrayOutputStream();
    private final DataOutputStream poolOut = new DataOutputStream(pool);
    private int count = 1;

    private ModuleInfoBytes() {
    }

    /**
     * @param module   the module's name
     * @param uses     the service types it uses (binary names)
     * @param provides each service type it provides (binary name) with its providers (binary names)
     */
    static byte[] of(String module, List<String> uses, Map<String, List<String>> provides) throws IOException {
        ModuleInfoBytes cp = new ModuleInfoBytes();
        int thisClass = cp.classEntry("module-info");
        int attributeName = cp.utf8("Module");
        int moduleName = cp.entry(19, cp.utf8(module));
        int javaBase = cp.entry(19, cp.utf8("java.base"));
        ByteArrayOutputStream attribute = new ByteArrayOutputStream();
        DataOutputStream a = new DataOutputStream(attribute);
        a.writeShort(moduleName);
        a.writeShort(0); // flags
        a.writeShort(0); // no version
        a.writeShort(1);
        a.writeShort(javaBase);
        a.writeShort(ACC_MANDATED);
        a.writeShort(0);
        a.writeShort(0); // exports
        a.writeShort(0); // opens
        a.writeShort(uses.size());
        for (String service : uses) {
            a.writeShort(cp.classEntry(service.replace('.', '/')));
        }
        a.writeShort(provides.size());
        for (Map.Entry<String, List<String>> p : provides.entrySet()) {
            a.writeShort(cp.classEntry(p.getKey().replace('.', '/')));
            a.writeShort(p.getValue().size());
            for (String provider : p.getValue()) {
                a.writeShort(cp.classEntry(provider.replace('.', '/')));
            }
        }
        a.flush();
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + cp.pool.size() + attribute.size());
        DataOutputStream o = new DataOutputStream(out);
        o.writeInt(0xCAFEBABE);
        o.writeShort(0);
        o.writeShort(53); // Java 9, the first with modules: read by every JDK the agent supports
        cp.poolOut.flush();
        o.writeShort(cp.count);
        cp.pool.writeTo(o);
        o.writeShort(ACC_MODULE);
        o.writeShort(thisClass);
        o.writeShort(0); // no super class
        o.writeShort(0); // interfaces
        o.writeShort(0); // fields
        o.writeShort(0); // methods
        o.writeShort(1);
        o.writeShort(attributeName);
        o.writeInt(attribute.size());
        attribute.writeTo(o);
        o.flush();
        return out.toByteArray();
    }

    private int utf8(String text) throws IOException {
        Integer known = utf8.get(text);
        if (known != null) {
            return known;
        }
        poolOut.writeByte(1);
        poolOut.writeUTF(text);
        utf8.put(text, count);
        return count++;
    }

    private int classEntry(String internalName) throws IOException {
        return entry(7, utf8(internalName));
    }

    /** A constant of one index (Class 7, Module 19). */
    private int entry(int tag, int nameIndex) throws IOException {
        poolOut.writeByte(tag);
        poolOut.writeShort(nameIndex);
        return count++;
    }
}
