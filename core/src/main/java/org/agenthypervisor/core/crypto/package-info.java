/**
 * Keys and signatures: Ed25519 through Bouncy Castle's lightweight API (never a JCA provider), the
 * on-disk key directory with one OpenSSL-readable key pair per principal, and DSSE envelopes that sign
 * a typed payload with one or more keys.
 */
package org.agenthypervisor.core.crypto;
