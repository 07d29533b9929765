package org.agenthypervisor.agent.cache;

import org.agenthypervisor.core.crypto.PolynomialMac;
import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.store.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Woven class files by a keyed digest of everything that decides them: the agent build, the JDK,
 * the kind of weave, the class name, its bytes (its methods in a canonical order,
 * {@link ClassFileDigest}) and the plan. An entry is {@code "AHWC" | version | tag(name, payload) |
 * payload}. Names and tags are {@link PolynomialMac}s under a secret derived from the hypervisor's
 * signing key, so whoever cannot read the key file can neither plant bytecode here nor make
 * another class's bytes look up an entry. An entry that fails its check is reported (logged and
 * passed to the problem sink, which audits it) and woven afresh; nothing read from the cache is
 * trusted without its tag.
 *
 * <p>Not HMAC-SHA256 over the class files: a start digests about 1.3 MB of them (the JDK classes it
 * retransforms, in and out) before the JIT has compiled anything, and SHA-256 there cost tens of
 * milliseconds of the start and C2's compiling its compression function up to three times.
 *
 * <p>The directory holds one subdirectory per agent build and JDK; opening removes the others.
 * Writes go to a temporary file and are renamed into place (a crash leaves no half entry under the
 * entry's name); no fsync, since a lost entry only costs one weave.
 */
public final class WovenClassCache {
    private static final Log LOG = Log.get("instrumentation");
    private static final byte[] MAGIC = {'A', 'H', 'W', 'C'};
    private static final byte VERSION = 2; // 1: names SHA-256, tags HMAC-SHA256
    private static final int TAG = PolynomialMac.LENGTH;
    private static final byte[] NAME_CONTEXT = "name".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = MAGIC.length + 1 + TAG;
    /** The label of the secret derived from the hypervisor's key for this cache. */
    public static final String SECRET_LABEL = "agent-hypervisor woven-class cache v1";

    private final Path dir;
    private final PolynomialMac mac;
    private final byte[] context;
    private final Consumer<String> problems;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private volatile boolean writeFailureLogged;
    /** Whether the build's directory held no entry when the cache opened (a first start: everything will miss). */
    private final boolean emptyAtOpen;

    private WovenClassCache(Path dir, byte[] secret, byte[] context, Consumer<String> problems) {
        this.dir = dir;
        boolean empty = true;
        if (dir != null) {
            try {
                empty = org.agenthypervisor.core.store.DirectoryListing.names(dir).isEmpty();
            } catch (IOException | RuntimeException unreadable) {
                empty = true;
            }
        }
        this.emptyAtOpen = empty;
        this.mac = secret == null ? null : new PolynomialMac(secret);
        this.context = context;
        this.problems = problems;
    }

    /** A cache that never hits and keeps nothing (agent option {@code weaveCache=false}, or no data directory). */
    public static WovenClassCache disabled() {
        return new WovenClassCache(null, null, new byte[0], problem -> { });
    }

    /**
     * @param root     the cache's directory ({@code <dataDir>/cache/woven})
     * @param secret   the MAC's key (derived from the hypervisor's key with {@link #SECRET_LABEL})
     * @param build    what identifies the agent build (its jar's path, size and modification time)
     * @param problems where a rejected entry is reported (the audit log)
     */
    public static WovenClassCache open(Path root, byte[] secret, String build, Consumer<String> problems) {
        if (secret == null) {
            return disabled(); // nothing to authenticate entries with: nothing is read or written
        }
        byte[] context = sha256(identity(build).getBytes(StandardCharsets.UTF_8));
        Path dir = buildDirectory(root, build);
        String current = dir.getFileName().toString();
        try {
            Files.createDirectories(dir);
            removeOtherBuilds(root, current);
        } catch (IOException | RuntimeException unusable) {
            LOG.warn("the woven-class cache in " + root + " is unusable (" + unusable + "); every start weaves afresh");
            return disabled();
        }
        return new WovenClassCache(dir, secret, context, problems);
    }

    private static String identity(String build) {
        return build + "|" + System.getProperty("java.vm.version") + "|" + System.getProperty("java.home");
    }

    /**
     * The directory of this agent build and JDK under {@code root}: named by a 64-bit FNV-1a hash of
     * their identity (only a name; the entries' names and tags are SHA-256 and HMAC), so that it can
     * be found before the JDK's security providers are up.
     */
    public static Path buildDirectory(Path root, String build) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : identity(build).getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xFF)) * 0x100000001b3L;
        }
        return root.resolve(HexFormat.of().toHexDigits(hash)); // not String.format: its first use costs ~10 ms
    }

    /** The directory of this build's entries (null when the cache is off). */
    public Path directory() {
        return dir;
    }

    private static void removeOtherBuilds(Path root, String current) throws IOException {
        for (String name : org.agenthypervisor.core.store.DirectoryListing.names(root)) {
            Path build = root.resolve(name);
            if (name.equals(current) || !Files.isDirectory(build)) {
                continue;
            }
            for (String entry : org.agenthypervisor.core.store.DirectoryListing.names(build)) {
                Files.deleteIfExists(build.resolve(entry)); // woven classes and the start-up class list
            }
            Files.deleteIfExists(build);
        }
    }

    public boolean enabled() {
        return dir != null;
    }

    /** True when this build's directory was empty at open: asking the cache first would only cost time. */
    public boolean emptyAtOpen() {
        return emptyAtOpen;
    }

    /**
     * The entry name of one weave (only for an enabled cache).
     *
     * @param kind      which weaver ("integration", "governed")
     * @param decisive  everything besides the bytes that decides the output, as text
     */
    public String name(String kind, String className, byte[] bytes, String decisive) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("woven-class cache lookup " + kind + " " + className + " " + bytes.length + " bytes, " + decisive);
        }
        PolynomialMac.Session digest = mac.begin();
        digest.update(context);
        update(digest, kind);
        update(digest, className);
        update(digest, decisive);
        ClassFileDigest.update(digest, bytes);
        return HexFormat.of().formatHex(digest.finish(NAME_CONTEXT));
    }

    private static void update(PolynomialMac.Session digest, String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        digest.update((byte) (utf8.length >>> 24));
        digest.update((byte) (utf8.length >>> 16));
        digest.update((byte) (utf8.length >>> 8));
        digest.update((byte) utf8.length);
        digest.update(utf8);
    }

    /** The payload stored under {@code name}, or null when there is none or it fails its check. */
    public byte[] get(String name) {
        byte[][] parts = read(name, false);
        return parts == null ? null : parts[0];
    }

    /**
     * A payload stored as {@code body ‖ trailer ‖ the trailer's length} (4 bytes, big-endian; see
     * {@link #withTrailer}), read into two arrays, {body, trailer}, or null when there is none or it
     * fails its check. The body is what a transformer hands back: read into an array of its own, it
     * needs no copy (the JDK classes a start weaves from the cache are ~400 KB).
     */
    public byte[][] getWithTrailer(String name) {
        return read(name, true);
    }

    /** {@code body ‖ trailer ‖ the trailer's length}, the payload that {@link #getWithTrailer} splits again. */
    public static byte[] withTrailer(byte[] body, byte[] trailer) {
        byte[] payload = new byte[body.length + trailer.length + 4];
        System.arraycopy(body, 0, payload, 0, body.length);
        System.arraycopy(trailer, 0, payload, body.length, trailer.length);
        int n = trailer.length;
        int at = payload.length - 4;
        payload[at] = (byte) (n >>> 24);
        payload[at + 1] = (byte) (n >>> 16);
        payload[at + 2] = (byte) (n >>> 8);
        payload[at + 3] = (byte) n;
        return payload;
    }

    private byte[][] read(String name, boolean split) {
        if (dir == null) {
            return null;
        }
        Path file = dir.resolve(name);
        byte[] header = new byte[HEADER];
        byte[][] parts;
        // The header and the payload each into their own arrays: the payload (or its body) is what
        // the transformer hands back, so no copy of it (a start reads ~30 of these, half a megabyte).
        try (SeekableByteChannel channel = Files.newByteChannel(file)) {
            long size = channel.size();
            if (size < HEADER || size - HEADER > Integer.MAX_VALUE - 16) {
                parts = null;
            } else if (!split) {
                parts = new byte[][] {new byte[(int) (size - HEADER)]};
                readFully(channel, header);
                readFully(channel, parts[0]);
            } else {
                int payload = (int) (size - HEADER);
                int trailer = -1;
                if (payload >= 4) {
                    byte[] length = new byte[4];
                    channel.position(size - 4);
                    readFully(channel, length);
                    channel.position(0);
                    trailer = (length[0] & 0xFF) << 24 | (length[1] & 0xFF) << 16 | (length[2] & 0xFF) << 8 | (length[3] & 0xFF);
                }
                if (trailer < 0 || trailer > payload - 4) {
                    parts = null; // fails the check below, as a damaged entry
                } else {
                    parts = new byte[][] {new byte[payload - 4 - trailer], new byte[trailer + 4]};
                    readFully(channel, header);
                    readFully(channel, parts[0]);
                    readFully(channel, parts[1]);
                }
            }
        } catch (java.nio.file.NoSuchFileException absent) {
            misses.incrementAndGet();
            if (LOG.isDebugEnabled()) {
                LOG.debug("woven-class cache miss: " + name);
            }
            return null;
        } catch (IOException | RuntimeException unreadable) {
            misses.incrementAndGet();
            LOG.warn("cannot read the woven-class cache entry " + file + ": " + unreadable);
            return null;
        }
        if (parts == null || !Arrays.equals(header, 0, MAGIC.length, MAGIC, 0, MAGIC.length)
                || header[MAGIC.length] != VERSION
                || !MessageDigest.isEqual(Arrays.copyOfRange(header, MAGIC.length + 1, HEADER), tag(name, parts))) {
            rejected.incrementAndGet();
            String problem = "woven-class cache entry " + file + " failed its authentication check (tampered with, "
                    + "cut short, or written under another key); it is ignored and the class woven afresh";
            LOG.warn(problem);
            problems.accept(problem);
            return null;
        }
        hits.incrementAndGet();
        return parts;
    }

    private static void readFully(SeekableByteChannel channel, byte[] into) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(into);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new IOException("the entry is shorter than its size");
            }
        }
    }

    /** Stores a payload under {@code name}; a failure is logged once and otherwise ignored (the cache is only a cache). */
    public void put(String name, byte[] payload) {
        if (dir == null) {
            return;
        }
        byte[] entry = new byte[HEADER + payload.length];
        System.arraycopy(MAGIC, 0, entry, 0, MAGIC.length);
        entry[MAGIC.length] = VERSION;
        System.arraycopy(payload, 0, entry, HEADER, payload.length);
        System.arraycopy(tag(name, entry, HEADER, payload.length), 0, entry, MAGIC.length + 1, TAG);
        Path file = dir.resolve(name);
        try {
            AtomicFiles.replaceWithoutForce(file, entry);
        } catch (IOException | RuntimeException failed) {
            if (!writeFailureLogged) {
                writeFailureLogged = true;
                LOG.warn("cannot write to the woven-class cache in " + dir + " (" + failed + "); classes are woven at every start");
            }
        }
    }

    private byte[] tag(String name, byte[] bytes, int offset, int length) {
        return mac.begin().update(bytes, offset, length).finish(("entry " + name).getBytes(StandardCharsets.US_ASCII));
    }

    /** The tag of a payload read in pieces: the same as of the pieces joined. */
    private byte[] tag(String name, byte[][] pieces) {
        PolynomialMac.Session session = mac.begin();
        for (byte[] piece : pieces) {
            session.update(piece, 0, piece.length);
        }
        return session.finish(("entry " + name).getBytes(StandardCharsets.US_ASCII));
    }

    public long hits() {
        return hits.get();
    }

    public long misses() {
        return misses.get();
    }

    public long rejected() {
        return rejected.get();
    }

    @Override
    public String toString() {
        return dir == null ? "woven-class cache off" : "woven-class cache " + dir + " (" + hits + " hit(s), " + misses
                + " miss(es), " + rejected + " rejected)";
    }

    private static MessageDigest digest() {
        return org.agenthypervisor.core.crypto.Sha256.newDigest();
    }

    private static byte[] sha256(byte[] bytes) {
        return digest().digest(bytes);
    }
}
