package org.agenthypervisor.bench.audit;

import org.agenthypervisor.core.merkle.MerkleHash;
import org.agenthypervisor.core.merkle.MerkleProofs;
import org.agenthypervisor.core.merkle.MerkleTree;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Issue 5: proof generation and verification in a tree of 1,000,000 audit records (leaves of
 * 200-byte records), at random indexes and sizes. The verification is what an auditor runs from a
 * signed tree head alone ({@code audit verify-proof}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class MerkleProofBench {
    static final int SIZE = 1_000_000;

    MerkleTree tree;
    byte[] root;
    SplittableRandom random;
    List<byte[]> sampleInclusion;
    long sampleIndex;
    List<byte[]> sampleConsistency;
    long sampleOld;
    byte[] oldRoot;

    @Setup(Level.Trial)
    public void build() {
        tree = new MerkleTree();
        byte[] record = new byte[200];
        for (int i = 0; i < SIZE; i++) {
            ByteBuffer.wrap(record).putInt(0, i);
            tree.appendRecord(record);
        }
        root = tree.root();
        random = new SplittableRandom(42);
        sampleIndex = 123_457;
        sampleInclusion = tree.inclusionProof(sampleIndex, SIZE);
        sampleOld = 654_321;
        sampleConsistency = tree.consistencyProof(sampleOld, SIZE);
        oldRoot = tree.root(sampleOld);
    }

    @Benchmark
    public List<byte[]> inclusionProof() {
        return tree.inclusionProof(random.nextLong(SIZE), SIZE);
    }

    @Benchmark
    public boolean verifyInclusion() {
        return MerkleProofs.verifyInclusion(tree.leafHash(sampleIndex), sampleIndex, SIZE, sampleInclusion, root);
    }

    @Benchmark
    public List<byte[]> consistencyProof() {
        return tree.consistencyProof(1 + random.nextLong(SIZE - 1), SIZE);
    }

    @Benchmark
    public boolean verifyConsistency() {
        return MerkleProofs.verifyConsistency(sampleOld, SIZE, oldRoot, root, sampleConsistency);
    }

    @Benchmark
    public byte[] leafHashOfARecord() {
        return MerkleHash.leaf(new byte[200]);
    }
}
