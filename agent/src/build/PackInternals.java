import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Build step (run twice by the agent's pom: {@code java PackInternals.java unpack INTERNALS_DIR} before the
 * package index is written, {@code java PackInternals.java pack INTERNALS_DIR STARTUP_LIST} after): packs
 * the internals' {@code .classdata} files into blocks of about {@value #BLOCK} bytes that the jar
 * then deflates whole, plus an index of where each class is. A class file deflated on its own
 * cannot share anything with its neighbours (the same relocated package names, descriptors and
 * attribute names in every one); deflated in blocks they do, and the jar is about a quarter
 * smaller. Classes the start loads come first, in the order it loads them (the list is a build input;
 * a stale list only costs speed), so a start inflates few blocks; the rest follow by name. The list
 * holds a warm start's classes first (the {@code classes.list} a warm hello-world start writes under
 * {@code <dataDir>/cache/woven/<build>/}), then those a first start adds (Byte Buddy's weaving): with
 * the first start's order alone, a warm start's ~360 classes lay among ~1,200 and its class preloader
 * inflated some fifty blocks, 7 MB of garbage, at every start.
 *
 * <p>Index format ({@code META-INF/agent-hypervisor/classes}): int magic, int version, int blocks,
 * int classes, then per class: UTF path without {@code .classdata}, short block, int offset, int length.
 * Blocks are {@code META-INF/agent-hypervisor/blocks/N}. Read by {@code org.agenthypervisor.agent.ClassBlocks}.
 */
public class PackInternals {
    static final int MAGIC = 0x41484349;
    /** 2: the lookup table is built here, not by every start (1: entries only). */
    static final int VERSION = 2;
    static final int BLOCK = 64 << 10;
    static final String SUFFIX = ".classdata";
    static final String INDEX = "META-INF/agent-hypervisor/classes";
    static final String BLOCKS = "META-INF/agent-hypervisor/blocks/";

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[1]);
        if (args[0].equals("unpack")) {
            // Before the package index is made from the .classdata files, which must then all be files.
            unpackEarlierLayout(dir);
            return;
        }
        if (!args[0].equals("pack")) {
            throw new IllegalArgumentException("usage: PackInternals unpack DIR | pack DIR [STARTUP_LIST]");
        }
        List<String> startup = args.length > 2 && Files.isRegularFile(Path.of(args[2]))
                ? Files.readAllLines(Path.of(args[2]), StandardCharsets.UTF_8) : List.of();
        if (Files.exists(dir.resolve(INDEX))) {
            throw new IOException(dir.resolve(INDEX) + " exists: run 'unpack' first");
        }
        Map<String, Path> byName = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            all.filter(p -> p.toString().endsWith(SUFFIX)).forEach(p -> {
                String rel = dir.relativize(p).toString().replace('\\', '/');
                byName.put(rel.substring(0, rel.length() - SUFFIX.length()), p);
            });
        }
        Set<String> order = new LinkedHashSet<>();
        for (String line : startup) {
            String path = line.trim().replace('.', '/');
            if (byName.containsKey(path)) {
                order.add(path);
            }
        }
        order.addAll(byName.keySet());

        Map<String, long[]> index = new LinkedHashMap<>();
        List<byte[]> blocks = new ArrayList<>();
        ByteArrayOutputStream block = new ByteArrayOutputStream(BLOCK);
        for (String path : order) {
            byte[] bytes = Files.readAllBytes(byName.get(path));
            if (block.size() > 0 && block.size() + bytes.length > BLOCK) {
                blocks.add(block.toByteArray());
                block.reset();
            }
            index.put(path, new long[] {blocks.size(), block.size(), bytes.length});
            block.write(bytes);
        }
        if (block.size() > 0) {
            blocks.add(block.toByteArray());
        }
        Files.createDirectories(dir.resolve(BLOCKS));
        for (int i = 0; i < blocks.size(); i++) {
            Files.write(dir.resolve(BLOCKS + i), blocks.get(i));
        }
        // The entries first, to learn where each lands; then the header, the lookup table and the entries.
        ByteArrayOutputStream entries = new ByteArrayOutputStream();
        List<Integer> positions = new ArrayList<>();
        List<byte[]> names = new ArrayList<>();
        try (DataOutputStream data = new DataOutputStream(entries)) {
            for (Map.Entry<String, long[]> e : index.entrySet()) {
                positions.add(data.size());
                data.writeUTF(e.getKey());
                data.writeShort((int) e.getValue()[0]);
                data.writeInt((int) e.getValue()[1]);
                data.writeInt((int) e.getValue()[2]);
            }
        }
        byte[] entryBytes = entries.toByteArray();
        for (int position : positions) {
            int length = (entryBytes[position] & 0xFF) << 8 | (entryBytes[position + 1] & 0xFF);
            names.add(java.util.Arrays.copyOfRange(entryBytes, position + 2, position + 2 + length));
        }
        // Open addressing with linear probing, as ClassBlocks.locate reads it: a slot holds an entry's
        // position in the index file plus one (0: empty), the hash ClassBlocks.hash.
        int capacity = Integer.highestOneBit(Math.max(4, index.size() * 2 - 1)) << 1;
        int header = 20;
        int entriesAt = header + 4 * capacity;
        int[] slots = new int[capacity];
        for (int i = 0; i < positions.size(); i++) {
            byte[] name = names.get(i);
            int slot = hash(name) & (capacity - 1);
            while (slots[slot] != 0) {
                slot = (slot + 1) & (capacity - 1);
            }
            slots[slot] = entriesAt + positions.get(i) + 1;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DataOutputStream data = new DataOutputStream(out)) {
            data.writeInt(MAGIC);
            data.writeInt(VERSION);
            data.writeInt(blocks.size());
            data.writeInt(index.size());
            data.writeInt(capacity);
            for (int slot : slots) {
                data.writeInt(slot);
            }
            data.write(entryBytes);
        }
        Files.write(dir.resolve(INDEX), out.toByteArray());
        for (Path p : byName.values()) {
            Files.delete(p);
        }
        System.out.println("packed " + index.size() + " classes into " + blocks.size() + " blocks of up to " + BLOCK
                + " bytes (" + startup.size() + " names in the start-up list)");
    }

    /** A build without {@code clean} re-lays out a packed jar: turn its blocks back into files first. */
    private static void unpackEarlierLayout(Path dir) throws IOException {
        Path indexFile = dir.resolve(INDEX);
        if (!Files.isRegularFile(indexFile)) {
            return;
        }
        try (DataInputStream in = new DataInputStream(Files.newInputStream(indexFile))) {
            if (in.readInt() != MAGIC || in.readInt() != VERSION) {
                throw new IOException(indexFile + " is not an index this step wrote");
            }
            int blockCount = in.readInt();
            int classes = in.readInt();
            in.skipNBytes(4L * in.readInt()); // the lookup table
            byte[][] blocks = new byte[blockCount][];
            for (int i = 0; i < blockCount; i++) {
                blocks[i] = Files.readAllBytes(dir.resolve(BLOCKS + i));
            }
            for (int i = 0; i < classes; i++) {
                String path = in.readUTF();
                int b = in.readShort() & 0xFFFF;
                int offset = in.readInt();
                int length = in.readInt();
                Path file = dir.resolve(path + SUFFIX);
                if (!Files.exists(file)) {
                    Files.createDirectories(file.getParent());
                    Files.write(file, java.util.Arrays.copyOfRange(blocks[b], offset, offset + length));
                }
            }
        }
        try (Stream<Path> old = Files.list(dir.resolve(BLOCKS))) {
            for (Path p : old.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(indexFile);
    }

    /** ClassBlocks.hash: FNV-1a over the length and the last 32 bytes of a name (the same in both, or no class is found). */
    static int hash(byte[] name) {
        int length = name.length;
        int h = (0x811c9dc5 ^ length) * 0x01000193;
        for (int i = Math.max(0, length - 32); i < length; i++) {
            h = (h ^ (name[i] & 0xFF)) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }
}
