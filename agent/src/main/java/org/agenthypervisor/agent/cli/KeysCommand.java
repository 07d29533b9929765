package org.agenthypervisor.agent.cli;

import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.crypto.KeyDirectoryException;
import org.agenthypervisor.core.crypto.PublicKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code keys} and {@code keys export}: the Ed25519 keys of the agents (and of the hypervisor). */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = {"List the Ed25519 keys in a key directory: one per agent (created on its first hand-off)",
                "and the hypervisor's own ('hypervisor'). Files are OpenSSL-compatible PEM: <id>.key (PKCS#8,",
                "owner-only) and <id>.pub (SubjectPublicKeyInfo).",
                "Exit code 0: listed; 1: a key file is damaged; 2: no such directory."},
        subcommands = {KeysCommand.Export.class})
final class KeysCommand implements Callable<Integer> {
    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = CommandGroup.DEFAULT_DATA_DIR,
            description = "The data directory; its keys/ is listed (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--keys-dir", paramLabel = "DIR",
            description = "The key directory, if the policy names one (liability.keysDir); default <data-dir>/keys.")
    Path keysDir;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    static KeyDirectory open(Path dataDir, Path keysDir) {
        Path dir = keysDir != null ? keysDir : dataDir.resolve("keys");
        if (!Files.isDirectory(dir)) {
            throw new HypervisorCommand.UsageError("no key directory at " + dir.toAbsolutePath()
                    + " (keys are created on an agent's first hand-off; give --data-dir or --keys-dir)");
        }
        return KeyDirectory.openReadOnly(dir);
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        KeyDirectory keys = open(dataDir, keysDir);
        if (keys.ids().isEmpty()) {
            out.println("no keys in " + keys.directory());
            return HypervisorCommand.OK;
        }
        out.printf(Locale.ROOT, "%-24s %-18s %s%n", "ID", "KEY ID", "FILES");
        int damaged = 0;
        for (String id : keys.ids()) {
            try {
                Optional<PublicKey> key = keys.publicKey(id);
                boolean secret = Files.exists(keys.directory().resolve(id + ".key"));
                out.printf(Locale.ROOT, "%-24s %-18s %s%n", id, key.map(PublicKey::keyId).orElse("?"),
                        secret ? "private + public" : "public only");
            } catch (KeyDirectoryException bad) {
                err.println("error: " + bad.getMessage());
                damaged++;
            }
        }
        return damaged == 0 ? HypervisorCommand.OK : HypervisorCommand.FAILED;
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = {"Print the public key of ID as PEM (what vouch verify --keys needs on another machine).",
                    "Exit code 0: exported; 1: the key file is damaged; 2: no such key or directory."})
    static final class Export implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID", description = "The agent id, or 'hypervisor'.")
        String id;

        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = CommandGroup.DEFAULT_DATA_DIR,
                description = "The data directory (default: ${DEFAULT-VALUE}).")
        Path dataDir;

        @Option(names = "--keys-dir", paramLabel = "DIR", description = "The key directory; default <data-dir>/keys.")
        Path keysDir;

        @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "Write the PEM to FILE instead of standard output.")
        Path outFile;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            if (!KeyDirectory.isValidId(id)) {
                throw new HypervisorCommand.UsageError("'" + id + "' is not a valid id ([a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?)");
            }
            KeyDirectory keys = open(dataDir, keysDir);
            PublicKey key;
            try {
                key = keys.publicKey(id).orElseThrow(() -> new HypervisorCommand.UsageError("no key for '" + id + "' in "
                        + keys.directory() + " (known: " + String.join(", ", keys.ids()) + ")"));
            } catch (KeyDirectoryException bad) {
                spec.commandLine().getErr().println("error: " + bad.getMessage());
                return HypervisorCommand.FAILED;
            }
            if (outFile != null) {
                Files.write(outFile, key.toPem().getBytes(StandardCharsets.US_ASCII));
                spec.commandLine().getOut().println("wrote the public key of '" + id + "' (key id " + key.keyId() + ") to " + outFile);
            } else {
                spec.commandLine().getOut().print(key.toPem());
                spec.commandLine().getOut().flush();
            }
            return HypervisorCommand.OK;
        }
    }
}
