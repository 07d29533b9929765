package org.agenthypervisor.core.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * New SHA-256 digests without a provider lookup each: the first comes from the JDK's providers and
 * is kept, never updated, as the prototype the others are cloned from. A start keys and
 * authenticates a few dozen cached classes, and a lookup per digest cost more than the digest.
 */
public final class Sha256 {
    private static volatile MessageDigest prototype;

    private Sha256() {
    }

    /** A fresh SHA-256 digest (the JDK's, intrinsified once compiled). */
    public static MessageDigest newDigest() {
        try {
            MessageDigest p = prototype;
            if (p == null) {
                prototype = p = MessageDigest.getInstance("SHA-256");
            }
            try {
                return (MessageDigest) p.clone();
            } catch (CloneNotSupportedException notCloneable) {
                return MessageDigest.getInstance("SHA-256");
            }
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", impossible);
        }
    }
}
