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
 * <p>Index format ({@code META-INF/agent-hypervisor/classes}), version 3: int magic, int version, int
 * blocks, int classes, int capacity, the lookup table (capacity ints: an entry's position in the file
 * plus one, 0 for empty; linear probing from the low bits of the folded hash), then per class: long
 * FNV-1a 64-bit hash of its path (UTF-8, without {@code .classdata}), short block, int offset, int
 * length. The paths themselves, one per line in entry order, are {@code META-INF/agent-hypervisor/names},
 * read only to list the module's contents: a start inflated 350 KB of names to look up a few hundred
 * (version 2 held them in the index). The build fails if two paths share a hash. Blocks are
 * {@code META-INF/agent-hypervisor/blocks/N}. Read by {@code org.agenthypervisor.agent.ClassBlocks}.
 */
public class PackInternals {
    static final int MAGIC = 0x41484349;
    /** 3: hashes instead of paths (2: paths, and the lookup table built here; 1: entries only). */
    static final int VERSION = 3;
    static final String NAMES = "META-INF/agent-hypervisor/names";
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
        // Open addressing with linear probing, as ClassBlocks.locate reads it: a slot holds an entry's
        // position in the index file plus one (0: empty), found from the low bits of the folded hash.
        int capacity = Integer.highestOneBit(Math.max(4, index.size() * 2 - 1)) << 1;
        int header = 20;
        int entryBytes = 18;
        int entriesAt = header + 4 * capacity;
        int[] slots = new int[capacity];
        Map<Long, String> byHash = new java.util.HashMap<>();
        List<Long> hashes = new ArrayList<>();
        for (String path : index.keySet()) {
            long h = hash64(path.getBytes(StandardCharsets.UTF_8));
            String other = byHash.put(h, path);
            if (other != null) {
                throw new IOException("two classes share an index hash: " + other + " and " + path + " (change the hash)");
            }
            hashes.add(h);
        }
        for (int i = 0; i < hashes.size(); i++) {
            int slot = fold(hashes.get(i)) & (capacity - 1);
            while (slots[slot] != 0) {
                slot = (slot + 1) & (capacity - 1);
            }
            slots[slot] = entriesAt + i * entryBytes + 1;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringBuilder names = new StringBuilder();
        try (DataOutputStream data = new DataOutputStream(out)) {
            data.writeInt(MAGIC);
            data.writeInt(VERSION);
            data.writeInt(blocks.size());
            data.writeInt(index.size());
            data.writeInt(capacity);
            for (int slot : slots) {
                data.writeInt(slot);
            }
            int i = 0;
            for (Map.Entry<String, long[]> e : index.entrySet()) {
                data.writeLong(hashes.get(i++));
                data.writeShort((int) e.getValue()[0]);
                data.writeInt((int) e.getValue()[1]);
                data.writeInt((int) e.getValue()[2]);
                names.append(e.getKey()).append('\n');
            }
        }
        Files.write(dir.resolve(NAMES), names.toString().getBytes(StandardCharsets.UTF_8));
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
            int version;
            if (in.readInt() != MAGIC || (version = in.readInt()) < 2 || version > VERSION) {
                throw new IOException(indexFile + " is not an index this step wrote");
            }
            int blockCount = in.readInt();
            int classes = in.readInt();
            in.skipNBytes(4L * in.readInt()); // the lookup table
            byte[][] blocks = new byte[blockCount][];
            for (int i = 0; i < blockCount; i++) {
                blocks[i] = Files.readAllBytes(dir.resolve(BLOCKS + i));
            }
            List<String> paths = version >= 3 ? Files.readAllLines(dir.resolve(NAMES), StandardCharsets.UTF_8) : null;
            for (int i = 0; i < classes; i++) {
                String path;
                if (paths == null) {
                    path = in.readUTF();
                } else {
                    in.readLong();
                    path = paths.get(i);
                }
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
        Files.deleteIfExists(dir.resolve(NAMES));
        try (Stream<Path> old = Files.list(dir.resolve(BLOCKS))) {
            for (Path p : old.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(indexFile);
    }

    /** ClassBlocks.hash64: FNV-1a, 64 bits, over a path's UTF-8 bytes (the same in both, or no class is found). */
    static long hash64(byte[] path) {
        long h = 0xcbf29ce484222325L;
        for (byte b : path) {
            h = (h ^ (b & 0xFF)) * 0x100000001b3L;
        }
        return h;
    }

    /** ClassBlocks.fold: the slot of a hash is the low bits of its two halves xored. */
    static int fold(long h) {
        return (int) (h ^ (h >>> 32));
    }
}
