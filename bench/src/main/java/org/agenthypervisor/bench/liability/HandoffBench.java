package org.agenthypervisor.bench.liability;

import org.agenthypervisor.core.crypto.Envelope;
import org.agenthypervisor.core.gate.Gate;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The cost of one hand-off from agent A into a public method of agent B through the real gate:
 * the receiver's trust check of the sender and its chain, the vouch (canonical encoding and SHA-256
 * of the arguments, id, parents, session, sequence), the chain update, the audit record and, with
 * {@code signing: each}, an Ed25519 signature by the sender. {@link #handoff} is a {@code void}
 * method (one vouch); {@link #handoffWithReturn} also vouches for the result (two vouches).
 * {@link #bareBouncyCastleSign} signs a message of the size of a vouch's DSSE PAE with Bouncy
 * Castle's {@link Ed25519Signer} directly: the baseline of the "each within 1.3x" target.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1)
public class HandoffBench {

    @State(Scope.Thread)
    public static class Handoffs {
        /** batched: covered by the audit log's signed tree heads; each: one Ed25519 signature per vouch. */
        @Param({"batched", "each"})
        public String signing;

        /** log: the real audit log (queued, written by its own thread); none: no audit trail at all. */
        @Param({"none", "log"})
        public String audit;

        LiabilityFixture fixture;
        int take;
        int ask;
        final String argument = "refund r-1042 for order o-77, amount 12.50 EUR";
        long counter;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            fixture = new LiabilityFixture("""
                    agents:
                      sender:
                        classes: com.bench.Sender
                      receiver:
                        classes: com.bench.Receiver
                    liability:
                      signing: %s
                    audit:
                      durability: none
                    """.formatted(signing), audit, "tmpfs");
            fixture.register("com.bench.Sender");
            Map<String, Integer> sites = fixture.register("com.bench.Receiver");
            take = sites.get("take");
            ask = sites.get("ask");
            fixture.runAs("sender");
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            fixture.close();
        }
    }

    @State(Scope.Thread)
    public static class Bare {
        Ed25519PrivateKeyParameters key;
        byte[] message;

        @Setup(Level.Trial)
        public void setUp() {
            key = new Ed25519PrivateKeyParameters(new SecureRandom());
            // A typical vouch is ~430 bytes of canonical JSON; its DSSE PAE adds the type and lengths.
            byte[] vouch = new byte[430];
            new SecureRandom().nextBytes(vouch);
            message = Envelope.pae("application/vnd.agenthypervisor.vouch+json", vouch);
        }
    }

    @Benchmark
    public Object handoff(Handoffs s) {
        Object token = Gate.enter(s.take);
        if (token == Gate.DETAILS) {
            token = Gate.enterWithDetails(s.take, HandoffBench.class, null, new Object[] {s.argument, s.counter++});
        }
        Gate.exit(token, null, null);
        return token;
    }

    @Benchmark
    public Object handoffWithReturn(Handoffs s) {
        Object token = Gate.enter(s.ask);
        if (token == Gate.DETAILS) {
            token = Gate.enterWithDetails(s.ask, HandoffBench.class, null, new Object[] {s.argument});
        }
        Gate.exit(token, "approved", null);
        return token;
    }

    @Benchmark
    public byte[] bareBouncyCastleSign(Bare b) {
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, b.key);
        signer.update(b.message, 0, b.message.length);
        return signer.generateSignature();
    }
}
