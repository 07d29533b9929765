package org.agenthypervisor.shaded.org.bouncycastle.crypto;

/**
 * Stands in, in the agent jar only, for Bouncy Castle's class of this name, relocated like the rest
 * (the shade filter leaves Bouncy Castle's own out; the build compiles this one against the shaded
 * classes and adds it: on the unit tests' class path Bouncy Castle's signed jar must keep its own).
 * Of the registrar, the Ed25519 the agent ships calls one method: {@link #checkConstraints}, from
 * {@code SHA512Digest}'s constructor, which with Bouncy Castle's defaults checks nothing.
 *
 * <p>Why not Bouncy Castle's own: its class initialisation creates a {@code java.util.logging}
 * logger, which initialises the JDK's {@code LogManager} inside the agent's start, before the
 * application's {@code main}; an application that installs its own manager from {@code main} (servers
 * and logging bridges set {@code java.util.logging.manager} there) then silently got the JDK's
 * (StartupIT.theApplicationStillInstallsItsOwnLogManager). It also parses the default DSA and DH
 * parameter sets from hexadecimal into {@code BigInteger}s; with the logger, ~15 to 30 ms of every
 * start's signing warm-up. What is left out: the registrar's global and thread-local properties,
 * default {@code SecureRandom} and services constraints (the agent passes its own {@code SecureRandom},
 * sets no property and no constraint; the relocated constraint property
 * {@code org.agenthypervisor.shaded.org.bouncycastle.constraints.quantum_vulnerable} is not read).
 * {@code PackagingIT} and the build's class list keep the rest of Bouncy Castle to the classes
 * Ed25519 reaches without it.
 */
public final class CryptoServicesRegistrar {
    private CryptoServicesRegistrar() {
    }

    /** Bouncy Castle's default services constraints allow every service: only the argument is checked. */
    public static void checkConstraints(CryptoServiceProperties properties) {
        if (properties == null) {
            throw new IllegalArgumentException("attempt to pass null parameter");
        }
    }
}
