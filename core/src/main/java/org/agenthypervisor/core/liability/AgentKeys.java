package org.agenthypervisor.core.liability;

import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.crypto.SigningKey;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * The agents' signing keys, cached by principal index so that a signed hand-off costs one array
 * read before the signature itself. Keys come from a {@link KeyDirectory} (created on first use,
 * owner-only files); a key that cannot be had is an exception naming the directory and the file.
 */
final class AgentKeys {
    /** The id of the hypervisor's own key (signed tree heads); agents' keys are named by their ids. */
    static final String HYPERVISOR = KeyDirectory.HYPERVISOR;

    private final Path directory;
    private volatile KeyDirectory keys;
    private volatile SigningKey[] byIndex = new SigningKey[16];

    AgentKeys(Path directory) {
        this.directory = directory;
    }

    Path directory() {
        return directory;
    }

    /** The key of {@code p}, created in the directory on first use. */
    SigningKey keyOf(Principal p) {
        SigningKey[] cache = byIndex;
        int i = p.index();
        if (i >= 0 && i < cache.length) {
            SigningKey k = cache[i];
            if (k != null) {
                return k;
            }
        }
        return load(p);
    }

    private synchronized SigningKey load(Principal p) {
        int i = p.index();
        SigningKey[] cache = byIndex;
        if (i >= 0 && i < cache.length && cache[i] != null) {
            return cache[i];
        }
        // agentKey refuses the hypervisor's own id: an agent never signs as the hypervisor.
        SigningKey key = keyDirectory().agentKey(p.id());
        if (i >= 0) {
            SigningKey[] grown = i < cache.length ? cache.clone() : Arrays.copyOf(cache, Math.max(i + 1, cache.length * 2));
            grown[i] = key;
            byIndex = grown;
        }
        return key;
    }

    private KeyDirectory keyDirectory() {
        KeyDirectory k = keys;
        if (k == null) {
            synchronized (this) {
                k = keys;
                if (k == null) {
                    k = KeyDirectory.open(directory);
                    keys = k;
                }
            }
        }
        return k;
    }
}
