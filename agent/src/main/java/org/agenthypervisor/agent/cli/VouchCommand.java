package org.agenthypervisor.agent.cli;

import org.agenthypervisor.core.crypto.Envelope;
import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.crypto.KeyDirectoryException;
import org.agenthypervisor.core.crypto.PublicKey;
import org.agenthypervisor.core.crypto.SigningKey;
import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.liability.Vouch;
import org.agenthypervisor.core.store.RecordLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code vouch export} and {@code vouch verify}: hand-offs as self-contained DSSE envelopes. */
@Command(name = "vouch", mixinStandardHelpOptions = true,
        description = "Export a recorded hand-off as a signed DSSE envelope, and verify one offline.",
        subcommands = {VouchCommand.Export.class, VouchCommand.Verify.class})
final class VouchCommand extends CommandGroup {
    @Command(name = "export", mixinStandardHelpOptions = true,
            description = {"Write the hand-off recorded at audit record SEQ as a DSSE envelope (payload type",
                    Vouch.PAYLOAD_TYPE + ", payload = the canonical vouch bytes).",
                    "With liability.signing: each the envelope carries the signature made at the hand-off; with",
                    "batched (the default) the vouch was covered by the audit log's signed tree heads and is signed",
                    "now, at export, with the sender's key from the key directory.",
                    "Exit code 0: exported; 2: no such record, not a hand-off, or no key."})
    static final class Export implements Callable<Integer> {
        @Option(names = "--seq", required = true, paramLabel = "N", description = "The audit record's seq.")
        long seq;

        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = TrustCommand.DEFAULT_DATA_DIR,
                description = "The data directory (default: ${DEFAULT-VALUE}).")
        Path dataDir;

        @Option(names = "--keys-dir", paramLabel = "DIR", description = "The key directory; default <data-dir>/keys.")
        Path keysDir;

        @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "Write the envelope to FILE instead of standard output.")
        Path outFile;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Map<?, ?> record = auditRecord(TrustCommand.existingDataDir(dataDir), seq);
            if (!"handoff".equals(record.get("type"))) {
                throw new HypervisorCommand.UsageError("audit record " + seq + " is a '" + record.get("type")
                        + "' record, not a hand-off");
            }
            Vouch vouch;
            try {
                vouch = Vouch.fromFields(record);
            } catch (IllegalArgumentException bad) {
                throw new HypervisorCommand.UsageError("audit record " + seq + " is not a readable vouch: " + bad.getMessage());
            }
            if (KeyDirectory.isReservedId(vouch.sender())) {
                // Never sign a vouch with the hypervisor's own key.
                throw new HypervisorCommand.UsageError("audit record " + seq + " is a hand-off from '" + vouch.sender()
                        + "', the hypervisor's reserved key id: refused, no vouch is signed with the hypervisor's key");
            }
            Envelope envelope;
            if (record.get("signature") instanceof String sig && record.get("keyid") instanceof String keyid) {
                envelope = vouch.envelope(new Envelope.Signature(keyid, Base64.getDecoder().decode(sig)));
                err.println("the envelope carries the signature made at the hand-off (signing: each), key " + keyid);
            } else {
                KeyDirectory keys = KeysCommand.open(dataDir, keysDir);
                SigningKey key;
                try {
                    key = keys.signingKey(vouch.sender()).orElseThrow(() -> new HypervisorCommand.UsageError(
                            "no private key for the sender '" + vouch.sender() + "' in " + keys.directory()
                                    + " to sign the exported vouch (give --keys-dir if the policy names liability.keysDir)"));
                } catch (KeyDirectoryException bad) {
                    throw new HypervisorCommand.UsageError(bad.getMessage());
                }
                envelope = vouch.envelope(vouch.sign(key));
                err.println("signed now, at export, with the key of '" + vouch.sender() + "' (" + key.keyId()
                        + "): the hand-off was recorded with signing: batched, covered by the audit log's signed tree heads");
            }
            byte[] json = envelope.toJson();
            if (outFile != null) {
                byte[] withNewline = Arrays.copyOf(json, json.length + 1);
                withNewline[json.length] = '\n';
                Files.write(outFile, withNewline);
                out.println("wrote vouch " + vouch.id() + " (" + vouch.sender() + " -> " + vouch.receiver() + ", "
                        + vouch.direction() + " " + vouch.method() + ") to " + outFile);
            } else {
                out.println(new String(json, java.nio.charset.StandardCharsets.UTF_8));
            }
            return HypervisorCommand.OK;
        }

        private static Map<?, ?> auditRecord(Path dataDir, long seq) {
            Path dir = dataDir.resolve("audit");
            try (RecordLog log = RecordLog.open(dir, "audit", RecordLog.Options.defaults().withReadOnly(true))) {
                if (seq < 0 || seq >= log.size()) {
                    throw new HypervisorCommand.UsageError("the audit log in " + dir + " has records 0 to " + (log.size() - 1)
                            + "; there is no record " + seq);
                }
                Object tree = CanonicalJson.parse(log.get(seq));
                if (!(tree instanceof Map)) {
                    throw new HypervisorCommand.UsageError("audit record " + seq + " is not a JSON object");
                }
                return (Map<?, ?>) tree;
            } catch (NoSuchFileException none) {
                throw new HypervisorCommand.UsageError("no audit log in " + dir);
            } catch (IOException | IllegalArgumentException failure) {
                throw new HypervisorCommand.UsageError("cannot read audit record " + seq + " in " + dir + ": " + failure.getMessage());
            }
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Verify a vouch envelope offline: its payload type, that the payload is a vouch, and the",
                    "Ed25519 signature of the vouch's sender, whose public key is read from the key directory",
                    "(<id>.pub or <id>.key files, as keys export writes them). By default the file must be exactly",
                    "what vouch export writes, so any changed byte is rejected; --lenient accepts any DSSE JSON",
                    "encoding of a correctly signed vouch (whitespace, URL-safe base64).",
                    "Exit code 0: valid; 1: invalid; 2: the file or the key directory cannot be read."})
    static final class Verify implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "The envelope.")
        Path file;

        @Option(names = "--keys", paramLabel = "DIR", defaultValue = TrustCommand.DEFAULT_DATA_DIR + "/keys",
                description = "Directory of public keys (default: ${DEFAULT-VALUE}).")
        Path keysDir;

        @Option(names = "--lenient", description = "Accept any DSSE JSON encoding, not only the exported bytes.")
        boolean lenient;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (IOException unreadable) {
                throw new HypervisorCommand.UsageError("cannot read " + file + ": " + unreadable);
            }
            if (!Files.isDirectory(keysDir)) {
                throw new HypervisorCommand.UsageError("no key directory at " + keysDir.toAbsolutePath() + " (give --keys DIR)");
            }
            Envelope envelope;
            Vouch vouch;
            try {
                envelope = Envelope.fromJson(bytes);
            } catch (IllegalArgumentException malformed) {
                return invalid(out, malformed.getMessage());
            }
            if (!Vouch.PAYLOAD_TYPE.equals(envelope.payloadType())) {
                return invalid(out, "payload type is '" + envelope.payloadType() + "', not " + Vouch.PAYLOAD_TYPE);
            }
            try {
                vouch = Vouch.parse(envelope.payload());
            } catch (IllegalArgumentException notAVouch) {
                return invalid(out, "the payload is not a vouch: " + notAVouch.getMessage());
            }
            if (!CanonicalJson.isCanonical(envelope.payload())) {
                return invalid(out, "the vouch is not in canonical JSON form");
            }
            Optional<PublicKey> key;
            try {
                if (!KeyDirectory.isValidId(vouch.sender())) {
                    return invalid(out, "the sender '" + vouch.sender() + "' is not a valid agent id");
                }
                if (KeyDirectory.isReservedId(vouch.sender())) {
                    return invalid(out, "the sender '" + vouch.sender() + "' is the hypervisor's reserved key id, which"
                            + " no agent may sign as");
                }
                key = KeyDirectory.openReadOnly(keysDir).publicKey(vouch.sender());
            } catch (KeyDirectoryException bad) {
                throw new HypervisorCommand.UsageError(bad.getMessage());
            }
            if (key.isEmpty()) {
                return invalid(out, "no public key for the sender '" + vouch.sender() + "' in " + keysDir
                        + " (copy it there with: keys export " + vouch.sender() + " --out " + keysDir.resolve(vouch.sender() + ".pub") + ")");
            }
            Envelope.Verification result = envelope.verifyDetailed(Map.of(key.get().keyId(), key.get()));
            if (!result.isValid()) {
                return invalid(out, "no valid signature by '" + vouch.sender() + "' (key " + key.get().keyId() + ")"
                        + (result.invalid().isEmpty() ? "" : "; bad signature from key " + result.invalid())
                        + (result.unknown().isEmpty() ? "" : "; signatures from unknown keys " + result.unknown()));
            }
            if (!lenient && !isExactly(bytes, envelope.toJson())) {
                return invalid(out, "the file is not exactly the envelope vouch export writes (a byte was changed outside"
                        + " the signed content, or another tool wrote it: use --lenient to accept any DSSE JSON encoding)");
            }
            out.println("valid: vouch " + vouch.id() + " (" + vouch.direction() + ") " + vouch.sender() + " -> "
                    + vouch.receiver() + " at " + vouch.method() + ", payload sha256 " + vouch.payloadSha256()
                    + (vouch.complete() ? "" : " (incomplete: " + vouch.unencodable() + " could not be encoded)")
                    + ", parents " + vouch.parents() + ", signed by '" + vouch.sender() + "' (key " + key.get().keyId() + ")");
            return HypervisorCommand.OK;
        }

        /** The file is the canonical envelope, optionally followed by one line break. */
        private static boolean isExactly(byte[] file, byte[] canonical) {
            int n = file.length;
            if (n > 0 && file[n - 1] == '\n') {
                n--;
                if (n > 0 && file[n - 1] == '\r') {
                    n--;
                }
            }
            return Arrays.equals(file, 0, n, canonical, 0, canonical.length);
        }

        private int invalid(PrintWriter out, String why) {
            out.println("INVALID: " + file + ": " + why);
            return HypervisorCommand.FAILED;
        }
    }
}
