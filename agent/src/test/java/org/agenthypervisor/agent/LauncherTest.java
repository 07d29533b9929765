package org.agenthypervisor.agent;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import org.junit.jupiter.api.Test;

/**
 * {@code premain} reaches the launcher with a plain call now, resolved through the system loader after
 * the jar is appended to the bootstrap class path: a launcher that some other loader defined must not
 * start the agent (the JDK's woven code calls the bootstrap loader's bridge). Here, on the unit tests'
 * class path, the application loader defined it.
 */
class LauncherTest {

    @Test
    void aLauncherNotDefinedByTheBootstrapLoaderRefusesToStart() {
        assertNotNull(Launcher.class.getClassLoader(), "the unit tests' launcher is the application loader's");
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> Launcher.start("", null, false, new File("no-such-agent.jar")));
        assertTrue(refused.getMessage().contains("not the bootstrap class loader"), refused.getMessage());
    }
}
