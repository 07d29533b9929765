/**
 * The woven-class cache: what the weaver made of a class's bytes, kept in the data directory and
 * authenticated with a secret derived from the hypervisor's key, so that a later start does not
 * load Byte Buddy to weave the same bytes again. Site ids and keys, which change at every start,
 * are patched into the constant pool of a cached class.
 */
package org.agenthypervisor.agent.cache;
