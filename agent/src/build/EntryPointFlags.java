import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Marks the agent's {@code premain} and {@code agentmain} ACC_VARARGS in the packaged
 * {@code AgentMain.class}, which javac cannot do for a method whose last parameter is not an array.
 *
 * <p>Why: the JVM calls them through core reflection. From JDK 18 on, reflection builds a method
 * handle for every method it first invokes, and for {@code premain} that spun seven lambda-form
 * classes before the agent ran a line (on JDK 25 through the ClassFile API, whose stack-map
 * generator the JIT then compiled at a cost of ~7 MB of compiler memory in most starts). For a
 * method flagged varargs whose last parameter is not an array, reflection uses the VM's own
 * invocation instead (jdk.internal.reflect.MethodHandleAccessorFactory.useNativeAccessor: "Such
 * restriction does not exist in core reflection and the JVM"). Nothing else changes: the JVM
 * ignores the flag, and so does the agent's lookup of these methods by name and parameter types.
 *
 * <p>Fails the build when a method is not found, so a renamed entry point cannot lose the flag
 * unnoticed ({@code PackagingIT} checks the packaged jar too).
 *
 * <pre>java EntryPointFlags.java path/to/AgentMain.class</pre>
 */
public class EntryPointFlags {
    private static final int ACC_VARARGS = 0x0080;
    private static final String DESCRIPTOR = "(Ljava/lang/String;Ljava/lang/instrument/Instrumentation;)V";

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[0]);
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (in.getInt() != 0xCAFEBABE) {
            throw new IOException(file + " is not a class file");
        }
        in.getShort(); // minor
        in.getShort(); // major
        int count = in.getShort() & 0xFFFF;
        String[] utf8 = new String[count];
        for (int i = 1; i < count; i++) {
            int tag = in.get() & 0xFF;
            switch (tag) {
                case 1 -> {
                    int length = in.getShort() & 0xFFFF;
                    byte[] text = new byte[length + 2];
                    text[0] = (byte) (length >>> 8);
                    text[1] = (byte) length;
                    in.get(text, 2, length);
                    utf8[i] = new DataInputStream(new java.io.ByteArrayInputStream(text)).readUTF();
                }
                case 3, 4 -> in.position(in.position() + 4);
                case 5, 6 -> {
                    in.position(in.position() + 8);
                    i++; // a long or double takes two entries
                }
                case 7, 8, 16, 19, 20 -> in.position(in.position() + 2);
                case 9, 10, 11, 12, 17, 18 -> in.position(in.position() + 4);
                case 15 -> in.position(in.position() + 3);
                default -> throw new IOException(file + ": constant pool tag " + tag);
            }
        }
        in.position(in.position() + 6); // access flags, this class, super class
        int interfaces = in.getShort() & 0xFFFF;
        in.position(in.position() + 2 * interfaces);
        skipMembers(in); // fields
        int methods = in.getShort() & 0xFFFF;
        int flagged = 0;
        for (int m = 0; m < methods; m++) {
            int flagsAt = in.position();
            int flags = in.getShort() & 0xFFFF;
            String name = utf8[in.getShort() & 0xFFFF];
            String descriptor = utf8[in.getShort() & 0xFFFF];
            skipAttributes(in);
            if ((name.equals("premain") || name.equals("agentmain")) && descriptor.equals(DESCRIPTOR)) {
                bytes[flagsAt] = (byte) ((flags | ACC_VARARGS) >>> 8);
                bytes[flagsAt + 1] = (byte) (flags | ACC_VARARGS);
                flagged++;
            }
        }
        if (flagged != 2) {
            throw new IOException(file + ": expected premain and agentmain" + DESCRIPTOR + ", found " + flagged);
        }
        Files.write(file, bytes);
        System.out.println("premain and agentmain of " + file.getFileName() + " marked ACC_VARARGS");
    }

    private static void skipMembers(ByteBuffer in) {
        int count = in.getShort() & 0xFFFF;
        for (int i = 0; i < count; i++) {
            in.position(in.position() + 6);
            skipAttributes(in);
        }
    }

    private static void skipAttributes(ByteBuffer in) {
        int count = in.getShort() & 0xFFFF;
        for (int i = 0; i < count; i++) {
            in.getShort();
            int length = in.getInt();
            in.position(in.position() + length);
        }
    }
}
