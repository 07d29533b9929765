package org.agenthypervisor.core.policy;

import org.agenthypervisor.core.crypto.HmacSha256;
import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.store.AtomicFiles;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The YAML node tree of a policy that parsed and read without a problem, kept under the SHA-256 of
 * the policy file's bytes, so that the next start with the same file skips SnakeYAML's scanner,
 * parser and composer (about a hundred classes and their regular expressions: tens of milliseconds
 * of every start). Only the composing is skipped: {@link PolicyReader} reads the cached tree as it
 * reads a fresh one, so validation, warnings, environment variables and the policy's digest are
 * what they would be.
 *
 * <p>An entry is {@code "AHPC" | version | HMAC-SHA256(secret, sha256 | tree) | tree}, the secret
 * derived from the hypervisor's key (label {@value #SECRET_LABEL}): whoever cannot read the key file
 * cannot make a start read a policy other than the file's. An entry that fails its check, or does not
 * decode, is reported and the file parsed afresh. Writing keeps only the newest entry; a failure to
 * read or write is only a slower start.
 */
public final class ComposedPolicyCache {
    private static final Log LOG = Log.get("policy");
    private static final byte[] MAGIC = {'A', 'H', 'P', 'C'};
    private static final byte VERSION = 1;
    private static final int HEADER = MAGIC.length + 1 + HmacSha256.LENGTH;
    /** The label of the secret derived from the hypervisor's key for this cache. */
    public static final String SECRET_LABEL = "agent-hypervisor composed policy cache v1";
    private static final byte SCALAR = 0;
    private static final byte MAPPING = 1;
    private static final byte SEQUENCE = 2;
    /**
     * The largest entry read: a tree's encoding is at most about a dozen bytes per character of the
     * policy it was composed from (a one-character scalar with its tag, style and position).
     */
    private static final long MAX_ENTRY = HEADER + 64L * PolicyParser.MAX_BYTES;
    private static final ScalarStyle[] SCALAR_STYLES = ScalarStyle.values();
    private static final FlowStyle[] FLOW_STYLES = FlowStyle.values();

    private final Path dir;
    private final Path dataDir;
    private final Path workingDir;
    private final boolean dataDirFromPolicy;
    private final Supplier<byte[]> secret;
    private volatile String rejected;
    private byte[] resolvedSecret;
    private boolean secretAsked;
    private volatile boolean hit;
    private volatile boolean unusable;

    /**
     * @param dataDir           the data directory (absolute, normalised); the entries are in its
     *                          {@code cache/policy}
     * @param workingDir        what a relative {@code dataDir} in a policy is resolved against
     * @param dataDirFromPolicy whether {@code dataDir} is the default one, which a policy may move: then
     *                          only a policy that names no other is served
     * @param secret            the HMAC key, or null while there is none (before the first start made
     *                          the key): asked once, when first needed
     */
    public ComposedPolicyCache(Path dataDir, Path workingDir, boolean dataDirFromPolicy, Supplier<byte[]> secret) {
        this.dataDir = dataDir;
        this.workingDir = workingDir;
        this.dir = dataDir.resolve("cache").resolve("policy");
        this.dataDirFromPolicy = dataDirFromPolicy;
        this.secret = secret;
    }

    /** The problem with an entry this start refused, or null: the installer audits it once the log is open. */
    public String rejected() {
        return rejected;
    }

    /**
     * Whether the cache may serve a policy of these bytes. The secret comes from the key in the data
     * directory the cache is in, found before the policy is read, so the cache serves only a policy
     * that keeps its keys there: every line that names {@code keysDir} must give it no value (the
     * default, {@code <dataDir>/keys}), and, when the data directory is the default one rather than
     * an agent option, every line that names {@code dataDir} must name that one. The check is on the
     * text and strict (a plain {@code key: value} line, nothing continuing it on the next line, no
     * backslash anywhere that an escape could spell a key with); anything else is parsed every time.
     */
    boolean usableFor(byte[] policy) {
        boolean usable = usableText(policy);
        unusable = !usable;
        return usable;
    }

    /**
     * Whether this start read the policy as every start will from now on: from the cache, or parsed
     * because the cache can never serve this policy. (The class preloader's list is written only then,
     * so that it lists SnakeYAML's parser exactly when starts will need it.)
     */
    public boolean settled() {
        return hit || unusable;
    }

    private boolean usableText(byte[] policy) {
        for (byte b : policy) {
            if (b == '\\' || b == '\t') {
                return false;
            }
        }
        String[] lines = new String(policy, StandardCharsets.UTF_8).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = stripCr(lines[i]);
            // What precedes a comment (a '#' at the start, or after a space on a line without quotes, where
            // it could be inside a quoted scalar); a comment names nothing.
            String code = line.strip().startsWith("#") ? ""
                    : line.contains(" #") && line.indexOf('"') < 0 && line.indexOf('\'') < 0 ? line.substring(0, line.indexOf(" #"))
                    : line;
            boolean keys = code.contains("keysDir");
            boolean data = dataDirFromPolicy && code.contains("dataDir");
            if (!keys && !data) {
                continue;
            }
            if (keys && data) {
                return false;
            }
            java.util.regex.Matcher m = (keys ? Lines.NULL_KEYS_DIR : Lines.PLAIN_DATA_DIR).matcher(line);
            if (!m.matches() || !endsHere(lines, i, m.group(1).length())) {
                return false;
            }
            if (data && !dataDirIs(m.group(2))) {
                return false;
            }
        }
        return true;
    }

    /** Compiled when a policy names {@code keysDir} or {@code dataDir}: most never do, and a start compiles no pattern. */
    private static final class Lines {
        static final java.util.regex.Pattern NULL_KEYS_DIR =
                java.util.regex.Pattern.compile("( *)keysDir: *(?:null|Null|NULL|~)? *(?:#.*)?");
        static final java.util.regex.Pattern PLAIN_DATA_DIR =
                java.util.regex.Pattern.compile("( *)dataDir: +([^ #'\"*&!|>{}\\[\\]%@`,?:-][^ #]*) *(?:#.*)?");
    }

    private static String stripCr(String line) {
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    /** Whether the next line with content is indented no deeper than the key: nothing continues its value. */
    private static boolean endsHere(String[] lines, int at, int indent) {
        for (int i = at + 1; i < lines.length; i++) {
            String line = stripCr(lines[i]);
            String content = line.strip();
            if (content.isEmpty() || content.startsWith("#")) {
                continue;
            }
            int depth = 0;
            while (depth < line.length() && line.charAt(depth) == ' ') {
                depth++;
            }
            return depth <= indent;
        }
        return true;
    }

    private boolean dataDirIs(String value) {
        try {
            return workingDir.resolve(value).normalize().equals(dataDir);
        } catch (RuntimeException invalidPath) {
            return false;
        }
    }

    /** Whether the last {@link #get} answered (for the start-up log). */
    public boolean hit() {
        return hit;
    }

    private byte[] secret() {
        if (!secretAsked) {
            secretAsked = true;
            try {
                resolvedSecret = secret.get();
            } catch (RuntimeException unavailable) {
                LOG.debug("no key for the composed policy cache yet: " + unavailable.getMessage());
            }
        }
        return resolvedSecret;
    }

    /** The tree cached for the policy of this digest, or null. */
    Node get(String sha256, String source) {
        byte[] key = secret();
        if (key == null) {
            return null;
        }
        Path file = dir.resolve(sha256);
        byte[] entry;
        try {
            if (Files.size(file) > MAX_ENTRY) {
                // Larger than any tree of a policy under the parser's cap: not read into memory at start.
                String problem = "the composed policy cache entry " + file + " is larger than any policy's tree"
                        + " (" + Files.size(file) + " bytes); the policy is parsed afresh";
                LOG.warn(problem);
                rejected = problem;
                return null;
            }
            entry = Files.readAllBytes(file);
        } catch (NoSuchFileException absent) {
            return null;
        } catch (IOException | RuntimeException unreadable) {
            LOG.debug("cannot read the composed policy cache entry " + file + ": " + unreadable);
            return null;
        }
        if (entry.length < HEADER || !Arrays.equals(entry, 0, MAGIC.length, MAGIC, 0, MAGIC.length)
                || entry[MAGIC.length] != VERSION
                || !MessageDigest.isEqual(Arrays.copyOfRange(entry, MAGIC.length + 1, HEADER),
                tag(key, sha256, entry, HEADER, entry.length - HEADER))) {
            String problem = "the composed policy cache entry " + file + " failed its authentication check (tampered with,"
                    + " cut short, or written under another key); the policy is parsed afresh";
            LOG.warn(problem);
            rejected = problem;
            return null;
        }
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(entry, HEADER, entry.length - HEADER))) {
            Node root = read(in, source);
            if (in.read() != -1) {
                throw new IOException("bytes after the tree");
            }
            hit = true;
            if (LOG.isDebugEnabled()) {
                LOG.debug("policy " + source + " read from the composed-policy cache " + file);
            }
            return root;
        } catch (IOException | RuntimeException | StackOverflowError undecodable) {
            String problem = "the composed policy cache entry " + file + " does not decode (" + undecodable
                    + "); the policy is parsed afresh";
            LOG.warn(problem);
            rejected = problem;
            return null;
        }
    }

    /** Keeps the tree of a policy that read without a problem; removes the other entries. */
    void put(String sha256, Node root) {
        byte[] key = secret();
        if (key == null || root == null) {
            return;
        }
        byte[] tree;
        try {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream(1024);
            try (DataOutputStream out = new DataOutputStream(buffer)) {
                write(out, root, Collections.newSetFromMap(new IdentityHashMap<>()));
            }
            tree = buffer.toByteArray();
        } catch (SharedNodeException | IOException | StackOverflowError notKept) {
            return; // anchors and aliases (one node in two places) are parsed at every start
        }
        byte[] entry = new byte[HEADER + tree.length];
        System.arraycopy(MAGIC, 0, entry, 0, MAGIC.length);
        entry[MAGIC.length] = VERSION;
        System.arraycopy(tree, 0, entry, HEADER, tree.length);
        System.arraycopy(tag(key, sha256, tree, 0, tree.length), 0, entry, MAGIC.length + 1, HmacSha256.LENGTH);
        try {
            Files.createDirectories(dir);
            for (String old : org.agenthypervisor.core.store.DirectoryListing.names(dir)) {
                if (!old.equals(sha256)) {
                    Files.deleteIfExists(dir.resolve(old));
                }
            }
            AtomicFiles.replaceWithoutForce(dir.resolve(sha256), entry);
        } catch (IOException | RuntimeException failed) {
            LOG.debug("cannot write the composed policy cache in " + dir + ": " + failed);
        }
    }

    private static byte[] tag(byte[] key, String sha256, byte[] bytes, int offset, int length) {
        return new HmacSha256(key).update(sha256.getBytes(StandardCharsets.US_ASCII)).update(bytes, offset, length).doFinal();
    }

    /** A node reachable twice (a YAML alias): such a tree is not cached. */
    private static final class SharedNodeException extends RuntimeException {
        SharedNodeException() {
            super(null, null, false, false);
        }
    }

    private static void write(DataOutputStream out, Node node, java.util.Set<Node> seen) throws IOException {
        if (!seen.add(node)) {
            throw new SharedNodeException();
        }
        if (node instanceof ScalarNode scalar) {
            out.writeByte(SCALAR);
            head(out, node);
            out.writeByte(scalar.getScalarStyle().ordinal());
            text(out, scalar.getValue());
        } else if (node instanceof MappingNode mapping) {
            out.writeByte(MAPPING);
            head(out, node);
            out.writeByte(mapping.getFlowStyle().ordinal());
            out.writeInt(mapping.getValue().size());
            for (NodeTuple tuple : mapping.getValue()) {
                write(out, tuple.getKeyNode(), seen);
                write(out, tuple.getValueNode(), seen);
            }
        } else if (node instanceof SequenceNode sequence) {
            out.writeByte(SEQUENCE);
            head(out, node);
            out.writeByte(sequence.getFlowStyle().ordinal());
            out.writeInt(sequence.getValue().size());
            for (Node item : sequence.getValue()) {
                write(out, item, seen);
            }
        } else {
            throw new SharedNodeException(); // an anchor node or a kind this version does not know
        }
    }

    private static void head(DataOutputStream out, Node node) throws IOException {
        text(out, node.getTag().getValue());
        Optional<Mark> mark = node.getStartMark();
        out.writeInt(mark.map(Mark::getLine).orElse(-1));
        out.writeInt(mark.map(Mark::getColumn).orElse(-1));
    }

    private static void text(DataOutputStream out, String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static Node read(DataInputStream in, String source) throws IOException {
        byte kind = in.readByte();
        Tag tag = new Tag(text(in));
        int line = in.readInt();
        int column = in.readInt();
        Optional<Mark> mark = line < 0 ? Optional.empty() : Optional.of(new Mark(source, 0, line, column, new int[0], 0));
        int style = in.readUnsignedByte();
        switch (kind) {
            case SCALAR -> {
                if (style >= SCALAR_STYLES.length) {
                    throw new IOException("unknown scalar style " + style);
                }
                return new ScalarNode(tag, true, text(in), SCALAR_STYLES[style], mark, mark);
            }
            case MAPPING -> {
                int size = count(in, style);
                List<NodeTuple> tuples = new ArrayList<>(size);
                for (int i = 0; i < size; i++) {
                    tuples.add(new NodeTuple(read(in, source), read(in, source)));
                }
                return new MappingNode(tag, true, tuples, FLOW_STYLES[style], mark, mark);
            }
            case SEQUENCE -> {
                int size = count(in, style);
                List<Node> items = new ArrayList<>(size);
                for (int i = 0; i < size; i++) {
                    items.add(read(in, source));
                }
                return new SequenceNode(tag, true, items, FLOW_STYLES[style], mark, mark);
            }
            default -> throw new IOException("unknown node kind " + kind);
        }
    }

    private static int count(DataInputStream in, int style) throws IOException {
        if (style >= FLOW_STYLES.length) {
            throw new IOException("unknown flow style " + style);
        }
        int size = in.readInt();
        if (size < 0 || size > in.available()) {
            throw new IOException("a collection of " + size + " nodes");
        }
        return size;
    }

    private static String text(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
            throw new IOException("a text of " + length + " bytes");
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    /** For tests: whether two trees are the same for {@link PolicyReader} (kinds, tags, values, positions). */
    static boolean sameTree(Node a, Node b) {
        if (a.getClass() != b.getClass() || !a.getTag().equals(b.getTag())
                || !a.getStartMark().map(m -> m.getLine() + ":" + m.getColumn()).equals(b.getStartMark().map(m -> m.getLine() + ":" + m.getColumn()))) {
            return false;
        }
        if (a instanceof ScalarNode sa) {
            return sa.getValue().equals(((ScalarNode) b).getValue()) && sa.getScalarStyle() == ((ScalarNode) b).getScalarStyle();
        }
        if (a instanceof MappingNode ma) {
            List<NodeTuple> x = ma.getValue();
            List<NodeTuple> y = ((MappingNode) b).getValue();
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!sameTree(x.get(i).getKeyNode(), y.get(i).getKeyNode()) || !sameTree(x.get(i).getValueNode(), y.get(i).getValueNode())) {
                    return false;
                }
            }
            return true;
        }
        List<Node> x = ((SequenceNode) a).getValue();
        List<Node> y = ((SequenceNode) b).getValue();
        if (x.size() != y.size()) {
            return false;
        }
        for (int i = 0; i < x.size(); i++) {
            if (!sameTree(x.get(i), y.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** For tests: the tree as this cache stores it, read back. */
    static Node roundTrip(Node root, String source) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(buffer)) {
            write(out, root, Collections.newSetFromMap(new IdentityHashMap<>()));
        }
        return read(new DataInputStream(new java.io.ByteArrayInputStream(buffer.toByteArray())), source);
    }
}
