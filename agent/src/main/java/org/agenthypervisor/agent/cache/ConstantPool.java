package org.agenthypervisor.agent.cache;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Reads and patches the integer and long constants of a class file's constant pool, without a
 * bytecode library: what a cached weave needs to put this start's site ids and keys where the
 * weave left placeholders. A {@code ldc}/{@code ldc2_w} names its constant by index, so replacing
 * a constant's value changes exactly the instructions that load it.
 */
public final class ConstantPool {
    private static final int INTEGER = 3;
    private static final int FLOAT = 4;
    private static final int LONG = 5;
    private static final int DOUBLE = 6;

    private ConstantPool() {
    }

    /** The int and long constants of a class file. */
    public record Constants(Set<Integer> ints, Set<Long> longs) {
    }

    public static Constants read(byte[] classFile) {
        Set<Integer> ints = new HashSet<>();
        Set<Long> longs = new HashSet<>();
        walk(classFile, (tag, offset) -> {
            if (tag == INTEGER) {
                ints.add(readInt(classFile, offset));
            } else if (tag == LONG) {
                longs.add(readLong(classFile, offset));
            }
        });
        return new Constants(ints, longs);
    }

    /**
     * A copy of {@code classFile} with each int constant that is a key of {@code ints} and each long
     * constant that is a key of {@code longs} replaced by its value; null when a key is there twice
     * (the copy would not be what the weave meant). A key that is not there is no error: a ring
     * check has a site id but no site key.
     */
    public static byte[] patch(byte[] classFile, Map<Integer, Integer> ints, Map<Long, Long> longs) {
        Patcher patcher = new Patcher(classFile, ints, longs);
        walk(classFile, patcher);
        return patcher.twice ? null : patcher.out;
    }

    /** Writes the replacements into a copy (a class, not a lambda: a start patches the JDK's woven classes). */
    private static final class Patcher implements Visitor {
        private final byte[] classFile;
        private final Map<Integer, Integer> ints;
        private final Map<Long, Long> longs;
        final byte[] out;
        private final Set<Integer> seenInts = new HashSet<>();
        private final Set<Long> seenLongs = new HashSet<>();
        boolean twice;

        Patcher(byte[] classFile, Map<Integer, Integer> ints, Map<Long, Long> longs) {
            this.classFile = classFile;
            this.ints = ints;
            this.longs = longs;
            this.out = classFile.clone();
        }

        @Override
        public void constant(int tag, int offset) {
            if (tag == INTEGER) {
                int value = readInt(classFile, offset);
                Integer replacement = ints.get(value);
                if (replacement != null) {
                    twice |= !seenInts.add(value);
                    writeInt(out, offset, replacement);
                }
            } else if (tag == LONG) {
                long value = readLong(classFile, offset);
                Long replacement = longs.get(value);
                if (replacement != null) {
                    twice |= !seenLongs.add(value);
                    writeInt(out, offset, (int) (replacement >>> 32));
                    writeInt(out, offset + 4, replacement.intValue());
                }
            }
        }
    }

    /**
     * A copy of {@code classFile} in which every occurrence of {@code from} inside a Utf8 constant
     * is replaced by {@code to}. Constants are referred to by index, never by offset, so an entry
     * may change its length. (A lambda's class is named after a counter that differs from start to
     * start: the cache keeps it under a fixed name and gives it back its own.)
     */
    public static byte[] renameInUtf8(byte[] classFile, String from, String to) {
        java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream(classFile.length + 64);
        java.io.DataOutputStream out = new java.io.DataOutputStream(buffer);
        int[] copied = {0};
        try {
            walk(classFile, (tag, offset) -> {
                if (tag != 1) {
                    return;
                }
                int length = readUnsignedShort(classFile, offset);
                String value;
                try {
                    value = new java.io.DataInputStream(new java.io.ByteArrayInputStream(classFile, offset, length + 2)).readUTF();
                } catch (java.io.IOException malformed) {
                    throw new IllegalArgumentException("malformed Utf8 constant", malformed);
                }
                if (!value.contains(from)) {
                    return;
                }
                try {
                    out.write(classFile, copied[0], offset - copied[0]);
                    out.writeUTF(value.replace(from, to));
                } catch (java.io.IOException impossible) {
                    throw new IllegalStateException(impossible);
                }
                copied[0] = offset + 2 + length;
            });
            out.write(classFile, copied[0], classFile.length - copied[0]);
        } catch (java.io.IOException impossible) {
            throw new IllegalStateException(impossible);
        }
        return buffer.toByteArray();
    }

    private interface Visitor {
        void constant(int tag, int offset);
    }

    /** The offset just after the constant pool of a class file (its access flags). */
    static int end(byte[] classFile) {
        return walk(classFile, null);
    }

    /** Calls the visitor (if any) with each constant's tag and the offset of its value; returns the pool's end. */
    private static int walk(byte[] b, Visitor visitor) {
        if (b.length < 10 || readInt(b, 0) != 0xCAFEBABE) {
            throw new IllegalArgumentException("not a class file");
        }
        int count = readUnsignedShort(b, 8);
        int offset = 10;
        for (int index = 1; index < count; index++) {
            int tag = b[offset] & 0xFF;
            int value = offset + 1;
            switch (tag) {
                case 1 -> offset = value + 2 + readUnsignedShort(b, value);          // Utf8
                case INTEGER, FLOAT -> offset = value + 4;
                case LONG, DOUBLE -> offset = value + 8;
                case 7, 8, 16, 19, 20 -> offset = value + 2;                        // Class, String, MethodType, Module, Package
                case 9, 10, 11, 12, 17, 18 -> offset = value + 4;                   // refs, NameAndType, (Invoke)Dynamic
                case 15 -> offset = value + 3;                                       // MethodHandle
                default -> throw new IllegalArgumentException("unknown constant pool tag " + tag + " at entry " + index);
            }
            if (visitor != null) {
                visitor.constant(tag, value);
            }
            if (tag == LONG || tag == DOUBLE) {
                index++; // eight-byte constants take two entries
            }
        }
        return offset;
    }

    private static int readUnsignedShort(byte[] b, int offset) {
        return ((b[offset] & 0xFF) << 8) | (b[offset + 1] & 0xFF);
    }

    private static int readInt(byte[] b, int offset) {
        return ((b[offset] & 0xFF) << 24) | ((b[offset + 1] & 0xFF) << 16) | ((b[offset + 2] & 0xFF) << 8) | (b[offset + 3] & 0xFF);
    }

    private static long readLong(byte[] b, int offset) {
        return ((long) readInt(b, offset) << 32) | (readInt(b, offset + 4) & 0xFFFFFFFFL);
    }

    private static void writeInt(byte[] b, int offset, int value) {
        b[offset] = (byte) (value >>> 24);
        b[offset + 1] = (byte) (value >>> 16);
        b[offset + 2] = (byte) (value >>> 8);
        b[offset + 3] = (byte) value;
    }
}
