package org.agenthypervisor.bench.saga;

import org.agenthypervisor.core.gate.Gate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A whole saga through the gate and the engine, as the woven advice drives it: a boundary, three
 * compensable steps, and the end (8 journal records), with the audit trail switched off. Compare
 * with the reference implementation's in-memory three-step saga (bench/RESULTS.md).
 * {@code threeStepsRolledBack} also compensates the three steps (15 records).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class SagaEngineBench {
    @Param({"none", "batch", "fsync"})
    public String durability;

    private Path dir;
    private BenchFixtures fixtures;
    private int transfer;
    private int debit;
    private final BenchFixtures.Account account = new BenchFixtures.Account();
    private final BenchFixtures.Transfer saga = new BenchFixtures.Transfer();
    private final Object[] none = new Object[0];
    private static final RuntimeException FAILED = new RuntimeException("declined", null, false, false) {
    };

    @Setup(Level.Iteration)
    public void open() throws Exception {
        // A rollback logs one INFO line; the benchmark measures the engine, not the console.
        org.agenthypervisor.core.log.Log.setThreshold(org.agenthypervisor.core.log.Log.Level.WARN);
        dir = JournalDirs.fresh("saga-engine-bench");
        fixtures = new BenchFixtures(dir, durability);
        transfer = fixtures.site("Transfer#run");
        debit = fixtures.site("Account#debit");
    }

    @TearDown(Level.Iteration)
    public void close() {
        fixtures.sagas.close();
        JournalDirs.delete(dir);
    }

    private void step(long amount) {
        Object token = BenchFixtures.enter(debit, BenchFixtures.Account.class, account, new Object[] {"acct-42", amount});
        account.debit("acct-42", amount);
        Gate.exit(token, null, null);
    }

    @Benchmark
    public void threeSteps() {
        Object token = BenchFixtures.enter(transfer, BenchFixtures.Transfer.class, saga, none);
        step(1);
        step(2);
        step(3);
        Gate.exit(token, null, null);
    }

    @Benchmark
    public void threeStepsRolledBack() {
        Object token = BenchFixtures.enter(transfer, BenchFixtures.Transfer.class, saga, none);
        step(1);
        step(2);
        step(3);
        Gate.exit(token, null, FAILED);
    }
}
