package org.agenthypervisor.core.merkle;

import static org.agenthypervisor.core.merkle.NaiveMerkle.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MerkleHashTest {

    @Test
    void emptyIsSha256OfTheEmptyString() {
        assertArrayEquals(hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), MerkleHash.empty());
    }

    @Test
    void leafOfEmptyRecordIsSha256OfTheZeroByte() {
        // SHA-256(0x00), also the root of the one-leaf CT reference tree.
        assertArrayEquals(hex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
                MerkleHash.leaf(new byte[0]));
    }

    @Test
    void leafAndNodeUseTheirDomainPrefixes() {
        byte[] record = {1, 2, 3};
        assertArrayEquals(NaiveMerkle.sha256(new byte[] {0, 1, 2, 3}), MerkleHash.leaf(record));
        assertArrayEquals(NaiveMerkle.sha256(new byte[] {0, 2}), MerkleHash.leaf(record, 1, 1));
        byte[] l = MerkleHash.leaf(new byte[] {7});
        byte[] r = MerkleHash.leaf(new byte[] {8});
        assertArrayEquals(NaiveMerkle.sha256(new byte[] {1}, l, r), MerkleHash.node(l, r));
    }

    @Test
    void returnedArraysAreFresh() {
        byte[] e = MerkleHash.empty();
        e[0] ^= 1;
        assertArrayEquals(hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), MerkleHash.empty());
    }

    @Test
    void nodeRejectsChildrenThatAreNotHashes() {
        assertThrows(IllegalArgumentException.class, () -> MerkleHash.node(new byte[31], new byte[32]));
        assertThrows(IndexOutOfBoundsException.class, () -> MerkleHash.leaf(new byte[2], 1, 2));
    }
}
