package org.agenthypervisor.core.policy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.agenthypervisor.core.policy.PolicyException.Problem;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Reads policy files ({@code version: 1}) strictly: every unknown key, wrong type, out-of-range value
 * and missing required key is reported with file, line, column and key path, all of them at once, in
 * file order. A policy that parses is complete: every default is filled in.
 *
 * <p>The YAML is composed to a node tree rather than loaded into maps, because only nodes remember
 * where they were written; a message without a line number sends the user hunting. Scalars are
 * resolved with the YAML 1.2 core schema, so {@code off}, {@code yes} and {@code no} are strings and
 * only {@code true}/{@code false} are booleans (YAML 1.1's "Norway problem" cannot switch a policy off).
 * Enum values ({@code mode}, {@code durability}, {@code signing}, {@code onInternalError}) are lowercase
 * only: there is one way to write each, and the error for {@code Enforce} says so.
 */
public final class PolicyParser {

    /**
     * The largest policy accepted, in bytes (1 MiB; real policies are a few kilobytes). Checked before
     * anything is parsed: start-up and every reload pay for what they read, and only what is under the
     * cap is read at all.
     */
    public static final int MAX_BYTES = 1 << 20;

    /** {@link Policy#source()} of {@link #defaults()}. */
    public static final String DEFAULT_SOURCE = "built-in default";

    /**
     * The keys the parser accepts, by place in the document. A place is a key path with
     * {@code *} for a map key chosen by the user (an agent id) and {@code []} for a list entry:
     * {@code ""} (top level), {@code "agents.*"}, {@code "rules[]"}, {@code "trust.thresholds"}. The
     * JSON Schema in {@code policies/} and {@code docs/policy.md} are tested against this table, so
     * the three cannot drift apart; the parser reads its allowed keys from it too.
     */
    static final Map<String, Set<String>> KNOWN_KEYS = knownKeys();

    private PolicyParser() {
    }

    private static Map<String, Set<String>> knownKeys() {
        Map<String, Set<String>> keys = new LinkedHashMap<>();
        keys.put("", keys("version", "mode", "onInternalError", "dataDir", "host", "agents", "rules",
                "compensations", "sagas", "trust", "liability", "saga", "sessions", "audit", "frameworks", "rings",
                "observe", "store", "elevation", "approval"));
        keys.put("host", keys("ring"));
        keys.put("agents.*", keys("classes", "ring", "trust", "minTrust", "aiServices", "agenticNames", "onDenial",
                "capabilities", "codeSource", "rate"));
        keys.put("agents.*.capabilities", capabilityKeys());
        keys.put("rings.*", keys("capabilities", "rate"));
        keys.put("rings.*.capabilities", capabilityKeys());
        for (String owner : List.of("agents.*", "rings.*")) {
            keys.put(owner + ".rate", keys("calls", "tools", "handoffs"));
            for (String kind : List.of("calls", "tools", "handoffs")) {
                keys.put(owner + ".rate." + kind, keys("rate", "burst", "onLimit", "maxWait"));
            }
        }
        keys.put("rules[]", keys("methods", "annotatedWith", "tools", "ring", "handoff", "partial", "approval"));
        keys.put("compensations[]", keys("method", "compensate", "compensateInDoubt"));
        keys.put("sagas[]", keys("methods", "aiService", "agentic", "name"));
        keys.put("frameworks", keys("onDenial", "unidentifiedRing", "offerDeniedTools", "langchain4j", "springAi",
                "reactor"));
        keys.put("trust", keys("thresholds"));
        keys.put("trust.thresholds", keys("0", "1", "2"));
        keys.put("liability", keys("signing", "keysDir", "ringViolationSeverity", "riskWeights", "floor", "decay",
                "maxDepth", "recovery", "anomalies", "retention", "archive", "breach"));
        keys.put("liability.breach", keys("window", "minCalls", "thresholds", "severity", "cooldown"));
        keys.put("liability.breach.thresholds", keys("low", "medium", "high", "critical"));
        keys.put("liability.breach.severity", keys("none", "low", "medium", "high", "critical"));
        keys.put("liability.riskWeights", keys("compensable", "partial", "default"));
        keys.put("liability.recovery", keys("rate", "every"));
        keys.put("liability.anomalies", keys("refusedHandoff", "stepFailure", "compensationFailure"));
        keys.put("saga", keys("durability", "retries", "backoff", "maxBackoff", "recoverOnStart", "retention", "archive"));
        keys.put("sessions", keys("minTrust", "maxParticipants", "keys", "named", "readsWhileQuarantined"));
        keys.put("sessions.keys[]", keys("key", "readRing", "writeRing"));
        keys.put("sessions.named[]", keys("name", "minTrust", "maxParticipants"));
        keys.put("observe", keys("opentelemetry"));
        keys.put("store", keys("postgres"));
        keys.put("elevation", keys("defaultTtl", "maxTtl", "allowRing0"));
        keys.put("approval", keys("timeout", "approver"));
        keys.put("store.postgres", keys("url", "user", "passwordEnv", "schema", "pool", "onUnavailable",
                "sagaLease"));
        keys.put("audit", keys("durability", "flushInterval", "treeHeadEvery", "treeHeadInterval", "onWriteFailure", "retention", "archive"));
        return Collections.unmodifiableMap(keys);
    }

    /** A loop, not a stream of lambdas: each lambda costs ~0.5 ms to link at start-up (issue 11). */
    private static Set<String> capabilityKeys() {
        org.agenthypervisor.core.capabilities.Capability[] capabilities =
                org.agenthypervisor.core.capabilities.Capability.values();
        String[] names = new String[capabilities.length];
        for (int i = 0; i < capabilities.length; i++) {
            names[i] = capabilities[i].key();
        }
        return keys(names);
    }

    private static Set<String> keys(String... names) {
        return Collections.unmodifiableSet(new LinkedHashSet<>(List.of(names)));
    }

    /**
     * Reads and validates a policy file.
     *
     * @param file the policy; {@link Policy#source()} is this path as given
     * @throws PolicyException listing every problem found, in file order
     * @throws IOException     if the file cannot be read
     */
    public static Policy parse(Path file) throws PolicyException, IOException {
        byte[] bytes = read(file);
        String source = file.toString();
        return parse(decodeUtf8(bytes, source), source, sha256(bytes));
    }

    /**
     * {@link #parse(Path)}, reading the composed tree from {@code cache} when it holds the tree of these
     * very bytes, and keeping it there once the policy read without a problem (null: no cache).
     */
    public static Policy parse(Path file, ComposedPolicyCache cache) throws PolicyException, IOException {
        if (cache == null) {
            return parse(file);
        }
        byte[] bytes = read(file);
        if (!cache.usableFor(bytes)) {
            String source = file.toString();
            return parse(decodeUtf8(bytes, source), source, sha256(bytes));
        }
        String source = file.toString();
        String sha256 = sha256(bytes);
        Node cached = cache.get(sha256, source);
        if (cached != null) {
            Policy policy = new PolicyReader(source).read(cached, sha256);
            if (policy != null) {
                return policy;
            }
            // The tree read before; if it does not now (an environment variable changed?), parse the
            // file itself, so that the problems are reported as they would be without the cache.
        }
        Optional<Node> root = compose(decodeUtf8(bytes, source), source);
        PolicyReader reader = new PolicyReader(source);
        Policy policy = reader.read(root.orElse(null), sha256);
        if (policy == null) {
            throw new PolicyException(reader.problems());
        }
        if (root.isPresent()) {
            cache.put(sha256, root.get());
        }
        return policy;
    }

    /**
     * The bytes of a policy file, at most {@link #MAX_BYTES}: reads at most one byte more, so a huge
     * file (or an endless one, such as a device) costs no more than the cap.
     *
     * @throws PolicyException naming the file, its size and the limit, if it is larger
     */
    public static byte[] read(Path file) throws PolicyException, IOException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        }
        if (bytes.length > MAX_BYTES) {
            throw tooLarge(file.toString(), sizeOf(file));
        }
        return bytes;
    }

    private static String sizeOf(Path file) {
        try {
            if (Files.isRegularFile(file)) {
                return Files.size(file) + " bytes";
            }
        } catch (IOException unknown) {
            // the size is only for the message
        }
        return "more than " + MAX_BYTES + " bytes";
    }

    private static PolicyException tooLarge(String source, String size) {
        return single(source, 1, 1, "the policy is too large: " + size + ", the limit is " + MAX_BYTES + " bytes (1 MiB);"
                + " nothing of it was parsed (a policy is a few kilobytes: look for a pasted blob or a long comment)");
    }

    /**
     * Validates a policy given as text.
     *
     * @param yaml       the policy
     * @param sourceName what to call it in messages and in {@link Policy#source()}
     * @throws PolicyException listing every problem found, in file order
     */
    public static Policy parse(String yaml, String sourceName) throws PolicyException {
        Objects.requireNonNull(yaml, "yaml");
        Objects.requireNonNull(sourceName, "sourceName");
        return parse(yaml, sourceName, sha256(yaml.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The policy in force when none is configured: mode enforce, no agents, no rules, every default.
     * Its source is {@value #DEFAULT_SOURCE}. Built by parsing {@code version: 1}, so it cannot differ
     * from what a minimal file gives.
     */
    public static Policy defaults() {
        return DefaultHolder.DEFAULT;
    }

    private static final class DefaultHolder {
        static final Policy DEFAULT;

        static {
            try {
                DEFAULT = parse("version: 1\n", DEFAULT_SOURCE);
            } catch (PolicyException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    private static Policy parse(String yaml, String source, String sha256) throws PolicyException {
        Optional<Node> root = compose(yaml, source);
        PolicyReader reader = new PolicyReader(source);
        Policy policy = reader.read(root.orElse(null), sha256);
        if (policy == null) {
            throw new PolicyException(reader.problems());
        }
        return policy;
    }

    /** YAML text to a node tree; every failure of SnakeYAML becomes a positioned problem. */
    /** For the tests of {@link ComposedPolicyCache}: the tree of a text. */
    static Node composeForTest(String yaml, String source) throws PolicyException {
        return compose(yaml, source).orElseThrow();
    }

    private static Optional<Node> compose(String yaml, String source) throws PolicyException {
        if (yaml.length() > MAX_BYTES) {
            // A policy given as text: the same cap (a file under it never has more chars than bytes).
            throw tooLarge(source, yaml.length() + " characters");
        }
        LoadSettings settings = LoadSettings.builder()
                .setLabel(source)
                // SnakeYAML's reader copies its window on every refill, so a long line or comment
                // (a token it must hold whole) costs time quadratic in its length per refill size:
                // one buffer for the whole (capped) text makes it one refill, linear.
                .setBufferSize(yaml.length() + 1)
                .setCodePointLimit(MAX_BYTES)
                .setSchema(new CoreSchema())
                .setUseMarks(true)
                // Reported by the reader with a position, instead of a bare exception from SnakeYAML.
                .setAllowNonScalarKeys(true)
                .setParseComments(false)
                .build();
        try {
            return new Compose(settings).composeString(yaml);
        } catch (MarkedYamlEngineException e) {
            Mark mark = e.getProblemMark().or(e::getContextMark).orElse(null);
            throw single(source, mark == null ? 1 : mark.getLine() + 1, mark == null ? 1 : mark.getColumn() + 1,
                    "YAML syntax error: " + syntaxMessage(e));
        } catch (ReaderException e) {
            int[] lineColumn = lineColumnOfCodePoint(yaml, e.getPosition());
            throw single(source, lineColumn[0], lineColumn[1], "YAML syntax error: the character "
                    + String.format("U+%04X", e.getCodePoint()) + " is not allowed in YAML; remove it");
        } catch (YamlEngineException e) {
            throw single(source, 1, 1, "YAML error: " + e.getMessage());
        } catch (StackOverflowError e) {
            throw single(source, 1, 1, "YAML error: the document is nested too deeply to read");
        } catch (RuntimeException e) {
            // SnakeYAML is meant to throw only YamlEngineExceptions; if it ever does not, the policy
            // is still rejected with a position rather than crashing the JVM before main.
            throw single(source, 1, 1, "YAML error: the document could not be read (" + e + ")");
        }
    }

    private static String syntaxMessage(MarkedYamlEngineException e) {
        String problem = e.getProblem() == null ? "" : e.getProblem().strip();
        String context = e.getContext() == null ? "" : e.getContext().strip();
        StringBuilder out = new StringBuilder();
        if (problem.startsWith("but ") && !context.isEmpty()) {
            out.append(context).append(", ").append(problem);
        } else {
            out.append(problem.isEmpty() ? context : problem);
            if (!context.isEmpty() && !problem.isEmpty()) {
                out.append(" (").append(context);
                Optional<Mark> at = e.getContextMark();
                Optional<Mark> problemAt = e.getProblemMark();
                boolean samePlace = at.isPresent() && problemAt.isPresent()
                        && at.get().getLine() == problemAt.get().getLine()
                        && at.get().getColumn() == problemAt.get().getColumn();
                if (at.isPresent() && !samePlace) {
                    out.append(" at line ").append(at.get().getLine() + 1)
                            .append(", column ").append(at.get().getColumn() + 1);
                }
                out.append(')');
            }
        }
        if (problem.startsWith("mapping values are not allowed here")) {
            out.append("; a value that contains ': ' must be quoted, and a nested map must start on its own line");
        }
        return out.toString();
    }

    private static PolicyException single(String source, int line, int column, String message) {
        return new PolicyException(List.of(new Problem(source, Math.max(1, line), Math.max(1, column), "", message)));
    }

    /** Decodes strictly, so a file saved in Latin-1 is an error that points at the first bad byte. */
    private static String decodeUtf8(byte[] bytes, String source) throws PolicyException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        out.flip();
        String text = out.toString();
        if (result.isError()) {
            int[] lineColumn = lineColumnOfCodePoint(text, text.codePointCount(0, text.length()));
            throw single(source, lineColumn[0], lineColumn[1], "the file is not valid UTF-8 (byte 0x"
                    + String.format("%02X", bytes[in.position()] & 0xFF) + " at offset " + in.position()
                    + "); save it as UTF-8");
        }
        return text;
    }

    /** 1-based line and column of the code point at {@code index}, counting lines as YAML does. */
    static int[] lineColumnOfCodePoint(String text, int index) {
        int line = 1;
        int column = 1;
        int seen = 0;
        for (int i = 0; i < text.length() && seen < index; seen++) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (c == '\n' || (c == '\r' && (i >= text.length() || text.charAt(i) != '\n'))) {
                line++;
                column = 1;
            } else if (c != '\r') {
                column++;
            }
        }
        return new int[] {line, column};
    }

    static String sha256(byte[] bytes) {
        byte[] digest = org.agenthypervisor.core.crypto.Sha256.hash(bytes);
        StringBuilder hex = new StringBuilder(64);
        for (byte b : digest) {
            hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return hex.toString();
    }
}
