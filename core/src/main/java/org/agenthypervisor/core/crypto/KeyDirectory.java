package org.agenthypervisor.core.crypto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A directory of Ed25519 keys, one pair per principal id (agent ids such as {@code billing} or
 * {@code ledger.v2}, and the hypervisor's own {@code hypervisor}). Not {@link java.security.KeyStore}.
 *
 * <h2>Files</h2>
 * <ul>
 *   <li>{@code <id>.key}: PEM "PRIVATE KEY", PKCS#8 (RFC 8410) of the 32-byte seed, i.e. the DER
 *   {@code 302e020100300506032b657004220420 ‖ seed}; permissions {@code rw-------} on POSIX.</li>
 *   <li>{@code <id>.pub}: PEM "PUBLIC KEY", SubjectPublicKeyInfo, i.e. {@code 302a300506032b6570032100 ‖
 *   key}; {@code rw-r--r--}.</li>
 * </ul>
 * Both are what {@code openssl genpkey -algorithm ed25519} and {@code openssl pkey -pubout} write and
 * read, so operators can inspect, back up, pre-provision or rotate keys with OpenSSL. The
 * {@code .key} file is the truth: a {@code .pub} must match it, and is rewritten if missing.
 *
 * <h2>Creation</h2>
 * {@link #getOrCreate} writes a new key to a temporary file in the same directory, forces it to disk,
 * and links it into place with {@link Files#createLink}, which fails rather than overwrite. Two
 * processes racing to create the same id therefore agree: the loser finds the winner's file and loads
 * it. (Where the file system has no hard links, a non-replacing move is used instead; its existence
 * check and rename are then two steps.) A directory this class creates gets {@code rwx------}. On file
 * systems without POSIX permissions the permission steps are skipped.
 *
 * <h2>Errors</h2>
 * A malformed or unreadable file, or a {@code .pub} that does not match its {@code .key}, is a
 * {@link KeyDirectoryException} naming the file. Nothing is ever overwritten or regenerated.
 *
 * <p>Loaded keys are cached for the life of the object; a file replaced on disk afterwards is not
 * noticed. Thread-safe.
 */
public final class KeyDirectory {
    /**
     * The id of the hypervisor's own key: it signs tree heads, seals saga journals and keys the
     * woven-class cache. The only id the directory uses for itself, so no agent may have it.
     */
    public static final String HYPERVISOR = "hypervisor";

    /** DER prefix of an Ed25519 PKCS#8 PrivateKeyInfo (RFC 8410): version 0, algorithm 1.3.101.112, OCTET STRING(OCTET STRING). */
    static final byte[] PKCS8_PREFIX = HexFormat.of().parseHex("302e020100300506032b657004220420");
    private static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> PUBLIC_FILE = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");

    private final Path directory;
    private final boolean readOnly;
    private final boolean posix;
    private final ConcurrentHashMap<String, SigningKey> signingKeys = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, PublicKey> publicKeys = new ConcurrentHashMap<>();

    private KeyDirectory(Path directory, boolean readOnly) {
        this.directory = directory;
        this.readOnly = readOnly;
        this.posix = directory.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /**
     * Opens {@code directory} for reading and creating keys, creating it (and its parents) if missing;
     * the directory itself is created {@code rwx------}.
     */
    public static KeyDirectory open(Path directory) {
        KeyDirectory keys = new KeyDirectory(directory.toAbsolutePath().normalize(), false);
        keys.createDirectory();
        return keys;
    }

    /**
     * Opens an existing {@code directory} that is never written to: for an operator-provided key set
     * or the command line. {@link #getOrCreate} then only loads.
     */
    public static KeyDirectory openReadOnly(Path directory) {
        Path dir = directory.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new KeyDirectoryException(dir, "key directory " + dir + " does not exist or is not a directory");
        }
        return new KeyDirectory(dir, true);
    }

    /**
     * Whether {@code id} is a valid principal id: {@code [a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?}, checked
     * by hand (compiling the pattern was a millisecond of every start).
     */
    public static boolean isValidId(String id) {
        if (id == null || id.isEmpty() || id.length() > 64) {
            return false;
        }
        int last = id.length() - 1;
        for (int i = 0; i <= last; i++) {
            char c = id.charAt(i);
            boolean alphanumeric = c >= 'a' && c <= 'z' || c >= '0' && c <= '9';
            if (!alphanumeric && (i == 0 || i == last || c != '.' && c != '_' && c != '-')) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code id}, in any case, names one of the directory's own keys ({@value #HYPERVISOR}):
     * an agent so named would sign as the hypervisor.
     */
    public static boolean isReservedId(String id) {
        return id != null && id.toLowerCase(Locale.ROOT).equals(HYPERVISOR);
    }

    /**
     * The key of agent {@code id}, as {@link #getOrCreate}, but never one of the directory's own keys:
     * fail closed rather than let an agent sign with the hypervisor's key.
     *
     * @throws KeyDirectoryException if {@code id} is reserved ({@link #isReservedId})
     */
    public SigningKey agentKey(String id) {
        if (isReservedId(id)) {
            throw new KeyDirectoryException(keyFile(HYPERVISOR), "refused: '" + id + "' is the hypervisor's own key id"
                    + " (" + keyFile(HYPERVISOR) + "); no agent may be named so or sign with that key");
        }
        return getOrCreate(id);
    }

    /** The directory. */
    public Path directory() {
        return directory;
    }

    /** Whether this object never creates or writes files. */
    public boolean isReadOnly() {
        return readOnly;
    }

    /**
     * The key of {@code id}: loaded if its file exists, else created (unless read-only).
     *
     * @throws IllegalArgumentException if {@code id} is not a valid id
     * @throws KeyDirectoryException if the key is missing in read-only mode, or its files are
     *     malformed, inconsistent or cannot be read or written
     */
    public SigningKey getOrCreate(String id) {
        checkId(id);
        SigningKey key = signingKeys.get(id);
        return key != null ? key : signingKeys.computeIfAbsent(id, new LoadOrCreate(this));
    }

    /**
     * {@link #loadOrCreate}, for {@code computeIfAbsent}. A class, not a lambda: each lambda costs
     * ~0.5 ms to link at start-up (issue 11), where the hypervisor's key is loaded.
     */
    private static final class LoadOrCreate implements Function<String, SigningKey> {
        private final KeyDirectory keys;

        LoadOrCreate(KeyDirectory keys) {
            this.keys = keys;
        }

        @Override
        public SigningKey apply(String id) {
            return keys.loadOrCreate(id);
        }
    }

    /** The key of {@code id} if its {@code .key} file exists; never creates one. */
    public Optional<SigningKey> signingKey(String id) {
        checkId(id);
        SigningKey cached = signingKeys.get(id);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<SigningKey> loaded = load(id);
        if (loaded.isEmpty()) {
            return Optional.empty();
        }
        SigningKey k = loaded.get();
        SigningKey previous = signingKeys.putIfAbsent(id, k);
        return Optional.of(previous != null ? previous : k);
    }

    /**
     * The public key of {@code id}: from its {@code .key} file if there is one (checked against the
     * {@code .pub}), else from its {@code .pub} file (a directory may hold only public keys of other
     * parties), else empty.
     */
    public Optional<PublicKey> publicKey(String id) {
        checkId(id);
        PublicKey cached = publicKeys.get(id);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<SigningKey> signing = signingKey(id);
        if (signing.isPresent()) {
            return Optional.of(signing.get().publicKey());
        }
        Path pubFile = pubFile(id);
        Optional<String> text = readIfExists(pubFile);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        PublicKey key = parsePublic(pubFile, text.get());
        PublicKey previous = publicKeys.putIfAbsent(id, key);
        return Optional.of(previous != null ? previous : key);
    }

    /** The ids that have a {@code .key} or a {@code .pub} file, sorted. Files with other names are ignored. */
    public List<String> ids() {
        Set<String> ids = new TreeSet<>();
        try {
            for (String name : org.agenthypervisor.core.store.DirectoryListing.names(directory)) {
                String id = name.endsWith(".key") ? name.substring(0, name.length() - 4)
                        : name.endsWith(".pub") ? name.substring(0, name.length() - 4) : null;
                if (id != null && isValidId(id)) {
                    ids.add(id);
                }
            }
        } catch (IOException e) {
            throw new KeyDirectoryException(directory, "cannot list key directory " + directory + ": " + e, e);
        }
        return new ArrayList<>(ids);
    }

    // ---------------------------------------------------------------- internals

    private static void checkId(String id) {
        if (!isValidId(id)) {
            throw new IllegalArgumentException("invalid principal id \"" + id
                    + "\": ids match [a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?");
        }
    }

    private Path keyFile(String id) {
        return directory.resolve(id + ".key");
    }

    private Path pubFile(String id) {
        return directory.resolve(id + ".pub");
    }

    private SigningKey loadOrCreate(String id) {
        Optional<SigningKey> existing = load(id);
        if (existing.isPresent()) {
            return existing.get();
        }
        Path keyFile = keyFile(id);
        if (readOnly) {
            throw new KeyDirectoryException(keyFile, "no key for \"" + id + "\": " + keyFile
                    + " does not exist and the key directory is read-only");
        }
        SigningKey fresh = Ed25519.generate();
        byte[] pem = Pem.encode("PRIVATE KEY", PublicKey.concat(PKCS8_PREFIX, fresh.seed()))
                .getBytes(StandardCharsets.US_ASCII);
        if (createExclusively(keyFile, pem, PRIVATE_FILE)) {
            writePublicFile(id, fresh);
            return fresh;
        }
        // Another process created it first: use theirs.
        Optional<SigningKey> theirs = load(id);
        if (theirs.isEmpty()) {
            throw new KeyDirectoryException(keyFile,
                    "key file " + keyFile + " was created by another process and then disappeared");
        }
        return theirs.get();
    }

    /** Loads {@code id}'s key if its file exists, checking (or, if writable and missing, writing) its .pub. */
    private Optional<SigningKey> load(String id) {
        Path keyFile = keyFile(id);
        Optional<String> text = readIfExists(keyFile);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        SigningKey key = parsePrivate(keyFile, text.get());
        Path pubFile = pubFile(id);
        Optional<String> pubText = readIfExists(pubFile);
        if (pubText.isPresent()) {
            checkMatches(keyFile, key, pubFile, parsePublic(pubFile, pubText.get()));
        } else if (!readOnly) {
            writePublicFile(id, key); // a crash between writing .key and .pub leaves it missing
        }
        return Optional.of(key);
    }

    private void writePublicFile(String id, SigningKey key) {
        Path pubFile = pubFile(id);
        byte[] pem = key.publicKey().toPem().getBytes(StandardCharsets.US_ASCII);
        if (!createExclusively(pubFile, pem, PUBLIC_FILE)) {
            // Someone else wrote it in the meantime; it must still match.
            Optional<String> text = readIfExists(pubFile);
            if (text.isPresent()) {
                checkMatches(keyFile(id), key, pubFile, parsePublic(pubFile, text.get()));
            }
        }
    }

    private static void checkMatches(Path keyFile, SigningKey key, Path pubFile, PublicKey pub) {
        if (!key.publicKey().equals(pub)) {
            throw new KeyDirectoryException(pubFile, "public key file " + pubFile + " (key id " + pub.keyId()
                    + ") does not match private key file " + keyFile + " (key id " + key.keyId() + ")");
        }
    }

    /**
     * {@code getOrCreate(id).deriveSecret(label)}, without building the key when its file exists:
     * only the seed is read, so nothing of Bouncy Castle loads (the start-up path uses this for the
     * woven-class cache; the first signature still loads and checks the whole key).
     */
    public byte[] deriveSecret(String id, String label) {
        checkId(id);
        SigningKey loaded = signingKeys.get(id);
        if (loaded != null) {
            return loaded.deriveSecret(label);
        }
        Path keyFile = keyFile(id);
        Optional<String> text = readIfExists(keyFile);
        if (text.isEmpty()) {
            return getOrCreate(id).deriveSecret(label);
        }
        return SigningKey.deriveSecret(seedOf(keyFile, text.get()), label);
    }

    /**
     * {@link #deriveSecret}, but only from a key file that exists: empty when there is none (nothing
     * is created; a read-only directory is fine).
     */
    public Optional<byte[]> deriveSecretIfPresent(String id, String label) {
        checkId(id);
        SigningKey loaded = signingKeys.get(id);
        if (loaded != null) {
            return Optional.of(loaded.deriveSecret(label));
        }
        Path keyFile = keyFile(id);
        Optional<String> text = readIfExists(keyFile);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(SigningKey.deriveSecret(seedOf(keyFile, text.get()), label));
    }

    private static byte[] seedOf(Path file, String text) {
        try {
            byte[] der = Pem.decode("PRIVATE KEY", text);
            if (der.length != PKCS8_PREFIX.length + Ed25519.SEED_SIZE
                    || !Arrays.equals(der, 0, PKCS8_PREFIX.length, PKCS8_PREFIX, 0, PKCS8_PREFIX.length)) {
                throw new IllegalArgumentException("not an Ed25519 PKCS#8 private key (expected the "
                        + (PKCS8_PREFIX.length + Ed25519.SEED_SIZE) + "-byte RFC 8410 encoding, got " + der.length
                        + " bytes starting " + HexFormat.of().formatHex(der, 0, Math.min(der.length, 16)) + ")");
            }
            return Arrays.copyOfRange(der, PKCS8_PREFIX.length, der.length);
        } catch (IllegalArgumentException e) {
            throw new KeyDirectoryException(file, "malformed private key file " + file + ": " + e.getMessage(), e);
        }
    }

    private static SigningKey parsePrivate(Path file, String text) {
        return Ed25519.signingKey(seedOf(file, text));
    }

    private static PublicKey parsePublic(Path file, String text) {
        try {
            return PublicKey.fromPem(text);
        } catch (IllegalArgumentException e) {
            throw new KeyDirectoryException(file, "malformed public key file " + file + ": " + e.getMessage(), e);
        }
    }

    private static Optional<String> readIfExists(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length > 64 * 1024) {
                throw new KeyDirectoryException(file, "key file " + file + " is " + bytes.length + " bytes, not a key");
            }
            return Optional.of(new String(bytes, StandardCharsets.US_ASCII));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new KeyDirectoryException(file, "cannot read key file " + file + ": " + e, e);
        }
    }

    private void createDirectory() {
        if (Files.isDirectory(directory)) {
            return;
        }
        try {
            Path parent = directory.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            if (posix) {
                Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
                // The umask may have masked bits off the attribute; it cannot have added any, but set
                // explicitly so the result does not depend on it.
                Files.setPosixFilePermissions(directory, PRIVATE_DIR);
            } else {
                Files.createDirectory(directory);
            }
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(directory)) {
                throw new KeyDirectoryException(directory, "key directory " + directory + " exists and is not a directory");
            }
        } catch (IOException e) {
            throw new KeyDirectoryException(directory, "cannot create key directory " + directory + ": " + e, e);
        }
    }

    /**
     * Writes {@code content} to {@code target} unless it exists. Returns false if it existed (possibly
     * created concurrently by another process), true if this call created it.
     */
    private boolean createExclusively(Path target, byte[] content, Set<PosixFilePermission> permissions) {
        Path tmp = null;
        try {
            FileAttribute<?>[] attrs = posix
                    ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PRIVATE_FILE)}
                    : new FileAttribute<?>[0];
            tmp = Files.createTempFile(directory, "." + target.getFileName() + ".", ".tmp", attrs);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            if (posix) {
                Files.setPosixFilePermissions(tmp, permissions);
            }
            boolean created;
            try {
                Files.createLink(target, tmp); // atomic, and never replaces an existing file
                created = true;
            } catch (FileAlreadyExistsException e) {
                created = false;
            } catch (UnsupportedOperationException | FileSystemException e) {
                created = moveWithoutReplacing(tmp, target);
            }
            forceDirectory();
            return created;
        } catch (IOException e) {
            throw new KeyDirectoryException(target, "cannot write key file " + target + ": " + e, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a leftover hidden temporary file is harmless
                }
            }
        }
    }

    private static boolean moveWithoutReplacing(Path tmp, Path target) throws IOException {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try {
            Files.move(tmp, target); // no REPLACE_EXISTING: fails if the target appeared meanwhile
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        }
    }

    /** Makes the new directory entry durable; not possible on every platform, and then skipped. */
    private void forceDirectory() {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Windows cannot open a directory as a channel; the file itself was forced.
        }
    }

    @Override
    public String toString() {
        return "KeyDirectory[" + directory + (readOnly ? ", read-only]" : "]");
    }
}
